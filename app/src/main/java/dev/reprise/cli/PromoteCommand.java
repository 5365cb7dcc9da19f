package dev.reprise.cli;

import dev.reprise.codec.HeaderNames;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.io.EvidenceReader;
import dev.reprise.plan.CompiledContract;
import dev.reprise.verify.Promotion;
import dev.reprise.verify.TopicSnapshot;
import dev.reprise.verify.Verifier;
import dev.reprise.verify.PromotionWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Copies a run's rebuilt (shadow) projection into the live projection topic, with tombstones for live keys the "
                + "rebuild no longer has, in one transaction. Only what the run proved is touched: a live key outside the run's scope, "
                + "one the key alone cannot place inside it (tenant, event-type or range filters, or a contract other than the run's), "
                + "and one written in the live topic after the run's plan was made are left as they are, and listed. The live topic's "
                + "ends are recorded with its snapshot and checked again before and inside the write transaction: when they moved "
                + "(another writer), nothing is written (exit 1); run promote again. Refused (nothing written) when the run's evidence "
                + "is not trusted (exit 3 or 4), when the shadow topic no longer passes the checks of 'reprise verify' (exit 1), or when "
                + "it would tombstone or change more than promote.max_changed_ratio of the live keys (exit 1); --force with a --reason "
                + "overrides these three, and the reason is recorded on every record written. Evidence whose signature is not verified "
                + "(unsigned, or no public key given) is refused unless --allow-unsigned-evidence (exit 1); --force does not override that. "
                + "A dry run unless --execute: it lists every "
                + "key it would tombstone and every key it leaves alone, with the reason, the verification and whether --execute would "
                + "be refused, and exits as --execute would. The live topic must be in the contract's allowed_write_topics."},
        footer = {"", "Example:", "  reprise promote --contract config/inventory.yaml --bootstrap-server localhost:9092 --to inventory-levels --execute"})
public final class PromoteCommand implements Callable<Integer> {
    /** Keys listed per group in text mode; --json and --keys-file list them all. */
    static final int LISTED = 20;
    /** How long promote waits for an open transaction on the live topic to end before it gives up. */
    private static final Duration SETTLE = Duration.ofSeconds(30);

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

    @Option(names = "--json", description = "Print the result as one JSON object on stdout, with every key tombstoned or left alone.")
    boolean json;

    @Option(names = "--keys-file", paramLabel = "FILE", description = "Write every key the promotion tombstones or leaves alone to FILE, "
            + "one a line: action, key and reason, separated by tabs.")
    Path keysFile;

    private final PromotionWriter.Hooks hooks;

    public PromoteCommand() {
        this(PromotionWriter.Hooks.NONE);
    }

    /** @param hooks called between the live topic's snapshot and the commit of the write */
    public PromoteCommand(PromotionWriter.Hooks hooks) {
        this.hooks = hooks;
    }

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
        // started_at is when the run's plan was made: a live record written since is newer than the run's history.
        TopicSnapshot.Live current = TopicSnapshot.readLive(config, live, e.getStartedAt().toEpochMilli(), SETTLE);
        String referenceTopic = contract.reconciliation().referenceTopic();
        Map<String, TopicSnapshot.Entry> reference = referenceTopic == null ? null
                : referenceTopic.equals(live) ? current.entries() : TopicSnapshot.read(config, referenceTopic);
        CompiledContract codecs = CompiledContract.forContract(contract);
        List<Verifier.Result> verification = Verifier.verify(contract, codecs, e, shadow, reference);
        // Compared by content: a live topic written in another encoding than projection.encoding is not "all changed".
        dev.reprise.projection.StateCodec<?> states = new dev.reprise.projection.StateCodec<>(codecs.projection().stateClass(), codecs.resolver());
        Promotion p = Promotion.plan(e, shadow, current, Promotion.ScopeRule.of(contract, e), verification, contract.promote().maxChangedRatio(),
                states::datum);
        if (keysFile != null) {
            writeKeysFile(p);
        }
        boolean refused = !p.refusals().isEmpty() && !force;
        String moved = null;
        if (execute && !refused) {
            try {
                PromotionWriter.write(config, contract.applicationId() + "-reprise-promote", current, p, headers(e), hooks);
            } catch (PromotionWriter.LiveTopicMovedException ex) {
                moved = ex.getMessage();
            }
        }
        print(p, current, refused, moved);
        if (moved != null) {
            System.err.println("reprise promote: refused: " + moved + ".");
            return ExitCodes.FAILURE;
        }
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

