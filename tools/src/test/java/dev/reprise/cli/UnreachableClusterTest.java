package dev.reprise.cli;

import dev.reprise.Cli;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster that cannot be reached fails every cluster command within --timeout, naming the bootstrap
 * address and the cause, with exit code 1; nothing blames the run or the evidence topic. Real sockets,
 * no broker: a port nothing listens on, a host that cannot resolve (.invalid never does, RFC 2606), a
 * port that accepts and stays silent, and an HTTP server.
 */
class UnreachableClusterTest {
    static final String CONTRACT = Path.of("..", "config", "inventory.yaml").toAbsolutePath().normalize().toString();

    record Result(int code, String out, String err, long millis) {
    }

    static Result reprise(String... args) {
        long started = System.nanoTime();
        Cli.Outcome o = Cli.reprise(args);
        return new Result(o.exitCode(), o.stdout(), o.stderr(), (System.nanoTime() - started) / 1_000_000);
    }

    /** A port that was just free: bound, then closed, so nothing listens on it. */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The command line of a cluster command; --timeout 5s unless {@code extra} gives one. */
    static String[] command(String name, String bootstrap, String... extra) {
        List<String> args = new ArrayList<>(List.of(name.split(" ")));
        args.addAll(List.of("--contract", CONTRACT, "--bootstrap-server", bootstrap));
        if (!List.of(extra).contains("--timeout")) {
            args.addAll(List.of("--timeout", "5s"));
        }
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest(name = "reprise {0}")
    @ValueSource(strings = {"evidence", "promote --to inventory-levels", "verify", "status", "plan", "reset", "run", "pause", "resume",
            "throttle --max-events-per-second 10", "abort"})
    void aClosedPortFailsEveryClusterCommandWithinTheTimeoutNamingTheAddress(String command) throws Exception {
        int port = closedPort();

        Result r = reprise(command(command, "localhost:" + port));

        assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach the cluster at localhost:" + port)
                .contains("connection refused at 127.0.0.1:" + port).contains("Check --bootstrap-server");
        assertThat(r.err()).as("the run and the evidence topic are not blamed")
                .doesNotContain("no final evidence").doesNotContain("no run has been planned").doesNotContain("Exception");
        // Regression: Kafka's clients retried for 66-75 s before failing. The bound is the --timeout given (5 s).
        assertThat(r.millis()).as("failed within the 5 s timeout").isLessThan(5_000);
    }

    @Test
    void anUnresolvableHostIsNamed() {
        Result r = reprise(command("evidence", "no-such-broker.invalid:9092"));

        assertThat(r.code()).as("stderr: %s", r.err()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach the cluster at no-such-broker.invalid:9092")
                .contains("cannot resolve host 'no-such-broker.invalid'").doesNotContain("KafkaAdminClient").doesNotContain("Exception");
        assertThat(r.millis()).as("failed within the 5 s timeout").isLessThan(5_000);
    }

    @Test
    void withSeveralBootstrapServersEachProblemIsNamed() throws Exception {
        int port = closedPort();

        Result r = reprise(command("status", "no-such-broker.invalid:9092,localhost:" + port));

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("cannot resolve host 'no-such-broker.invalid'").contains("connection refused at 127.0.0.1:" + port);
    }

    @Test
    void aPortThatAcceptsButNeverAnswersFailsWithinTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();

            Result r = reprise(command("evidence", "localhost:" + silent.getLocalPort(), "--timeout", "2s"));

            assertThat(r.code()).as("stderr: %s", r.err()).isEqualTo(1);
            assertThat(r.err()).contains("localhost:" + silent.getLocalPort()).contains("no Kafka answer from 127.0.0.1:" + silent.getLocalPort());
            assertThat(r.millis()).as("failed within the 2 s timeout (and some)").isLessThan(4_000);
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void anHttpPortIsToldApartFromKafka() throws Exception {
        // Kafka's client reads "HTTP" as a message size of about a gigabyte and dies of an OutOfMemoryError.
        // A web server that answers any bytes with 400, as most do:
        try (ServerSocket web = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = web.accept()) {
                    s.getInputStream().read(new byte[64]);
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (IOException closed) {
                    // the test is over
                }
            });
            server.setDaemon(true);
            server.start();

            Result r = reprise(command("verify", "localhost:" + web.getLocalPort()));

            assertThat(r.code()).as("stderr: %s", r.err()).isEqualTo(1);
            assertThat(r.err()).contains("127.0.0.1:" + web.getLocalPort() + " answers HTTP, not Kafka").doesNotContain("OutOfMemoryError");
        }
    }

    @Test
    void anHttpServerThatWaitsForARequestLineIsNotTakenForKafka() throws Exception {
        // The JDK's server waits for a line end that a Kafka request never sends: a silent port, in the end.
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        http.start();
        try {
            Result r = reprise(command("verify", "localhost:" + http.getAddress().getPort(), "--timeout", "2s"));

            assertThat(r.code()).as("stderr: %s", r.err()).isEqualTo(1);
            assertThat(r.err()).contains("no Kafka answer from 127.0.0.1:" + http.getAddress().getPort()).doesNotContain("OutOfMemoryError");
        } finally {
            http.stop(0);
        }
    }

    @Test
    void aMalformedAddressOrTimeoutIsInvalidInput() throws Exception {
        assertThat(reprise(command("status", "localhost")).err()).contains("'localhost' is not HOST:PORT");
        assertThat(reprise(command("status", "localhost")).code()).isEqualTo(2);
        int port = closedPort();
        Result zero = reprise(command("status", "localhost:" + port, "--timeout", "0s"));
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).contains("--timeout").contains("must be more than zero");
        assertThat(reprise(command("status", "localhost:" + port, "--timeout", "soon")).err()).contains("expected a duration such as 15s");
    }

    @Test
    void aWrongThrottleIsRefusedBeforeConnecting() throws Exception {
        int port = closedPort();

        Result r = reprise(command("throttle", "localhost:" + port, "--max-events-per-second", "-5"));

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--max-events-per-second must be a number >= 0").doesNotContain("cannot reach");
    }

    @Test
    void aMissingPlanFileIsInvalidInputNamedBeforeConnecting() throws Exception {
        int port = closedPort();

        Result r = reprise(command("run", "localhost:" + port, "--plan", "/nonexistent/plan.json"));

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--plan: file not found: /nonexistent/plan.json").contains("reprise plan --out")
                .doesNotContain("cannot reach");
    }
}
