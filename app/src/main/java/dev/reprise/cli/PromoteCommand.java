package dev.reprise.cli;

import dev.reprise.codec.HeaderNames;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.ops.EvidenceReader;
import dev.reprise.plan.Codecs;
import dev.reprise.verify.Promotion;
import dev.reprise.verify.TopicSnapshot;
import dev.reprise.verify.Verifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Copies a run's rebuilt (shadow) projection into the live projection topic, with tombstones for live keys the "
                + "rebuild no longer has, in one transaction. Refused (nothing written) when the run's evidence is not trusted (exit 3 or 4), "
                + "when the shadow topic no longer passes the checks of 'reprise verify' (exit 1), or when it would tombstone or change "
                + "more than promote.max_changed_ratio of the live keys (exit 1); --force with a --reason overrides, and the reason is "
                + "recorded on every record written. Evidence whose signature is not verified (unsigned, or no public key given) is refused "
                + "unless --allow-unsigned-evidence (exit 1); --force does not override that. A dry run unless --execute: it shows what would be written, the verification and "
                + "whether --execute would be refused, and exits as --execute would. The live topic must be in the contract's "
                + "allowed_write_topics."},
        footer = {"", "Example:", "  reprise promote --contract config/inventory.yaml --bootstrap-server localhost:9092 --to inventory-levels --execute"})
