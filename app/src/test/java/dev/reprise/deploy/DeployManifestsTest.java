package dev.reprise.deploy;

import dev.reprise.Cli;
import dev.reprise.cli.AclsCommandTest;
import dev.reprise.cli.ExitCodes;
import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.ops.Acls;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.openshift.api.model.monitoring.v1.PodMetricsEndpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The files under deploy/ as a cluster would take them: the kustomize overlays rendered by {@code kubectl kustomize}
 * (when kubectl is installed; otherwise the overlays' own files, and the rendering test says it was skipped), parsed
 * into Kubernetes', the Prometheus operator's and Strimzi's typed models, and checked against what the application
 * serves, its exit codes, its ACLs and its launcher.
 */
class DeployManifestsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path DEPLOY = ROOT.resolve("deploy");
    static final Path KUSTOMIZE = DEPLOY.resolve("kubernetes");

    /**
     * What {@code reprise run --metrics-port} serves. One table for the manifests and the metrics code: the HTTP
     * endpoints of {@code reprise run} must keep exactly this port default and these paths.
     */
    static final int METRICS_PORT = 9464;
    static final String METRICS_PATH = "/metrics";
    static final String LIVENESS_PATH = "/health/live";
    static final String READINESS_PATH = "/health/ready";
    static final String STATUS_PATH = "/status";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The typed model of each kind deploy/ holds; another kind fails the test. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Job", Job.class, "StatefulSet", StatefulSet.class, "ConfigMap", ConfigMap.class, "Service", Service.class,
            "ServiceAccount", ServiceAccount.class, "PodMonitor", PodMonitor.class, "KafkaUser", KafkaUser.class, "KafkaTopic", KafkaTopic.class);

    static Optional<Path> kubectl() {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "kubectl")).filter(Files::isExecutable).findFirst();
    }

    static String kustomize(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(kubectl().orElseThrow().toString(), "kustomize", dir.toString())
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl kustomize %s finished", dir).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize %s: %s", dir, err).isZero();
        return out;
    }

    static List<HasMetadata> parse(String yaml) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        try (var it = YAML.readerFor(new TypeReference<Map<String, Object>>() { }).<Map<String, Object>>readValues(yaml)) {
            while (it.hasNext()) {
                Map<String, Object> doc = it.next();
                if (doc == null || doc.isEmpty()) {
                    continue;
                }
                Class<? extends HasMetadata> type = KINDS.get(String.valueOf(doc.get("kind")));
                assertThat(type).as("a kind deploy/ is expected to hold: %s", doc.get("kind")).isNotNull();
                out.add(YAML.convertValue(doc, type));
            }
        }
        return out;
    }

    /**
     * The resources of an overlay: rendered by kubectl when it is installed; otherwise the overlay's and its bases'
     * resource files as they are (generated ConfigMaps then missing, names without hash suffixes).
     */
    static List<HasMetadata> resources(String overlay) throws Exception {
        Path dir = KUSTOMIZE.resolve("overlays").resolve(overlay);
        return kubectl().isPresent() ? parse(kustomize(dir)) : unrendered(dir);
    }

    @SuppressWarnings("unchecked")
    private static List<HasMetadata> unrendered(Path dir) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        Map<String, Object> k = YAML.readValue(dir.resolve("kustomization.yaml").toFile(), Map.class);
        for (String r : (List<String>) k.getOrDefault("resources", List.of())) {
            Path p = dir.resolve(r).normalize();
            out.addAll(Files.isDirectory(p) ? unrendered(p) : parse(Files.readString(p)));
        }
        // kustomize's image transformer, which the tests above do not get from kubectl here: name → name:newTag.
        for (Map<String, Object> image : (List<Map<String, Object>>) k.getOrDefault("images", List.of())) {
            for (HasMetadata r : out) {
                PodTemplateSpec t = r instanceof Job j ? j.getSpec().getTemplate() : r instanceof StatefulSet s ? s.getSpec().getTemplate() : null;
                if (t != null) {
                    t.getSpec().getContainers().stream().filter(c -> c.getImage().equals(image.get("name")))
                            .forEach(c -> c.setImage(c.getImage() + ":" + image.get("newTag")));
                }
            }
        }
        return out;
    }

    static <T extends HasMetadata> List<T> all(List<HasMetadata> resources, Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T one(List<HasMetadata> resources, Class<T> type) {
        List<T> found = all(resources, type);
        assertThat(found).as("exactly one %s", type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    static String projectVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>reprise-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertThat(m.find()).as("the project version in pom.xml").isTrue();
        return m.group(1);
    }

    /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
    static List<String> dockerfile() throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(DEPLOY.resolve("container/Dockerfile"))) {
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            current.append(line.strip());
            if (line.endsWith("\\")) {
                current.setLength(current.length() - 1);
                current.append(' ');
            } else {
                out.add(current.toString());
                current.setLength(0);
            }
        }
        return out;
    }

    static String instruction(String keyword) throws IOException {
        List<String> found = dockerfile().stream().filter(l -> l.startsWith(keyword + " ")).toList();
        assertThat(found).as("one %s in the Dockerfile", keyword).hasSize(1);
        return found.get(0).substring(keyword.length() + 1).trim();
    }

    /** The options of the Reprise command a container runs (its args: the image's entry point is the launcher). */
    static Map<String, String> commandOptions(Container c, String command) {
        assertThat(c.getCommand()).as("the image's entry point, the launcher, is kept").isNullOrEmpty();
        List<String> words = c.getArgs();
        assertThat(words.get(0)).as("the command the image's launcher runs").isEqualTo(command);
        Map<String, String> options = new LinkedHashMap<>();
        for (String w : words.subList(1, words.size())) {
            Matcher m = Pattern.compile("--([a-z-]+)=(.+)").matcher(w);
            assertThat(m.matches()).as("an option --name=value: %s", w).isTrue();
            options.put(m.group(1), m.group(2));
        }
        return options;
    }

    static VolumeMount mountOf(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> path.startsWith(m.getMountPath() + "/")).findFirst()
                .orElseThrow(() -> new AssertionError("no volume is mounted where " + path + " lies"));
    }

    static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume named " + name));
    }

    static long bytes(Quantity q) {
        return Quantity.getAmountInBytes(q).longValueExact();
    }

    /** The launcher's default heap for `reprise run`, read from the launcher itself. */
    static long launcherHeapBytes() throws IOException {
        Matcher m = Pattern.compile("\\*\\) default_opts=\"-Xmx(\\d+)m").matcher(Files.readString(ROOT.resolve("reprise")));
        assertThat(m.find()).as("the launcher's default -Xmx for run").isTrue();
        return Long.parseLong(m.group(1)) * 1024 * 1024;
    }

    /**
     * The checks every Reprise pod must pass, Job or StatefulSet: image, the options of `reprise run`, the volumes
     * they name, the metrics port and the probes on the health endpoints, resources, a non-root read-only container.
     */
    static void checkPod(PodTemplateSpec template, List<HasMetadata> all, String command, String stateVolumeName) throws IOException {
        PodSpec pod = template.getSpec();
        assertThat(pod.getContainers()).hasSize(1);
        Container c = pod.getContainers().get(0);
        assertThat(c.getName()).isEqualTo("reprise");
        assertThat(c.getImage()).as("the image built from deploy/container/Dockerfile, tagged with the project's version")
                .isEqualTo("reprise:" + projectVersion());

        Map<String, String> run = commandOptions(c, command);
        assertThat(run).containsKeys("contract", "bootstrap-server", "command-config", "state-dir", "metrics-port");
        assertThat(Integer.parseInt(run.get("metrics-port"))).isEqualTo(METRICS_PORT);

        // The contract: a file of the ConfigMap mounted where --contract points.
        VolumeMount contractMount = mountOf(c, run.get("contract"));
        String contractName = volume(pod, contractMount.getName()).getConfigMap().getName();
        assertThat(contractName).startsWith("reprise-contract");
        String contractKey = Path.of(run.get("contract")).getFileName().toString();
        if (kubectl().isPresent()) {
            ConfigMap generated = all(all, ConfigMap.class).stream().filter(m -> m.getMetadata().getName().equals(contractName)).findFirst()
                    .orElseThrow(() -> new AssertionError("the pod mounts ConfigMap " + contractName + ", which the overlay does not make"));
            assertThat(generated.getData()).containsKey(contractKey);
        }
        assertThat(contractMount.getMountPath()).as("beside the image's schemas, so the contract's ../schemas resolves")
                .isEqualTo("/opt/reprise/contracts");

        // Client credentials: the Secret's properties file is --command-config.
        Volume client = pod.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst()
                .orElseThrow(() -> new AssertionError("no Secret volume for the client properties"));
        assertThat(client.getSecret().getSecretName()).isEqualTo("reprise-client");
        VolumeMount clientMount = c.getVolumeMounts().stream().filter(m -> m.getName().equals(client.getName())).findFirst().orElseThrow();
        assertThat(clientMount.getReadOnly()).isTrue();
        assertThat(run.get("command-config")).isEqualTo(clientMount.getMountPath() + "/client.properties");

        // State: the image's volume, holding --state-dir.
        String volumeInImage = instruction("VOLUME").replaceAll("[\\[\\]\" ]", "");
        VolumeMount state = mountOf(c, run.get("state-dir"));
        assertThat(state.getName()).isEqualTo(stateVolumeName);
        assertThat(state.getMountPath()).as("the Dockerfile's VOLUME").isEqualTo(volumeInImage);
        assertThat(run.get("state-dir")).isEqualTo(instruction("ENV").replaceAll(".*REPRISE_STATE_DIR=(\\S+).*", "$1"));

        // Metrics and health: the port named "metrics" and the probes on what the app serves.
        assertThat(c.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("metrics");
            assertThat(p.getContainerPort()).isEqualTo(METRICS_PORT);
        });
        assertThat(instruction("EXPOSE")).isEqualTo(Integer.toString(METRICS_PORT));
        checkProbe(c.getLivenessProbe(), LIVENESS_PATH);
        checkProbe(c.getReadinessProbe(), READINESS_PATH);
        checkProbe(c.getStartupProbe(), LIVENESS_PATH);

        // Resources: at least the launcher's heap and RocksDB's budget, a memory limit above the request.
        long request = bytes(c.getResources().getRequests().get("memory"));
        long limit = bytes(c.getResources().getLimits().get("memory"));
        assertThat(request).as("memory request covers heap + RocksDB").isGreaterThanOrEqualTo(launcherHeapBytes() + RepriseConfig.of(Map.of()).rocksDbMemoryBytes());
        assertThat(limit).as("memory limit above the request: the JVM's own memory comes on top").isGreaterThan(request);
        assertThat(c.getResources().getRequests()).containsKey("cpu");

        // Non-root, read-only root file system, with writable /tmp (JVM, RocksDB's native library).
        String user = instruction("USER").split(":")[0];
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).as("the image's USER").isEqualTo(Long.parseLong(user));
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();

        // The PodMonitor scrapes these pods on that port and path.
        PodMonitor monitor = one(all, PodMonitor.class);
        assertThat(template.getMetadata().getLabels()).containsAllEntriesOf(monitor.getSpec().getSelector().getMatchLabels());
        assertThat(monitor.getSpec().getPodMetricsEndpoints()).singleElement().satisfies((PodMetricsEndpoint e) -> {
            assertThat(e.getPort()).isEqualTo("metrics");
            assertThat(e.getPath()).isEqualTo(METRICS_PATH);
        });
    }

    static void checkProbe(Probe probe, String path) {
        assertThat(probe).as("a probe on %s", path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    }

    @Nested
    class ReplayJob {
        @Test
        void theJobRunsABoundedReplayWithProbesMetricsAndItsOwnState() throws Exception {
            List<HasMetadata> all = resources("replay-job");
            Job job = one(all, Job.class);
            checkPod(job.getSpec().getTemplate(), all, "replay", "state");
            assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).as("podFailurePolicy needs Never").isEqualTo("Never");
        }

        @Test
        void aVerdictOrInvalidInputEndsTheJobAndOnlyAFailureIsRetried() throws Exception {
            Job job = one(resources("replay-job"), Job.class);
            List<PodFailurePolicyRule> rules = job.getSpec().getPodFailurePolicy().getRules();
            List<Integer> failJob = rules.stream().filter(r -> r.getAction().equals("FailJob") && r.getOnExitCodes() != null)
                    .peek(r -> {
                        assertThat(r.getOnExitCodes().getOperator()).isEqualTo("In");
                        assertThat(r.getOnExitCodes().getContainerName()).isEqualTo("reprise");
                    })
                    .flatMap(r -> r.getOnExitCodes().getValues().stream()).toList();
            assertThat(failJob).as("exit codes that end the Job without a retry: answers, not crashes")
                    .containsExactlyInAnyOrder(ExitCodes.INVALID_INPUT, ExitCodes.DEGRADED, ExitCodes.UNTRUSTED)
                    .doesNotContain(ExitCodes.OK, ExitCodes.FAILURE);
            assertThat(job.getSpec().getBackoffLimit()).as("a failure (exit 1) is retried: the run continues from its last commit")
                    .isBetween(1, 10);
            assertThat(rules).anySatisfy(r -> {
                assertThat(r.getAction()).isEqualTo("Ignore");
                assertThat(r.getOnPodConditions()).anySatisfy(c -> assertThat(c.getType()).isEqualTo("DisruptionTarget"));
            });
        }

        @Test
        void theContractInTheConfigMapIsTheInventoryContract() throws Exception {
            Path base = KUSTOMIZE.resolve("base/contract.yaml");
            assertThat(Files.readString(base)).as("deploy/kubernetes/base/contract.yaml is config/inventory.yaml")
                    .isEqualTo(Files.readString(ROOT.resolve("config/inventory.yaml")));
            Contract c = ContractLoader.parse(Files.readAllBytes(base), ROOT.resolve("config"), base);
            assertThat(c.processing().bounded()).isTrue();
        }
    }

    @Nested
    class Continuous {
        @Test
        void theStatefulSetKeepsStateOnAClaimAndUsesPodNamesAsGroupInstanceIds() throws Exception {
            List<HasMetadata> all = resources("continuous");
            StatefulSet set = one(all, StatefulSet.class);
            checkPod(set.getSpec().getTemplate(), all, "run", "state");
            assertThat(set.getSpec().getVolumeClaimTemplates()).singleElement()
                    .satisfies(claim -> assertThat(claim.getMetadata().getName()).isEqualTo("state"));
            assertThat(set.getSpec().getTemplate().getSpec().getVolumes()).noneSatisfy(v -> assertThat(v.getName()).isEqualTo("state"));

            Container c = set.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(c.getEnv()).as("the stable pod name is the instance's static membership id").anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("REPRISE_INSTANCE_ID");
                assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
            });
            assertThat(Cli.reprise("run", "--help").stdout()).as("reprise run reads it").contains("$REPRISE_INSTANCE_ID");

            Service governing = all(all, Service.class).stream().filter(s -> s.getMetadata().getName().equals(set.getSpec().getServiceName()))
                    .findFirst().orElseThrow(() -> new AssertionError("no governing Service " + set.getSpec().getServiceName()));
            assertThat(governing.getSpec().getClusterIP()).isEqualTo("None");
            assertThat(set.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(governing.getSpec().getSelector());
            assertThat(set.getSpec().getSelector().getMatchLabels()).isEqualTo(governing.getSpec().getSelector());
        }

        @Test
        void itsContractIsTheInventoryContractInContinuousMode() throws Exception {
            Path file = KUSTOMIZE.resolve("overlays/continuous/contract.yaml");
            Contract continuous = ContractLoader.parse(Files.readAllBytes(file), ROOT.resolve("config"), file);
            Contract bounded = ContractLoader.load(ROOT.resolve("config/inventory.yaml"));
            assertThat(continuous.processing().bounded()).isFalse();
            assertThat(continuous.withScopeFrom(bounded.scope().from())).usingRecursiveComparison()
                    .ignoringFields("hash", "source", "processing").isEqualTo(bounded);
        }
    }

    @Test
    void bothOverlaysRenderWithKubectlKustomize() throws Exception {
        Assumptions.assumeTrue(kubectl().isPresent(), "kubectl is not installed: the overlays' rendering by kustomize is not checked here "
                + "(the other tests read the overlays' files unrendered)");
        for (String overlay : List.of("replay-job", "continuous")) {
            List<HasMetadata> all = parse(kustomize(KUSTOMIZE.resolve("overlays").resolve(overlay)));
            List<ConfigMap> maps = all(all, ConfigMap.class);
            assertThat(maps).extracting(m -> m.getMetadata().getName())
                    .as("generated ConfigMaps carry a hash of their content, so a changed contract rolls the pods")
                    .anySatisfy(n -> assertThat(n).matches("reprise-contract-[a-z0-9]{10}"))
                    .anySatisfy(n -> assertThat(n).matches("reprise-settings-[a-z0-9]{10}"));
            assertThat(all).extracting(r -> r.getMetadata().getLabels()).allSatisfy(l -> assertThat(l).containsEntry("app.kubernetes.io/name", "reprise"));
        }
        assertThat(parse(kustomize(DEPLOY.resolve("strimzi")))).hasSize(4);
    }

    @Nested
    class Strimzi {
        private static final String CONTRACT = ROOT.resolve("config/inventory.yaml").toString();

        @Test
        void theKafkaUserIsWhatRepriseAclsPrintsForTheInventoryContract() throws Exception {
            String file = Files.readString(DEPLOY.resolve("strimzi/kafka-user.yaml"));
            Cli.Outcome printed = Cli.reprise("acls", "--contract", "../config/inventory.yaml", "--format", "strimzi",
                    "--principal", "User:reprise", "--strimzi-cluster", "my-cluster");
            assertThat(printed.exitCode()).isZero();
            assertThat(file).as("deploy/strimzi/kafka-user.yaml is the output of reprise acls --format strimzi; generate it again")
                    .isEqualTo(printed.stdout());

            KafkaUser user = AclsCommandTest.parseKafkaUser(file);
            List<String> expected = Acls.forContract(ContractLoader.load(Path.of(CONTRACT)), "User:reprise").stream()
                    .map(a -> a.resourceType() + " " + a.resourceName() + " " + a.patternType() + " " + a.operation() + " " + a.permission() + " " + a.principal())
                    .toList();
            assertThat(AclsCommandTest.bindings(user, "User:reprise")).as("exactly the bindings of reprise acls --json")
                    .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        }

        @Test
        void theKafkaTopicsAreTheTopicsRepriseWritesWithTheirSettings() throws Exception {
            Contract c = ContractLoader.load(Path.of(CONTRACT));
            Map<String, KafkaTopic> topics = new LinkedHashMap<>();
            all(parse(Files.readString(DEPLOY.resolve("strimzi/kafka-topics.yaml"))), KafkaTopic.class)
                    .forEach(t -> topics.put(t.getSpec().getTopicName() != null ? t.getSpec().getTopicName() : t.getMetadata().getName(), t));
            assertThat(topics.keySet()).as("the contract's output topics").containsExactlyInAnyOrderElementsOf(c.outputTopics());
            assertThat(topics.get(c.evidence().topic()).getSpec().getConfig()).as("evidence is never deleted by retention")
                    .containsEntry("retention.ms", -1).containsEntry("retention.bytes", -1);
            assertThat(topics.get(c.projection().topic()).getSpec().getConfig()).containsEntry("cleanup.policy", "compact");
            assertThat(topics.get(c.projection().topic()).getSpec().getPartitions())
                    .isEqualTo(topics.get(c.deadLetter().topic()).getSpec().getPartitions());
            topics.values().forEach(t -> assertThat(t.getApiVersion()).isEqualTo("kafka.strimzi.io/v1"));
        }
    }

    @Nested
    class Image {
        @Test
        void theImageRunsTheLauncherAsANonRootUserWithTheStateDirectoryAsAVolume() throws IOException {
            assertThat(instruction("ENTRYPOINT")).isEqualTo("[\"/opt/reprise/reprise\"]");
            assertThat(instruction("WORKDIR")).isEqualTo("/opt/reprise");
            assertThat(Long.parseLong(instruction("USER").split(":")[0])).as("not root").isPositive();
            assertThat(dockerfile()).as("the prebuilt jar and its libraries are copied; Maven never runs in the image")
                    .contains("COPY app/target/reprise-app.jar ./app/target/reprise-app.jar", "COPY app/target/lib/ ./app/target/lib/")
                    .noneSatisfy(l -> assertThat(l).contains("mvn"))
                    .as("the image carries the product only: no tools (demo, bench, drill, the broker, the samples)")
                    .noneSatisfy(l -> assertThat(l).matches("COPY .*tools/.*"));
        }

        /**
         * The launcher rebuilds when a source, schema or build file is newer than the jar. In the image, what the
         * Dockerfile copies and touches must make that check false, however the copy dated the files: the image
         * has no Maven. Checked on the same layout, with stand-ins for java and mvn.
         */
        @Test
        void theLauncherDoesNotBuildInTheImageLayout(@TempDir Path dir) throws Exception {
            Path image = layout(dir.resolve("image"));
            touchAsTheDockerfileDoes(image);
            Launch launched = launch(dir, image);
            assertThat(launched.stderr()).doesNotContain("building");
            assertThat(launched.stdout()).as("the launcher ran java with the jar and app/target/lib").contains("java-stand-in", "reprise-app.jar",
                    "app/target/lib/*", "dev.reprise.Main --version").doesNotContain("reprise-tools");
            assertThat(launched.exit()).isZero();

            // The same layout without the Dockerfile's touch: schemas copied after the jar would start a build.
            Path untouched = layout(dir.resolve("untouched"));
            Launch built = launch(dir, untouched);
            assertThat(built.stderr()).as("the check the touch defeats is real").contains("building");
        }

        record Launch(int exit, String stdout, String stderr) {
        }

        /** The files the Dockerfile copies under WORKDIR, as empty stand-ins, the schemas dated after the jar. */
        private Path layout(Path image) throws IOException {
            Pattern copy = Pattern.compile("COPY (\\S+) (\\S+)");
            for (String line : dockerfile()) {
                Matcher m = copy.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                Path target = image.resolve(m.group(2)).normalize();
                Path source = ROOT.resolve(m.group(1));
                if (m.group(1).equals("reprise")) {
                    Files.createDirectories(target.getParent());
                    Files.copy(source, target);
                } else if (m.group(1).endsWith("/")) {
                    Files.createDirectories(target);
                    Files.writeString(target.resolve("stand-in"), "x");
                } else {
                    Files.createDirectories(target.getParent());
                    Files.writeString(target, "jar");
                }
            }
            Files.setLastModifiedTime(image.resolve("app/target/reprise-app.jar"), FileTime.from(Instant.now().minusSeconds(3600)));
            assertThat(image.resolve("schemas/stand-in")).exists();
            Files.setLastModifiedTime(image.resolve("schemas/stand-in"), FileTime.from(Instant.now().minusSeconds(60)));
            return image;
        }

        private void touchAsTheDockerfileDoes(Path image) throws IOException {
            String run = instruction("RUN");
            assertThat(run).as("the Dockerfile dates the jar after everything it copied").startsWith("touch ./app/target/reprise-app.jar ");
            Files.setLastModifiedTime(image.resolve("app/target/reprise-app.jar"), FileTime.from(Instant.now()));
        }

        private Launch launch(Path dir, Path image) throws Exception {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Files.writeString(bin.resolve("java"), "#!/bin/sh\necho java-stand-in \"$@\"\n");
            Files.writeString(bin.resolve("mvn"), "#!/bin/sh\necho mvn-stand-in >&2\nexit 1\n");
            bin.resolve("java").toFile().setExecutable(true);
            bin.resolve("mvn").toFile().setExecutable(true);
            ProcessBuilder pb = new ProcessBuilder("bash", image.resolve("reprise").toString(), "--version");
            pb.environment().put("PATH", bin + File.pathSeparator + "/usr/bin" + File.pathSeparator + "/bin");
            pb.environment().remove("REPRISE_JAVA_OPTS");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return new Launch(p.exitValue(), out, err);
        }
    }

    @Test
    void theHealthAndMetricsPathsAreDistinctAbsolutePaths() {
        assertThat(Set.of(METRICS_PATH, LIVENESS_PATH, READINESS_PATH, STATUS_PATH)).hasSize(4)
                .allSatisfy(p -> assertThat(p).startsWith("/"));
    }
}