    private Map<String, byte[]> headers(RecoveryEvidence e) {
        Map<String, byte[]> headers = new LinkedHashMap<>();
        headers.put(HeaderNames.PROMOTED_FROM_RUN, e.getRunId().getBytes(StandardCharsets.UTF_8));
        if (force) {
            headers.put(HeaderNames.PROMOTION_OVERRIDE, reason.getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    private void writeKeysFile(Promotion p) {
        StringBuilder out = new StringBuilder();
        p.tombstones().forEach(k -> out.append("tombstone\t").append(k).append('\t').append(p.tombstoneReasons().get(k)).append('\n'));
        p.left().forEach(l -> out.append("leave\t").append(l.key()).append('\t').append(l.reason()).append('\n'));
        try {
            Files.writeString(keysFile, out);
        } catch (IOException ex) {
            throw new IllegalArgumentException("--keys-file: cannot write " + keysFile + ": " + ex.getMessage());
        }
    }

    private void print(Promotion p, TopicSnapshot.Live current, boolean refused, String moved) {
        boolean written = execute && !refused && moved == null;
        List<String> reasons = p.refusals().stream().map(Promotion.Refusal::message).toList();
        if (json) {
            List<String> allReasons = new java.util.ArrayList<>(reasons);
            if (moved != null) {
                allReasons.add(moved);
            }
            Map<String, Long> ends = new LinkedHashMap<>();
            current.ends().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(en -> ends.put(String.valueOf(en.getKey()), en.getValue()));
            Result out = new Result(p.runId(), String.valueOf(p.status()), Authenticity.of(selection), live, written, force, force ? reason : null,
                    Instant.ofEpochMilli(current.since()).toString(), p.keysInRun(), p.upserts().size(), p.added(), p.unchanged(),
                    p.tombstones().size(), p.left().size(), p.left(Promotion.Why.OUTSIDE_SCOPE).size(), p.left(Promotion.Why.SCOPE_UNDECIDED).size(),
                    p.left(Promotion.Why.WRITTEN_AFTER_PLAN).size(), p.liveKeys(), p.liveChanged(), p.changedRatio(), p.maxChangedRatio(), ends,
                    new Verification(p.verified(), p.verification()), refused || moved != null, moved != null, allReasons,
                    force ? reasons : List.of(),
                    p.tombstones().stream().map(k -> new TombstoneKey(k, p.tombstoneReasons().get(k))).toList(),
                    p.left().stream().map(l -> new LeftKey(l.key(), l.why().name().toLowerCase(java.util.Locale.ROOT), l.reason())).toList());
            System.out.println(Json.of(out));
            return;
        }
        System.out.printf("%s run %s (%s%s) into %s%n", written ? "Promoted" : execute ? "Refused to promote" : "Dry run: promote",
                p.runId(), p.status(), force ? ", forced: " + reason : "", live);
        System.out.printf("  %-14s %,d on the shadow topic; plan made at %s%n", "keys of run", p.keysInRun(), Instant.ofEpochMilli(current.since()));
        System.out.printf("  %-14s %,d (%,d new keys, %,d changed live keys)%n", written ? "written" : "to write", p.upserts().size(), p.added(), p.liveChanged());
        System.out.printf("  %-14s %,d%n", "unchanged", p.unchanged());
        System.out.printf("  %-14s %,d (live keys the run does not have, inside its scope, last written before the plan)%n",
                written ? "tombstoned" : "tombstones", p.tombstones().size());
        listed(p.tombstones().stream().map(k -> k + ": " + p.tombstoneReasons().get(k)).toList());
        System.out.printf("  %-14s %,d (%,d outside the run's scope, %,d the scope may not cover, %,d written in the live topic after the plan)%n",
                "left alone", p.left().size(), p.left(Promotion.Why.OUTSIDE_SCOPE).size(), p.left(Promotion.Why.SCOPE_UNDECIDED).size(),
                p.left(Promotion.Why.WRITTEN_AFTER_PLAN).size());
        List<String> leftLines = new java.util.ArrayList<>();
        for (int i = 0; i < p.left().size(); i++) {
            Promotion.Left l = p.left().get(i);
            // One reason shared by many keys (a scope the key cannot decide) is said once, not on every line.
            boolean same = i > 0 && p.left().get(i - 1).reason().equals(l.reason());
            leftLines.add(l.key() + ": " + (same ? "the same" : l.reason()));
        }
        listed(leftLines);
        System.out.printf("  %-14s %,d; %,d changed or tombstoned: %s (promote.max_changed_ratio %s)%n", "live keys", p.liveKeys(),
                p.liveChanged() + p.tombstones().size(), Promotion.percent(p.changedRatio()), Promotion.percent(p.maxChangedRatio()));
        System.out.printf("  %-14s %s%n", "verification", p.verified()
                ? "passed: the shadow topic still holds what the evidence describes (" + p.verification().size() + " checks)" : "FAILED");
        p.verification().stream().filter(r -> !r.passed()).forEach(r -> System.out.printf("  %-14s FAIL %s: %s%n", "", r.name(), r.detail()));
        if (moved != null) {
            System.out.printf("  %-14s REFUSED, nothing was written: %s%n", "--execute", moved);
            return;
        }
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

    /** At most {@link #LISTED} lines, then how many more and where to find them all. */
    private void listed(List<String> lines) {
        lines.stream().limit(LISTED).forEach(l -> System.out.printf("  %-14s - %s%n", "", l));
        if (lines.size() > LISTED) {
            System.out.printf("  %-14s … and %,d more (%s)%n", "", lines.size() - LISTED,
                    keysFile != null ? "all in " + keysFile : "--json or --keys-file FILE lists them all");
        }
    }

    /**
     * {@code reprise promote --json}: what was (or would be) written to the live topic, and why each key left alone is.
     *
     * @param to              the live topic
     * @param executed        whether anything was written
     * @param reason          the operator's --reason, with --force
     * @param upserts         keys written (or to write)
     * @param left            keys neither written nor tombstoned; {@code left_*} count them by {@link Promotion.Why}
     * @param liveEndOffsets  the live topic's end offsets by partition, as checked before the write
     * @param refused         whether --execute was (or would be) refused
     * @param overridden      the refusals --force overrode
     */
    public record Result(String runId, String evidenceStatus, Authenticity authenticity, String to, boolean executed, boolean forced, String reason,
                         String planCreatedAt, long keysInRun, int upserts, long added, long unchanged, int tombstones, int left,
                         int leftOutsideScope, int leftScopeUndecided, int leftWrittenAfterPlan, long liveKeys, long liveKeysChanged,
                         double changedRatio, double maxChangedRatio, Map<String, Long> liveEndOffsets, Verification verification, boolean refused,
                         boolean liveTopicMoved, List<String> refusalReasons, List<String> overridden, List<TombstoneKey> tombstoneKeys,
                         List<LeftKey> leftKeys) {
    }

    /** The checks of the shadow topic against the evidence, made before promoting. */
    public record Verification(boolean allPassed, List<Verifier.Result> checks) {
    }

    /** A live key promote deletes, and why. */
    public record TombstoneKey(String key, String reason) {
    }

    /** A key promote leaves alone: {@code why} is outside_scope, scope_undecided or written_after_plan. */
    public record LeftKey(String key, String why, String reason) {
    }
}