public final class PromoteCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--to", required = true, description = "The live projection topic.")
    String live;

    @Mixin
    EvidenceKeyOption key = new EvidenceKeyOption();

    @Option(names = "--run-id", description = "The run (default: the contract's run in force). It must be a run of this contract's application.")
    String runId;

    @Option(names = "--allow-unsigned-evidence", description = "Promote on evidence whose signature is not verified (written without a "
            + "signing key, or no public key given to check it). Without it, --execute refuses such evidence: nothing proves Reprise wrote it.")
    boolean allowUnsigned;

    @Option(names = "--execute", description = "Write. Without it nothing changes.")
    boolean execute;

    @Option(names = "--force", description = "Promote although a check refuses it (verdict, verification, changed ratio); needs --reason.")
    boolean force;

    @Option(names = "--reason", description = "Why a refused promotion is forced; written into every record's headers (reprise.promotion_override).")
    String reason;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    /** The evidence chosen, with its authenticity. */
    private EvidenceReader.Selection selection;

    @Override
    public Integer call() {
        Contract contract = cluster.loadContract();
        if (!contract.allowedWriteTopics().contains(live)) {
            throw new IllegalArgumentException("--to " + live + " is not in the contract's allowed_write_topics " + contract.allowedWriteTopics()
                    + "; add it there to let Reprise write it");
        }
        if (live.equals(contract.projection().topic())) {
            throw new IllegalArgumentException("--to must be the live topic, not the shadow topic " + live);
        }
        if (force && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("--force needs --reason: an override is recorded");
        }
        Map<String, Object> config = cluster.clientConfig();
        EvidenceReader.Selection selected;
        try {
            selected = key.reader(contract, config).select(runId);
        } catch (EvidenceReader.UnknownRunException e) {
            System.err.println("reprise promote: " + e.getMessage() + ". Nothing was written.");
            return ExitCodes.FAILURE;
        }
        EvidenceCommand.report(selected, "reprise promote");
        Optional<RecoveryEvidence> found = Optional.ofNullable(selected.finalEvidence());
        if (found.isEmpty()) {
            System.err.println("reprise promote: no final evidence for run " + selected.runId() + " on " + contract.evidence().topic()
                    + (selected.ignored().isEmpty() ? "" : " that passed verification") + ". Nothing was written.");
            return ExitCodes.FAILURE;
        }
        RecoveryEvidence e = found.get();
        this.selection = selected;
        if (!selected.verified() && !allowUnsigned) {
            // Checked before anything else: a verdict nothing proves Reprise wrote is no verdict, whatever it says.
            System.err.println("reprise promote: " + (execute ? "refused" : "--execute would be refused") + ": the evidence of run "
                    + e.getRunId() + " is " + selected.authenticityNote() + ". " + (execute ? "Nothing was written. " : "")
                    + "Sign the evidence (reprise keys generate; reprise.evidence.signing.key.file on the run) and give the public key "
                    + "with --evidence-public-key, or accept unsigned evidence explicitly with --allow-unsigned-evidence.");
            return ExitCodes.FAILURE;
        }
        if (!selected.verified()) {
            System.err.println("reprise promote: --allow-unsigned-evidence: promoting on evidence that is " + selected.authenticityNote());
        }
        // Re-checked here, not taken from the evidence alone: the shadow topic may have changed since the run
        // (another run, another writer), and promote copies what the topic holds now.
        Map<String, TopicSnapshot.Entry> shadow = TopicSnapshot.read(config, contract.projection().topic());
        Map<String, TopicSnapshot.Entry> current = TopicSnapshot.read(config, live);
        String referenceTopic = contract.reconciliation().referenceTopic();
        Map<String, TopicSnapshot.Entry> reference = referenceTopic == null ? null
                : referenceTopic.equals(live) ? current : TopicSnapshot.read(config, referenceTopic);
        Codecs codecs = Codecs.forContract(contract);
        List<Verifier.Result> verification = Verifier.verify(contract, codecs, e, shadow, reference);
        // Compared by content: a live topic written in another encoding than projection.encoding is not "all changed".
        dev.reprise.projection.StateCodec<?> states = new dev.reprise.projection.StateCodec<>(codecs.projection().stateClass(), codecs.resolver());
        Promotion p = Promotion.plan(e, shadow, current, verification, contract.promote().maxChangedRatio(), states::datum);
        boolean refused = !p.refusals().isEmpty() && !force;
        if (execute && !refused) {
            write(contract, e, p);
        }
        print(p, e, refused);
        if (refused) {
            System.err.println("reprise promote: " + (execute ? "refused" : "--execute would be refused") + ": "
                    + p.refusals().stream().map(Promotion.Refusal::message).collect(Collectors.joining("; ")) + ". "
                    + (execute ? "Nothing was written. " : "") + "Fix the cause and replay, or override with --force --reason \"...\" "
                    + "(recorded on every record written).");
            Promotion.Refusal first = p.refusals().get(0);
            return first.kind() == Promotion.Kind.VERDICT ? ExitCodes.forVerdict(p.status()) : ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    private void write(Contract contract, RecoveryEvidence e, Promotion p) {
        Map<String, Object> config = new HashMap<>(cluster.clientConfig());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, contract.applicationId() + "-reprise-promote");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            p.upserts().forEach((k, v) -> producer.send(record(k, v, e)));
            p.tombstones().forEach(k -> producer.send(record(k, null, e)));
            producer.commitTransaction();
        }
    }

    private void print(Promotion p, RecoveryEvidence e, boolean refused) {
        boolean written = execute && !refused;
        List<String> reasons = p.refusals().stream().map(Promotion.Refusal::message).toList();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("run_id", p.runId());
            out.put("evidence_status", String.valueOf(p.status()));
            out.put("authenticity", EvidenceCommand.authenticity(selection));
            out.put("to", live);
            out.put("executed", written);
            out.put("forced", force);
            out.put("reason", force ? reason : null);
            out.put("keys_in_run", p.keysInRun());
            out.put("upserts", p.upserts().size());
            out.put("added", p.added());
            out.put("unchanged", p.unchanged());
            out.put("tombstones", p.tombstones().size());
            out.put("live_keys", p.liveKeys());
            out.put("live_keys_changed", p.liveChanged());
            out.put("changed_ratio", p.changedRatio());
            out.put("max_changed_ratio", p.maxChangedRatio());
            Map<String, Object> verified = new LinkedHashMap<>();
            verified.put("all_passed", p.verified());
            verified.put("checks", p.verification().stream().map(r -> Map.of("name", r.name(), "passed", r.passed(), "detail", r.detail())).toList());
            out.put("verification", verified);
            out.put("refused", refused);
            out.put("refusal_reasons", reasons);
            out.put("overridden", force ? reasons : List.of());
            System.out.println(Json.of(out));
            return;
        }
        System.out.printf("%s run %s (%s%s) into %s%n", written ? "Promoted" : execute ? "Refused to promote" : "Dry run: promote",
                p.runId(), p.status(), force ? ", forced: " + reason : "", live);
        System.out.printf("  %-14s %,d on the shadow topic%n", "keys of run", p.keysInRun());
        System.out.printf("  %-14s %,d (%,d new keys, %,d changed live keys)%n", written ? "written" : "to write", p.upserts().size(), p.added(), p.liveChanged());
        System.out.printf("  %-14s %,d%n", "unchanged", p.unchanged());
        System.out.printf("  %-14s %,d (live keys the run does not have)%n", written ? "tombstoned" : "tombstones", p.tombstones().size());
        System.out.printf("  %-14s %,d; %,d changed or tombstoned: %s (promote.max_changed_ratio %s)%n", "live keys", p.liveKeys(),
                p.liveChanged() + p.tombstones().size(), Promotion.percent(p.changedRatio()), Promotion.percent(p.maxChangedRatio()));
        System.out.printf("  %-14s %s%n", "verification", p.verified()
                ? "passed: the shadow topic still holds what the evidence describes (" + p.verification().size() + " checks)" : "FAILED");
        p.verification().stream().filter(r -> !r.passed()).forEach(r -> System.out.printf("  %-14s FAIL %s: %s%n", "", r.name(), r.detail()));
        if (written) {
            if (force && !reasons.isEmpty()) {
                System.out.printf("  %-14s %s%n", "overridden", String.join("; ", reasons));
            }
            return;
        }
        if (refused) {
            System.out.printf("  %-14s %s%n", "--execute", execute ? "REFUSED, nothing was written:" : "would be REFUSED:");
            reasons.forEach(r -> System.out.printf("  %-14s - %s%n", "", r));
            System.out.printf("  %-14s override with --force --reason \"...\" (recorded on every record written)%n", "");
        } else {
            System.out.printf("  %-14s would write %,d records and %,d tombstones in one transaction%s%n", "--execute", p.upserts().size(),
                    p.tombstones().size(), force && !reasons.isEmpty() ? ", overriding: " + String.join("; ", reasons) : "");
            System.out.println("Run again with --execute to write them.");
        }
    }

    private ProducerRecord<byte[], byte[]> record(String key, byte[] value, RecoveryEvidence e) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(live, key.getBytes(StandardCharsets.UTF_8), value);
        r.headers().add(HeaderNames.PROMOTED_FROM_RUN, e.getRunId().getBytes(StandardCharsets.UTF_8));
        if (force) {
            r.headers().add(HeaderNames.PROMOTION_OVERRIDE, reason.getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }
}
