package dev.reprise.it;

import dev.reprise.Await;
import dev.reprise.Cli;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.embedded.EmbeddedKafka;
import dev.reprise.cluster.Acls;
import dev.reprise.plan.CompiledContract;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reprise on a broker that enforces ACLs: SASL/SCRAM-SHA-256 for the app's principal, Kafka's standard
 * authorizer with {@code allow.everyone.if.no.acl.found=false}, and a super user for the test's own admin.
 * The whole workflow (plan, reset, control, run, status, evidence, verify, promote) succeeds with exactly the
 * bindings {@code reprise acls --with-promote --json} prints; with any one of them removed it fails, naming the
 * operation and the resource. The app's password never appears in an output, a log line, the evidence or the
 * run store.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SecuredBrokerIT {
    /** Recognisable, so that a scan of every output finds any copy of it. */
    static final String PASSWORD = "Reprise-Secret-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    static final String ADMIN_PASSWORD = "admin-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    static final String PRINCIPAL = "User:reprise";
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();
    static final Path SCHEMAS = Path.of("..", "schemas").toAbsolutePath().normalize();
    private static final AtomicInteger CASES = new AtomicInteger();
    static EmbeddedKafka kafka;
    static Path dir;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"" + ADMIN_PASSWORD
                + "\" user_admin=\"" + ADMIN_PASSWORD + "\";";
        Map<String, String> server = new HashMap<>();
        server.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256");
        server.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        server.put("sasl.mechanism.controller.protocol", "PLAIN");
        server.put("listener.name.secured.plain.sasl.jaas.config", plain);
        server.put("listener.name.secured.scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        server.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        server.put("listener.name.controller.plain.sasl.jaas.config", plain);
        server.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        server.put("super.users", "User:admin");
        server.put("allow.everyone.if.no.acl.found", "false");
        Map<String, Object> admin = Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"" + ADMIN_PASSWORD + "\";");
        kafka = EmbeddedKafka.start(null, 0, new EmbeddedKafka.Security("SASL_PLAINTEXT", server, admin));
        try (Admin a = kafka.admin()) {
            a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("reprise",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), PASSWORD))).all().get(60, TimeUnit.SECONDS);
        }
        dir = Files.createTempDirectory("reprise-secured-it");
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** One isolated workflow on the secured broker: its own names, history, contract and client properties. */
    static final class Case {
        final String suffix = "s" + CASES.incrementAndGet() + "-" + System.nanoTime() % 100_000;
        final String source = "history-" + suffix;
        final String projection = "rebuilt-" + suffix;
        final String live = "live-" + suffix;
        final Path contractFile;
        final Path properties;
        final Contract contract;

        Case() throws Exception {
            Path caseDir = Files.createDirectories(dir.resolve(suffix));
            contractFile = ContractYaml.inventory("secured-it", "reprise-secured-" + suffix)
                    .topics(source, projection, "evidence-" + suffix, "dlq-" + suffix).alsoWrites(live)
                    .localSchemas(SCHEMAS.toString(), SCHEMAS + "/registry-ids.yaml").writeTo(caseDir.resolve("contract.yaml"));
            contract = ContractLoader.load(contractFile);
            properties = caseDir.resolve("client.properties");
            Files.writeString(properties, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\n"
                    + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"reprise\" password=\""
                    + PASSWORD + "\";\nsession.timeout.ms=6000\nheartbeat.interval.ms=1000\n"
                    // The run signs its evidence; evidence, verify and promote check the signature with the public key.
                    + "reprise.evidence.signing.key.file=" + keys(caseDir).resolve(dev.reprise.evidence.EvidenceKeys.PRIVATE_KEY_FILE) + "\n"
                    + "reprise.evidence.public.key.file=" + keys(caseDir).resolve(dev.reprise.evidence.EvidenceKeys.PUBLIC_KEY_FILE) + "\n");
            try (Admin admin = kafka.admin()) {
                admin.createTopics(List.of(new NewTopic(source, 2, (short) 1), new NewTopic(live, 2, (short) 1)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get(60, TimeUnit.SECONDS);
            }
            CompiledContract codecs = CompiledContract.forContract(contract);
            TestProducers.awaitLeaders(kafka, List.of(source, live));
            try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka)) {
                InventoryGenerator.Generated generated = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver()).write(producer,
                        source, new InventoryGenerator.Options(300, 0.05, 2, 2, 30, 5L));
                // A live projection with a few keys, so that promote reads it and compares.
                StateCodec<InventoryLevel> state = new StateCodec<>(InventoryLevel.class);
                generated.truth().entrySet().stream().limit(5).forEach(e -> producer.send(new ProducerRecord<>(live,
                        e.getKey().getBytes(StandardCharsets.UTF_8), state.toSingleObject(state.encode(e.getValue())))));
                producer.flush();
            }
        }

        /** Grants the principal the bindings `reprise acls --with-promote --json` prints, but the one at {@code without} (-1: all). */
        List<JsonNode> grant(int without) throws Exception {
            Cli.Outcome printed = Cli.reprise("acls", "--contract", contractFile.toString(), "--principal", PRINCIPAL,
                    "--with-promote", "--json");
            assertThat(printed.exitCode()).as(printed.stderr()).isZero();
            List<JsonNode> bindings = new ArrayList<>();
            printed.json().forEach(bindings::add);
            List<AclBinding> acls = new ArrayList<>();
            for (int i = 0; i < bindings.size(); i++) {
                if (i != without) {
                    JsonNode b = bindings.get(i);
                    acls.add(new AclBinding(new ResourcePattern(ResourceType.fromString(b.get("resource_type").asText()), b.get("resource_name").asText(),
                            PatternType.fromString(b.get("pattern_type").asText())), new AccessControlEntry(b.get("principal").asText(), "*",
                            AclOperation.fromString(b.get("operation").asText()), AclPermissionType.fromString(b.get("permission").asText()))));
                }
            }
            try (Admin admin = kafka.admin()) {
                admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
                // The authorizer applies bindings from the metadata log: wait until they are all visible.
                Await.until(Duration.ofSeconds(30), "the " + acls.size() + " bindings are visible", () ->
                        admin.describeAcls(AclBindingFilter.ANY).values().get().stream().filter(acls::contains).count() == acls.size());
            }
            return bindings;
        }

        /** The case's evidence key pair, made on first use. */
        private static Path keys(Path caseDir) throws java.io.IOException {
            Path keys = caseDir.resolve("keys");
            if (!Files.exists(keys.resolve(dev.reprise.evidence.EvidenceKeys.PUBLIC_KEY_FILE))) {
                dev.reprise.evidence.EvidenceKeys.writeNew(keys);
            }
            return keys;
        }

        String[] args(String... rest) {
            List<String> all = new ArrayList<>(List.of(rest));
            all.addAll(List.of("--contract", contractFile.toString(), "--bootstrap-server", kafka.bootstrapServers(),
                    "--command-config", properties.toString(), "--timeout", "20s"));
            return all.toArray(String[]::new);
        }

        /** The workflow, step by step; each step's command line. */
        List<String[]> workflow() {
            String state = properties.resolveSibling("state").toString();
            return List.of(args("plan", "--json"), args("reset", "--execute", "--json"), args("throttle", "--max-events-per-second", "0"),
                    args("pause", "--reason", "drill"), args("resume"), args("run", "--json", "--state-dir", state), args("status", "--json"),
                    args("evidence", "--json"), args("verify", "--json"), args("promote", "--to", live, "--execute", "--json"));
        }
    }

    /** The printed bindings of a case's contract, for the parameter names (their order is the same for every case). */
    static Stream<Object[]> bindings() {
        Contract c = ContractLoader.load(CONFIG.resolve("inventory.yaml"));
        List<Acls.AclEntry> all = Acls.forPromotion(c, PRINCIPAL);
        // Every binding takes about 8 minutes: CI's second command runs them all (-Dreprise.it.all-bindings=true);
        // the build's own verify takes every fourth, a different operation and resource each.
        boolean every = Boolean.getBoolean("reprise.it.all-bindings");
        return IntStream.range(0, all.size()).filter(i -> every || i % 4 == 0).mapToObj(i -> new Object[]{i, all.get(i).operation() + " " + all.get(i).resourceType() + " "
                + all.get(i).patternType() + " " + all.get(i).resourceName().replace("reprise-inventory", "<application_id>")});
    }

    @Test
    void theWholeWorkflowSucceedsWithExactlyThePrintedAclsAndNoOutputOrLogLineHoldsThePassword() throws Exception {
        Case c = new Case();
        c.grant(-1);
        StringBuilder everything = new StringBuilder();
        for (String[] step : c.workflow()) {
            // Each command in a process of its own, every log line included (debug level), as an operator would see it.
            Path out = Files.createTempFile(dir, "out-", ".txt");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                    "-cp", System.getProperty("java.class.path"), "dev.reprise.Main"));
            cmd.addAll(List.of(step));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(new File(out + ".err"));
            pb.environment().put("REPRISE_LOG_LEVEL", "debug");
            pb.environment().put("REPRISE_KAFKA_LOG_LEVEL", "info");
            Process p = pb.start();
            assertThat(p.waitFor(240, TimeUnit.SECONDS)).as(String.join(" ", step) + " finishes").isTrue();
            String stdout = Files.readString(out);
            String stderr = Files.readString(Path.of(out + ".err"));
            assertThat(p.exitValue()).as(step[0] + " with every printed binding; stderr:\n" + stderr).isZero();
            everything.append(stdout).append(stderr);
        }
        assertThat(everything.toString()).as("the commands printed and logged something").contains("trusted");
        // The records Reprise wrote: evidence, run store, control, dead letters, projection, live topic.
        for (String topic : List.of(c.contract.evidence().topic(), c.contract.applicationId() + "-reprise-runs",
                c.contract.applicationId() + "-reprise-control", c.contract.deadLetter().topic(), c.projection, c.live)) {
            for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
                everything.append(r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8));
                r.headers().forEach(h -> everything.append(new String(h.value(), StandardCharsets.UTF_8)));
            }
        }
        try (Stream<Path> files = Files.walk(c.properties.resolveSibling("state"))) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".json")).toList()) {
                everything.append(Files.readString(f));
            }
        }
        assertThat(everything.toString()).as("no output, log line, record or run file holds the password").doesNotContain(PASSWORD);
        assertThat(everything.toString()).as("nor the admin's").doesNotContain(ADMIN_PASSWORD);
    }

    @ParameterizedTest(name = "without {1}")
    @MethodSource("bindings")
    void withAnyOneBindingMissingTheWorkflowFailsNamingTheOperationAndTheResource(int index, String description) throws Exception {
        Case c = new Case();
        List<JsonNode> bindings = c.grant(index);
        JsonNode missing = bindings.get(index);
        String operation = missing.get("operation").asText();
        String resource = missing.get("resource_name").asText();
        System.out.println("SecuredBrokerIT: without " + missing);
        String pattern = missing.get("pattern_type").asText();
        // Bindings the workflow runs without, kept for what they do beyond it (each outcome asserted below).
        boolean evidenceConfigs = operation.equals("DESCRIBE_CONFIGS") && pattern.equals("LITERAL");
        boolean internalHousekeeping = pattern.equals("PREFIXED") && missing.get("resource_type").asText().equals("TOPIC")
                && (operation.equals("DELETE") || operation.equals("DESCRIBE_CONFIGS"));
        List<String> steps = new ArrayList<>();
        StringBuilder warnings = new StringBuilder();
        for (String[] step : c.workflow()) {
            Cli.Outcome o = step[0].equals("run") ? runInItsOwnProcess(step, 120) : Cli.reprise(step);
            steps.add(step[0] + " -> " + o.exitCode());
            warnings.append(o.stderr());
            assertThat(o.exitCode()).as("%s without %s neither ended nor failed within 120 s", step[0], description).isNotEqualTo(HUNG);
            if (o.exitCode() != 0) {
                assertThat(evidenceConfigs || internalHousekeeping).as("%s failed without %s, which the workflow runs without: %s",
                        step[0], description, o.stderr()).isFalse();
                // Reprise's own words (lines of its own, "reprise: ..."); Kafka's client logs of its errors may come before them.
                String said = String.join("\n", o.stderr().lines().filter(l -> l.startsWith("reprise: ") || l.startsWith("reprise run: ")).toList());
                assertThat(said).as("%s fails without %s; it says:%n%s", step[0], description, o.stderr())
                        .contains("not authorized").contains(operation).contains(resource).contains("reprise acls")
                        .doesNotContain("Exception");
                return;
            }
        }
        if (evidenceConfigs) {
            // plan and run cannot check that the evidence topic keeps evidence, and say so.
            assertThat(warnings.toString()).contains("cannot check the retention of the evidence topic " + resource).contains("DESCRIBE_CONFIGS");
            return;
        }
        // DELETE: Kafka Streams purges committed repartition records every repartition.purge.interval.ms (30 s by default),
        // which a run this short never reaches. DESCRIBE_CONFIGS: Kafka Streams 4.4 creates the internal topics of a new
        // run without it; kept for its validation of internal topics that exist (not exercised here).
        assertThat(internalHousekeeping).as("the whole workflow succeeded without " + description + " (" + steps + "): the binding is not needed").isTrue();
    }

    static final int HUNG = -1;

    /** 'reprise run' in a JVM of its own, killed after {@code seconds} (exit code {@link #HUNG}): a run that hangs cannot hold up the others. */
    static Cli.Outcome runInItsOwnProcess(String[] step, int seconds) throws Exception {
        Path out = Files.createTempFile(dir, "run-", ".out");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", System.getProperty("java.class.path"), "dev.reprise.Main"));
        cmd.addAll(List.of(step));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(new File(out + ".err")).start();
        boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        return new Cli.Outcome(ended ? p.exitValue() : HUNG, Files.readString(out), Files.readString(Path.of(out + ".err")));
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }
}
