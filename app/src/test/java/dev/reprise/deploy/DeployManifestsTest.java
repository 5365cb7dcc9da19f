package dev.reprise.deploy;

import dev.reprise.Cli;
import dev.reprise.cli.AclsCommandTest;
import dev.reprise.cli.ExitCodes;
import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.cluster.Acls;
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
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
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
 * (when kubectl is installed; otherwise the overlays' own files, and the rendering tests say they were skipped), parsed
 * into Kubernetes', the Prometheus operator's and Strimzi's typed models (every field of every object must be one the
 * model knows: {@link ApiModels}), and checked against what the application serves, its exit codes, its ACLs and the
 * image that app/pom.xml's profile {@code image} builds.
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
            "ServiceAccount", ServiceAccount.class, "PodMonitor", PodMonitor.class, "PrometheusRule", PrometheusRule.class,
            "KafkaUser", KafkaUser.class, "KafkaTopic", KafkaTopic.class);

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
                HasMetadata typed = YAML.convertValue(doc, type);
                assertThat(ApiModels.unknownFields(typed)).as("fields of %s %s that its API does not have", doc.get("kind"),
                        typed.getMetadata() == null ? "?" : typed.getMetadata().getName()).isEmpty();
                out.add(typed);
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

    static void assumeKubectl() {
        Assumptions.assumeTrue(kubectl().isPresent(), "kubectl is not installed: the overlays' rendering by kustomize is not checked here "
                + "(the other tests read the overlays' files unrendered)");
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

    /** The options of the Reprise command a container runs (its args: the image's entry point is java with Reprise's main class). */
    static Map<String, String> commandOptions(Container c, String command) {
        assertThat(c.getCommand()).as("the image's entry point is kept").isNullOrEmpty();
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

    /** The image's heap in a container with this memory limit (its entry point's -XX:MaxRAMPercentage). */
    static long imageHeapBytes(long memoryLimit) throws Exception {
        String flag = ImageConfig.read().entrypoint().stream().filter(a -> a.startsWith("-XX:MaxRAMPercentage=")).findFirst()
                .orElseThrow(() -> new AssertionError("the image's entry point sizes the heap with -XX:MaxRAMPercentage"));
        return (long) (memoryLimit * Double.parseDouble(flag.substring(flag.indexOf('=') + 1)) / 100);
    }

    /**
     * The checks every Reprise pod must pass, Job or StatefulSet: image, the options of `reprise run`, the volumes
     * they name, the metrics port and the probes on the health endpoints, resources, a non-root read-only container.
     */
    static void checkPod(PodTemplateSpec template, List<HasMetadata> all, String command, String stateVolumeName) throws Exception {
        PodSpec pod = template.getSpec();
        assertThat(pod.getContainers()).hasSize(1);
        Container c = pod.getContainers().get(0);
        assertThat(c.getName()).isEqualTo("reprise");
        assertThat(c.getImage()).as("the image app/pom.xml's profile image builds, tagged with the project's version")
                .isEqualTo("reprise:" + projectVersion());

        Map<String, String> run = commandOptions(c, command);
        assertThat(run).containsKeys("contract", "bootstrap-server", "command-config", "state-dir", "metrics-port");
        assertThat(Integer.parseInt(run.get("metrics-port"))).isEqualTo(METRICS_PORT);

        // The contract: a file of the ConfigMap mounted where --contract points.
        VolumeMount contractMount = mountOf(c, run.get("contract"));
        String contractName = volume(pod, contractMount.getName()).getConfigMap().getName();
        assertThat(contractName).startsWith("reprise-");
        String contractKey = Path.of(run.get("contract")).getFileName().toString();
        if (kubectl().isPresent()) {
            ConfigMap generated = all(all, ConfigMap.class).stream().filter(m -> m.getMetadata().getName().equals(contractName)).findFirst()
                    .orElseThrow(() -> new AssertionError("the pod mounts ConfigMap " + contractName + ", which the overlay does not make"));
            assertThat(generated.getData()).containsKey(contractKey);
        }
        assertThat(contractMount.getMountPath()).as("beside the image's schemas, so the contract's ../schemas resolves")
                .isEqualTo(ImageConfig.CONTRACTS);

        // Client credentials: the Secret's properties file is --command-config.
        Volume client = pod.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst()
                .orElseThrow(() -> new AssertionError("no Secret volume for the client properties"));
        assertThat(client.getSecret().getSecretName()).isEqualTo("reprise-client");
        VolumeMount clientMount = c.getVolumeMounts().stream().filter(m -> m.getName().equals(client.getName())).findFirst().orElseThrow();
        assertThat(clientMount.getReadOnly()).isTrue();
        assertThat(run.get("command-config")).isEqualTo(clientMount.getMountPath() + "/client.properties");

        // State: the image's volume, holding --state-dir.
        VolumeMount state = mountOf(c, run.get("state-dir"));
        assertThat(state.getName()).isEqualTo(stateVolumeName);
        assertThat(ImageConfig.read().volumes()).as("the image's volume").containsExactly(state.getMountPath());
        assertThat(run.get("state-dir")).isEqualTo(ImageConfig.read().environment().get("REPRISE_STATE_DIR"));

        // Metrics and health: the port named "metrics" and the probes on what the app serves.
        assertThat(c.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("metrics");
            assertThat(p.getContainerPort()).isEqualTo(METRICS_PORT);
        });
        assertThat(ImageConfig.read().ports()).containsExactly(Integer.toString(METRICS_PORT));
        checkProbe(c.getLivenessProbe(), LIVENESS_PATH);
        checkProbe(c.getReadinessProbe(), READINESS_PATH);
        checkProbe(c.getStartupProbe(), LIVENESS_PATH);

        // Resources: at least the image's heap and RocksDB's budget, a memory limit above the request.
        long request = bytes(c.getResources().getRequests().get("memory"));
        long limit = bytes(c.getResources().getLimits().get("memory"));
        assertThat(request).as("memory request covers heap + RocksDB").isGreaterThanOrEqualTo(imageHeapBytes(limit) + RepriseConfig.of(Map.of()).rocksDbMemoryBytes());
        assertThat(limit).as("memory limit above the request: the JVM's own memory comes on top").isGreaterThan(request);
        assertThat(c.getResources().getRequests()).containsKey("cpu");

        // Non-root, read-only root file system, with writable /tmp (JVM, RocksDB's native library).
        String[] user = ImageConfig.read().user().split(":");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).as("the image's user").isEqualTo(Long.parseLong(user[0]));
        assertThat(pod.getSecurityContext().getRunAsGroup()).as("the image's group").isEqualTo(Long.parseLong(user[1]));
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();

        // A Prometheus without the operator finds the pods by their annotations; the operator's objects are a component.
        assertThat(template.getMetadata().getAnnotations()).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", Integer.toString(METRICS_PORT)).containsEntry("prometheus.io/path", METRICS_PATH);
        assertThat(all).noneMatch(r -> r instanceof PodMonitor || r instanceof PrometheusRule);
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
            Path base = KUSTOMIZE.resolve("contract/contract.yaml");
            assertThat(Files.readString(base)).as("deploy/kubernetes/contract/contract.yaml is config/inventory.yaml")
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
        assumeKubectl();
        Map<String, String> contractMaps = Map.of("replay-job", "reprise-replay", "continuous", "reprise-contract");
        for (String overlay : contractMaps.keySet()) {
            List<HasMetadata> all = parse(kustomize(KUSTOMIZE.resolve("overlays").resolve(overlay)));
            List<ConfigMap> maps = all(all, ConfigMap.class);
            assertThat(maps).extracting(m -> m.getMetadata().getName())
                    .as("the contract's ConfigMap carries a hash of its content; the cluster's has a fixed name")
                    .containsExactlyInAnyOrder("reprise-cluster", maps.stream().map(m -> m.getMetadata().getName())
                            .filter(n -> n.matches(contractMaps.get(overlay) + "-[a-z0-9]{10}")).findFirst().orElse("no hashed contract ConfigMap"));
            assertThat(all).extracting(r -> r.getMetadata().getLabels()).allSatisfy(l -> assertThat(l).containsEntry("app.kubernetes.io/name", "reprise"));
        }
        assertThat(parse(kustomize(DEPLOY.resolve("strimzi")))).hasSize(4);
    }

    /** One place for the contract and one for the cluster: no overlay has a contract or an address of its own. */
    @Test
    void everyOverlayTakesTheClusterFromTheBaseAndTheReplayItsContractFromOnePlace() throws Exception {
        for (String overlay : List.of("replay-job", "continuous")) {
            String k = Files.readString(KUSTOMIZE.resolve("overlays").resolve(overlay).resolve("kustomization.yaml"));
            assertThat(k).as(overlay).contains("- ../../base").doesNotContain("behavior: replace").doesNotContain("KAFKA_BOOTSTRAP_SERVERS");
        }
        assertThat(Files.readString(KUSTOMIZE.resolve("overlays/replay-job/kustomization.yaml"))).contains("- ../../contract");
        String cluster = Files.readString(KUSTOMIZE.resolve("base/cluster.env"));
        Matcher m = Pattern.compile("(?m)^KAFKA_BOOTSTRAP_SERVERS=([^:\\s]+):(\\d+)$").matcher(cluster);
        assertThat(m.find()).as("base/cluster.env sets KAFKA_BOOTSTRAP_SERVERS=host:port").isTrue();
        assertThat(m.group(1)).as("a Service name with its namespace, which resolves from any namespace").matches("[a-z0-9-]+\\.[a-z0-9-]+\\.svc(\\.cluster\\.local)?");
    }

    /**
     * Renders a copy of deploy/kubernetes before and after a change to its contract. Kubernetes refuses a changed pod
     * template under an existing Job's name: each contract must be a Job of its own name. The StatefulSet keeps its
     * name and rolls: its pod template changes with the contract.
     */
    @Nested
    class ChangingTheContract {
        @TempDir
        Path dir;

        private Path copy() throws IOException {
            Path target = dir.resolve("kubernetes");
            try (Stream<Path> files = Files.walk(KUSTOMIZE)) {
                for (Path f : files.toList()) {
                    Path t = target.resolve(KUSTOMIZE.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(f, t);
                    }
                }
            }
            return target;
        }

        private static void edit(Path file, String from, String to) throws IOException {
            String text = Files.readString(file);
            assertThat(text).contains(from);
            Files.writeString(file, text.replace(from, to));
        }

        /** The Jobs of the second rendering that kubectl apply would refuse: same name as before, another pod template. */
        static List<String> refusedJobChanges(List<HasMetadata> before, List<HasMetadata> after) {
            Map<String, PodTemplateSpec> old = new LinkedHashMap<>();
            all(before, Job.class).forEach(j -> old.put(j.getMetadata().getName(), j.getSpec().getTemplate()));
            return all(after, Job.class).stream()
                    .filter(j -> old.containsKey(j.getMetadata().getName()) && !old.get(j.getMetadata().getName()).equals(j.getSpec().getTemplate()))
                    .map(j -> j.getMetadata().getName()).toList();
        }

        @Test
        void aNewContractIsANewJobAndNeverAChangedOne() throws Exception {
            assumeKubectl();
            Path k = copy();
            Path overlay = k.resolve("overlays/replay-job");
            List<HasMetadata> before = parse(kustomize(overlay));
            edit(k.resolve("contract/contract.yaml"), "max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 0.001");
            List<HasMetadata> after = parse(kustomize(overlay));

            Job was = one(before, Job.class);
            Job is = one(after, Job.class);
            assertThat(was.getMetadata().getName()).matches("reprise-replay-[a-z0-9]{10}");
            assertThat(is.getMetadata().getName()).as("the changed contract's Job").matches("reprise-replay-[a-z0-9]{10}")
                    .isNotEqualTo(was.getMetadata().getName());
            assertThat(refusedJobChanges(before, after)).isEmpty();
            // The new Job mounts the new contract, the name it carries.
            assertThat(volume(is.getSpec().getTemplate().getSpec(), "contract").getConfigMap().getName()).isEqualTo(is.getMetadata().getName());

            // The same contract again: the same Job, unchanged (applying it again changes nothing).
            assertThat(parse(kustomize(overlay))).filteredOn(Job.class::isInstance).singleElement()
                    .satisfies(j -> assertThat(j).isEqualTo(is));
        }

        @Test
        void aNewClusterAddressChangesNoJobTemplate() throws Exception {
            assumeKubectl();
            Path k = copy();
            Path overlay = k.resolve("overlays/replay-job");
            List<HasMetadata> before = parse(kustomize(overlay));
            edit(k.resolve("base/cluster.env"), "my-cluster-kafka-bootstrap.kafka.svc:9093", "other-kafka-bootstrap.streaming.svc:9093");
            List<HasMetadata> after = parse(kustomize(overlay));
            assertThat(refusedJobChanges(before, after)).isEmpty();
            assertThat(one(after, Job.class)).isEqualTo(one(before, Job.class));
            assertThat(all(after, ConfigMap.class)).anySatisfy(m -> assertThat(m.getData()).containsEntry("KAFKA_BOOTSTRAP_SERVERS", "other-kafka-bootstrap.streaming.svc:9093"));
        }

        /** The check above can fail: without the Job's name following the contract, the change is refused. */
        @Test
        void withoutTheNameReferenceTheSameJobWouldChangeAndBeRefused() throws Exception {
            assumeKubectl();
            Path k = copy();
            Path overlay = k.resolve("overlays/replay-job");
            edit(overlay.resolve("kustomization.yaml"), "configurations:\n  - namereference.yaml\n", "");
            List<HasMetadata> before = parse(kustomize(overlay));
            edit(k.resolve("contract/contract.yaml"), "max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 0.001");
            List<HasMetadata> after = parse(kustomize(overlay));
            assertThat(refusedJobChanges(before, after)).containsExactly("reprise-replay");
        }

        @Test
        void theStatefulSetRollsWhenItsContractChanges() throws Exception {
            assumeKubectl();
            Path k = copy();
            Path overlay = k.resolve("overlays/continuous");
            List<HasMetadata> before = parse(kustomize(overlay));
            edit(overlay.resolve("contract.yaml"), "max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 0.001");
            List<HasMetadata> after = parse(kustomize(overlay));
            StatefulSet was = one(before, StatefulSet.class);
            StatefulSet is = one(after, StatefulSet.class);
            assertThat(is.getMetadata().getName()).isEqualTo(was.getMetadata().getName());
            String newContract = volume(is.getSpec().getTemplate().getSpec(), "contract").getConfigMap().getName();
            assertThat(newContract).as("the pod template names the new contract: the StatefulSet rolls its pods")
                    .isNotEqualTo(volume(was.getSpec().getTemplate().getSpec(), "contract").getConfigMap().getName());
            assertThat(all(after, ConfigMap.class)).extracting(m -> m.getMetadata().getName()).contains(newContract);
        }
    }

    /** The Prometheus Operator's objects come with the component only, and say what deploy/prometheus says. */
    @Nested
    class Monitoring {
        @TempDir
        Path dir;

        private List<HasMetadata> withComponent(String overlay) throws Exception {
            Path k = dir.resolve(overlay);
            Files.createDirectories(k);
            Files.writeString(k.resolve("kustomization.yaml"), """
                    apiVersion: kustomize.config.k8s.io/v1beta1
                    kind: Kustomization
                    resources:
                      - %s
                    components:
                      - %s
                    """.formatted(k.relativize(KUSTOMIZE.resolve("overlays").resolve(overlay)), k.relativize(KUSTOMIZE.resolve("components/prometheus-operator"))));
            return parse(kustomize(k));
        }

        @Test
        void theComponentAddsAPodMonitorOfEveryPodAndThePrometheusRule() throws Exception {
            assumeKubectl();
            for (String overlay : List.of("replay-job", "continuous")) {
                assertThat(resources(overlay)).as("%s without the component", overlay)
                        .noneMatch(r -> r instanceof PodMonitor || r instanceof PrometheusRule);
                List<HasMetadata> all = withComponent(overlay);
                PodMonitor monitor = one(all, PodMonitor.class);
                PodTemplateSpec pod = overlay.equals("replay-job") ? one(all, Job.class).getSpec().getTemplate() : one(all, StatefulSet.class).getSpec().getTemplate();
                assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(monitor.getSpec().getSelector().getMatchLabels());
                assertThat(monitor.getSpec().getPodMetricsEndpoints()).singleElement().satisfies((PodMetricsEndpoint e) -> {
                    assertThat(e.getPort()).isEqualTo("metrics");
                    assertThat(e.getPath()).isEqualTo(METRICS_PATH);
                });
                assertThat(one(all, PrometheusRule.class).getSpec().getGroups()).isNotEmpty();
            }
        }

        @Test
        @SuppressWarnings("unchecked")
        void thePrometheusRuleHasTheGroupsOfThePlainRuleFile() throws Exception {
            Map<String, Object> rule = YAML.readValue(KUSTOMIZE.resolve("components/prometheus-operator/prometheusrule.yaml").toFile(), Map.class);
            Map<String, Object> file = YAML.readValue(DEPLOY.resolve("prometheus/reprise-alerts.yaml").toFile(), Map.class);
            assertThat(((Map<String, Object>) rule.get("spec")).get("groups")).as("deploy/prometheus/reprise-alerts.yaml's groups")
                    .isEqualTo(file.get("groups"));
            assertThat(ApiModels.unknownFields(YAML.convertValue(rule, PrometheusRule.class))).isEmpty();
        }
    }

    /** Every object deploy/ renders is parsed strictly: a field its API does not have fails (see {@link ApiModels}). */
    @Nested
    class ApiFields {
        @Test
        void everyRenderedObjectHasOnlyFieldsOfItsApi() throws Exception {
            // parse() refuses unknown fields; this names what it parsed, so that no kind slips through unchecked.
            List<HasMetadata> all = new ArrayList<>();
            for (String overlay : List.of("replay-job", "continuous")) {
                all.addAll(resources(overlay));
            }
            all.addAll(parse(Files.readString(KUSTOMIZE.resolve("components/prometheus-operator/podmonitor.yaml"))));
            all.addAll(parse(Files.readString(KUSTOMIZE.resolve("components/prometheus-operator/prometheusrule.yaml"))));
            all.addAll(parse(Files.readString(DEPLOY.resolve("strimzi/kafka-user.yaml"))));
            all.addAll(parse(Files.readString(DEPLOY.resolve("strimzi/kafka-topics.yaml"))));
            assertThat(all).extracting(HasMetadata::getKind).contains("Job", "StatefulSet", "Service", "ServiceAccount", "PodMonitor",
                    "PrometheusRule", "KafkaUser", "KafkaTopic");
        }

        @Test
        void aMisspeltOrMisplacedFieldIsCaught() throws Exception {
            String job = Files.readString(KUSTOMIZE.resolve("overlays/replay-job/job.yaml"));
            String misspelt = job.replace("      restartPolicy: Never", "      restartPolicyy: Never");
            String misplaced = job.replace("  backoffLimit: 3", "  backofLimit: 3");
            for (String broken : List.of(misspelt, misplaced)) {
                assertThat(broken).isNotEqualTo(job);
                Job parsed = YAML.readValue(broken, Job.class);
                assertThat(ApiModels.unknownFields(parsed)).singleElement().asString().containsAnyOf("restartPolicyy", "backofLimit");
            }
            KafkaUser user = YAML.readValue(Files.readString(DEPLOY.resolve("strimzi/kafka-user.yaml")).replace("    type: simple", "    type: simple\n    aclz: []"), KafkaUser.class);
            assertThat(ApiModels.unknownFields(user)).containsExactly("spec.authorization.aclz");
            PodMonitor monitor = YAML.readValue(Files.readString(KUSTOMIZE.resolve("components/prometheus-operator/podmonitor.yaml"))
                    .replace("      path: /metrics", "      pathh: /metrics"), PodMonitor.class);
            assertThat(ApiModels.unknownFields(monitor)).containsExactly("spec.podMetricsEndpoints[0].pathh");
        }
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

    /** The image's settings (app/pom.xml, profile image) against what the pods and runtime.sh expect. */
    @Nested
    class Image {
        @Test
        void theEntryPointIsJavaWithTheProductsMainClassAndTheTeamsPlugins() throws Exception {
            ImageConfig image = ImageConfig.read();
            assertThat(image.entrypoint().get(0)).as("java itself: the repository's launcher builds, the image never does").isEqualTo("/opt/java/bin/java");
            assertThat(image.entrypoint()).last().isEqualTo("dev.reprise.Main");
            assertThat(image.entrypoint()).noneSatisfy(a -> assertThat(a).contains("mvn").endsWith("/reprise"));
            String classPath = image.entrypoint().get(image.entrypoint().indexOf("-cp") + 1);
            assertThat(classPath.split(":")).as("the product alone: a team's plugins are loaded from the plugin path, each in a class loader of its own")
                    .containsExactly(image.appRoot() + "/classpath/*", image.appRoot() + "/libs/*");
            assertThat(image.environment()).containsEntry("REPRISE_PLUGIN_PATH", ImageConfig.PLUGINS);
            assertThat(Long.parseLong(image.user().split(":")[0])).as("not root").isPositive();
        }

        @Test
        void theRuntimeScriptMakesThePlacesThePodsAndTeamsUse() throws Exception {
            String script = Files.readString(ImageConfig.RUNTIME_SCRIPT);
            ImageConfig image = ImageConfig.read();
            for (String dir : List.of(ImageConfig.CONTRACTS, ImageConfig.PLUGINS, "/opt/reprise/schemas", image.environment().get("REPRISE_STATE_DIR"), "/tmp")) {
                assertThat(script).as("runtime.sh makes %s", dir).contains("\"$OUT" + dir + "\"");
            }
            assertThat(script).as("the user of the image in /etc/passwd").contains("reprise:x:" + image.user() + ":");
        }
    }

    @Test
    void theHealthAndMetricsPathsAreDistinctAbsolutePaths() {
        assertThat(Set.of(METRICS_PATH, LIVENESS_PATH, READINESS_PATH, STATUS_PATH)).hasSize(4)
                .allSatisfy(p -> assertThat(p).startsWith("/"));
    }
}
