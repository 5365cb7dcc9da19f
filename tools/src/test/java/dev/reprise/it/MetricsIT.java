package dev.reprise.it;

import dev.reprise.Cli.Outcome;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.metrics.MetricsServer;
import dev.reprise.metrics.ReplayMetrics;
import dev.reprise.metrics.RunStatus;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.runner.RunObserver;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run watched as a platform team watches it: the metrics endpoint of a real run serves the named metrics and they
 * move, readiness follows Kafka Streams, {@code /status} names the run, and every metric the Grafana dashboard and the
 * Prometheus alert rules query is in a scrape of a real run, so the two files cannot drift from the code.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
public class MetricsIT {
    static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "reprise-dashboard.json");
    static final Path ALERTS = Path.of("..", "deploy", "prometheus", "reprise-alerts.yaml");
    /** Every metric of Reprise's own, by the names the runbook and the manifests use. */
    /** Every metric of Reprise's own; the runbook's monitoring section names only these. */
    public static final List<String> REPRISE_METRICS = List.of("reprise_events_total", "reprise_dead_letters_total", "reprise_upcasts_total",
            "reprise_stale_records_total", "reprise_progress_ratio", "reprise_eta_seconds", "reprise_events_per_second", "reprise_lag_offsets",
            "reprise_reconciliation_failures", "reprise_run_state", "reprise_verdict", "reprise_build_info");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aThrottledRunServesItsMetricsTheyMoveAndEveryMetricOfTheDashboardAndAlertsIsThere() throws Exception {
        ReplayFixture f = new ReplayFixture(3, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(6_000, 0.05, 6, 3, 150, 31L));
        Path contract = f.contractFile();
        assertThat(reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "200")).exitCode()).isZero();
        String runId = OperatorWorkflowIT.status(f, contract).get("run_id").asText();
        int port = freePort();

        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> reprise(args(f, contract, "run", "--json",
                "--state-dir", f.stateDir.resolve("metrics").toString(), "--metrics-port", Integer.toString(port), "--metrics-linger", "0")));
        try {
            watchTheRun(f, contract, generated, runId, port, run);
        } finally {
            // Whatever failed, the run is let go and ends: a run left going holds the JVM's exit.
            reprise(args(f, contract, "throttle", "--max-events-per-second", "0"));
            run.handle((o, e) -> o).get(120, TimeUnit.SECONDS);
        }
    }

    private void watchTheRun(ReplayFixture f, Path contract, InventoryGenerator.Generated generated, String runId, int port,
                             CompletableFuture<Outcome> run) throws Exception {
        // Kafka Streams may read records before all its threads are RUNNING; the run's state is running once it is.
        String first = awaitScrape(port, run, x -> value(x, "reprise_events_total{outcome=\"read\"}") > 0
                && value(x, "reprise_run_state{state=\"running\"}") == 1.0);

        assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get(port, "/health/ready");
        assertThat(ready.statusCode()).as("ready while Kafka Streams runs: %s", ready.body()).isEqualTo(200);
        HttpResponse<String> status = get(port, "/status");
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode s = JSON.readTree(status.body());
        assertThat(s.get("run_id").asText()).isEqualTo(runId);
        assertThat(s.get("state").asText()).isEqualTo("running");
        assertThat(s.get("offsets_total").asLong()).isEqualTo(generated.events() + generated.duplicates() + generated.poison());

        // Scraped again while the throttle holds the run back: the counters have grown.
        double readBefore = value(first, "reprise_events_total{outcome=\"read\"}");
        String second = awaitScrape(port, run, x -> value(x, "reprise_events_total{outcome=\"read\"}") > readBefore
                && value(x, "reprise_events_total{outcome=\"processed\"}") > 0);
        assertThat(value(second, "reprise_run_state{state=\"running\"}")).isEqualTo(1.0);
        assertThat(value(second, "reprise_run_state{state=\"starting\"}")).isEqualTo(0.0);
        assertThat(value(second, "reprise_progress_ratio")).isBetween(0.0, 1.0);
        assertThat(second).contains("reprise_lag_offsets{partition=\"2\",topic=\"" + f.source + "\"}");

        // Everything the dashboard and the alert rules query, including Kafka Streams' thread and task metrics (bound
        // when Kafka Streams is created, refreshed every 10 s for the metrics of new tasks).
        Set<String> queried = new TreeSet<>(dashboardMetrics());
        queried.addAll(alertMetrics());
        assertThat(queried).as("metrics parsed out of the dashboard and the alert rules")
                .contains("reprise_dead_letters_total", "reprise_verdict", "kafka_stream_thread_process_rate", "kafka_stream_task_process_rate")
                .allMatch(n -> n.startsWith("reprise_") || n.startsWith("kafka_stream_"));
        // (reprise_dead_letters_total appears with the first poison record read.)
        String scrape = awaitScrape(port, run, x -> names(x).containsAll(queried) && names(x).containsAll(REPRISE_METRICS));
        assertThat(names(scrape)).containsAll(queried).containsAll(REPRISE_METRICS);

        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();
        Outcome finished = run.get(120, TimeUnit.SECONDS);
        assertThat(finished.exitCode()).as("run; stderr: %s", finished.stderr()).isZero();
        assertThat(finished.json().get("events_read").asLong()).isEqualTo(generated.events() + generated.duplicates() + generated.poison());
        assertThat(finished.stderr()).as("the plain progress line (stderr is not a terminal)").contains(" offsets  ").doesNotContain("\r");
        assertThatThrownBy(() -> get(port, "/health/live")).as("the endpoints end with the command").isInstanceOf(ConnectException.class);
    }

    @Test
    void aScrapeAfterABoundedRunsVerdictStillReadsTheVerdict() throws Exception {
        // Regression: a bounded run's process exited on its verdict, so a scrape every 15-30 s could miss it and the
        // alert on an untrusted verdict never fire. The process now serves the verdict for --metrics-linger after it.
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(500, 0.05, 0, 2, 30, 32L));
        Path contract = f.contractFile();
        int port = freePort();
        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> reprise(args(f, contract, "run", "--json",
                "--state-dir", f.stateDir.resolve("linger").toString(), "--metrics-port", Integer.toString(port), "--metrics-linger", "30s")));

        String scrape = awaitScrape(port, run, x -> value(x, "reprise_run_state{state=\"completed\"}") == 1.0);
        assertThat(value(scrape, "reprise_verdict{verdict=\"trusted\"}")).as("the verdict, scraped after the run completed").isEqualTo(1.0);
        assertThat(value(scrape, "reprise_verdict{verdict=\"untrusted\"}")).isEqualTo(0.0);
        Outcome o = run.get(120, TimeUnit.SECONDS);
        assertThat(o.exitCode()).as(o.stderr()).isZero();
        assertThat(o.stderr()).contains("The verdict stays on http://localhost:" + port + "/metrics for 30 s");
        assertThat(o.json().get("confidence_status").asText()).isEqualTo("trusted");
    }

    @Test
    void readinessFollowsKafkaStreamsAndTurnsTo503WhenItStops() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(2_000, 0, 2, 2, 40, 32L));
        Path contract = f.contractFile();
        ReplayRunner runner = f.runner();
        RunPlan plan;
        try (Admin admin = f.kafka.admin()) {
            plan = new Planner(admin, f.kafka.clientConfig()).plan(f.contract);
            runner.begin(admin, Optional.empty(), plan);
        }
        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "100")).exitCode()).isZero();
        RunStatus status = new RunStatus(f.contract.applicationId());
        try (ReplayMetrics metrics = new ReplayMetrics(status); MetricsServer server = MetricsServer.start(0, metrics, status)) {
            int port = server.port();
            assertThat(get(port, "/health/ready").statusCode()).as("before Kafka Streams exists").isEqualTo(503);
            assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);

            CompletableFuture<RecoveryEvidence> run = CompletableFuture.supplyAsync(() -> runner.runObserved(plan, RunObserver.all(List.of(status, metrics))));
            long deadline = System.currentTimeMillis() + 120_000;
            while (get(port, "/health/ready").statusCode() != 200) {
                assertThat(run).as("the run is still going").isNotDone();
                assertThat(System.currentTimeMillis()).as("ready within 120 s").isLessThan(deadline);
                Thread.sleep(200);
            }
            assertThat(JSON.readTree(get(port, "/health/ready").body()).get("streams_state").asText()).isIn("RUNNING", "REBALANCING");

            assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();
            RecoveryEvidence evidence = run.get(120, TimeUnit.SECONDS);
            assertThat(evidence.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);

            HttpResponse<String> notReady = get(port, "/health/ready");
            assertThat(notReady.statusCode()).as("Kafka Streams closed after the run: %s", notReady.body()).isEqualTo(503);
            assertThat(JSON.readTree(notReady.body()).get("streams_state").asText()).isEqualTo("NOT_RUNNING");
            assertThat(get(port, "/health/live").statusCode()).as("the process still runs").isEqualTo(200);
            JsonNode s = JSON.readTree(get(port, "/status").body());
            assertThat(s.get("run_id").asText()).isEqualTo(plan.runId());
            assertThat(s.get("state").asText()).isEqualTo("completed");
            assertThat(s.get("verdict").asText()).isEqualTo("trusted");
            assertThat(s.get("events_per_second").asDouble()).as("the evidence's rate").isEqualTo(evidence.getEventsPerSecond());
            String scrape = metrics.scrape();
            assertThat(value(scrape, "reprise_verdict{verdict=\"trusted\"}")).isEqualTo(1.0);
            assertThat(value(scrape, "reprise_run_state{state=\"completed\"}")).isEqualTo(1.0);
            assertThat(value(scrape, "reprise_events_total{outcome=\"read\"}")).isEqualTo(evidence.getEventsRead());
            assertThat(value(scrape, "reprise_events_total{outcome=\"dead_lettered\"}")).isEqualTo(evidence.getDeadLettered());
        }
    }

    /** The metric names the dashboard's panels and variables query. */
    static Set<String> dashboardMetrics() throws IOException {
        JsonNode dashboard = JSON.readTree(Files.readString(DASHBOARD));
        Set<String> out = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.addAll(metricNames(target.get("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            Matcher m = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(variable.path("definition").asText());
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** The metric names the alert rules' expressions query. */
    static Set<String> alertMetrics() throws IOException {
        JsonNode rules = new YAMLMapper().readTree(Files.readString(ALERTS));
        Set<String> out = new TreeSet<>();
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                out.addAll(metricNames(rule.get("expr").asText()));
            }
        }
        return out;
    }

    /**
     * The metric names in a PromQL expression: the identifiers left once label matchers, range selectors and grouping
     * label lists are taken out, other than functions (followed by a parenthesis) and operators.
     */
    static Set<String> metricNames(String promql) {
        String bare = promql.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*+)(?!\\s*\\()").matcher(bare);
        while (m.find()) {
            String name = m.group(1);
            if (!Set.of("and", "or", "unless", "bool", "offset", "inf", "nan").contains(name.toLowerCase())) {
                out.add(name);
            }
        }
        return out;
    }

    /** The metric names of a scrape. */
    static Set<String> names(String scrape) {
        Set<String> out = new TreeSet<>();
        scrape.lines().filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(l -> out.add(l.split("[{ ]", 2)[0]));
        return out;
    }

    /** One sample's value, e.g. {@code reprise_events_total{outcome="read"}}; NaN when absent. */
    static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** Scrapes {@code /metrics} until {@code until} holds, while the run goes (120 s at most). */
    static String awaitScrape(int port, CompletableFuture<Outcome> run, java.util.function.Predicate<String> until) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            assertThat(run).as("the run is still going").isNotDone();
            try {
                HttpResponse<String> r = get(port, "/metrics");
                assertThat(r.statusCode()).isEqualTo(200);
                last = r.body();
                if (until.test(last)) {
                    return last;
                }
            } catch (ConnectException notYet) {
                // the command has not opened its port yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the scrape did not show what was awaited within 120 s; last scrape:\n" + last);
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
