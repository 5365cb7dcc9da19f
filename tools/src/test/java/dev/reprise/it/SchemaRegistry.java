package dev.reprise.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Confluent-compatible Schema Registry for the integration tests, started once per JVM and stopped when it
 * exits: Apicurio Registry's runnable distribution (unpacked from Maven Central by the build's
 * pre-integration-test phase), in memory, serving Confluent's REST API under {@code /apis/ccompat/v7}. It needs
 * Java 21+, taken from a Temurin JDK under /usr/lib/jvm. Both HTTP ports (the API and Quarkus' management port,
 * which would otherwise open on all addresses at 9000) listen on 127.0.0.1 only.
 */
final class SchemaRegistry {
    static final Path JVMS = Path.of("/usr/lib/jvm");
    private static SchemaRegistry registry;

    private final Process process;
    private final int port;
    private final Path log;
    private final String scheme;

    private SchemaRegistry(Process process, int port, Path log, String scheme) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.scheme = scheme;
    }

    /**
     * Another registry, served over TLS only with HTTP basic auth, with Quarkus' settings alone (DESIGN.md, "A registry with
     * TLS and basic auth"): the certificate and key from a PKCS12 key store, one user with the role sr-admin, every path
     * authenticated. Stopped when the JVM exits.
     *
     * @param trust    an SSL context that trusts the key store's certificate, to see it ready
     */
    static SchemaRegistry secured(Path keyStore, String keyStorePassword, String user, String password, javax.net.ssl.SSLContext trust) {
        int port = freePort();
        SchemaRegistry started = start("https", port, List.of(
                "-Dquarkus.http.insecure-requests=disabled", "-Dquarkus.http.ssl-port=" + port,
                "-Dquarkus.http.ssl.certificate.key-store-file=" + keyStore.toAbsolutePath(),
                "-Dquarkus.http.ssl.certificate.key-store-password=" + keyStorePassword,
                "-Dquarkus.http.ssl.certificate.key-store-file-type=PKCS12",
                "-Dquarkus.http.auth.basic=true", "-Dquarkus.security.users.embedded.enabled=true",
                "-Dquarkus.security.users.embedded.plain-text=true",
                "-Dquarkus.security.users.embedded.users." + user + "=" + password,
                "-Dquarkus.security.users.embedded.roles." + user + "=sr-admin",
                "-Dquarkus.http.auth.permission.all.paths=/*", "-Dquarkus.http.auth.permission.all.policy=authenticated"),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(trust).build(),
                "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
        return started;
    }

    static synchronized SchemaRegistry get() {
        if (registry == null) {
            registry = start();
            Runtime.getRuntime().addShutdownHook(new Thread(registry::stop));
        }
        return registry;
    }

    /** The base URL of Confluent's API, as a contract's {@code registry_url} names it. */
    URI confluentApi() {
        return URI.create(scheme + "://" + (scheme.equals("https") ? "localhost" : "127.0.0.1") + ":" + port + "/apis/ccompat/v7/");
    }

    /** A Java 21+ runtime: the newest Temurin JDK under /usr/lib/jvm; the test fails, saying so, when there is none. */
    static Path java21() {
        List<Path> candidates;
        try (Stream<Path> dirs = Files.isDirectory(JVMS) ? Files.list(JVMS) : Stream.empty()) {
            candidates = dirs.filter(d -> d.getFileName().toString().matches("temurin-\\d+-jdk.*"))
                    .filter(d -> Files.isExecutable(d.resolve("bin/java")) && feature(d) >= 21)
                    .sorted(Comparator.comparingInt(SchemaRegistry::feature).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (candidates.isEmpty()) {
            throw new AssertionError("No Temurin JDK 21 or newer under " + JVMS + " (looked for temurin-<version>-jdk*): the schema registry "
                    + "these tests start (Apicurio Registry) needs Java 21+. Install one there, e.g. " + JVMS + "/temurin-25-jdk-amd64");
        }
        return candidates.get(0).resolve("bin/java");
    }

    /** The JDK's feature version from its release file (JAVA_VERSION="25.0.1"), or 0. */
    private static int feature(Path jdk) {
        Properties release = new Properties();
        try (var in = Files.newInputStream(jdk.resolve("release"))) {
            release.load(in);
            String version = release.getProperty("JAVA_VERSION", "0").replace("\"", "");
            return Integer.parseInt(version.split("[.+-]")[0]);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static Path distribution() {
        Path home = Path.of(System.getProperty("reprise.it.apicurio.home", "target/apicurio-registry"));
        if (!Files.isRegularFile(home.resolve("quarkus-run.jar"))) {
            throw new AssertionError("Apicurio Registry is not unpacked at " + home.toAbsolutePath() + ": run the integration tests with "
                    + "'mvn verify' (its pre-integration-test phase unpacks io.apicurio:apicurio-registry-app:tar.gz:all from Maven Central)");
        }
        return home;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SchemaRegistry start() {
        int port = freePort();
        return start("http", port, List.of("-Dquarkus.http.port=" + port), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), null);
    }

    private static SchemaRegistry start(String scheme, int port, List<String> settings, HttpClient http, String authorization) {
        Path home = distribution();
        Path java = java21();
        int management = freePort();
        Path log = home.resolveSibling("apicurio-registry-" + port + ".log");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-Xmx384m", "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.management.host=127.0.0.1", "-Dquarkus.management.port=" + management));
        command.addAll(settings);
        command.addAll(List.of("-jar", "quarkus-run.jar"));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + java + " -jar " + home.resolve("quarkus-run.jar"), e);
        }
        SchemaRegistry started = new SchemaRegistry(process, port, log, scheme);
        started.awaitReady(Duration.ofSeconds(180), http, authorization);
        return started;
    }

    /** Ready when Confluent's API answers; a shared 2-core machine can take half a minute to start it. */
    private void awaitReady(Duration timeout, HttpClient http, String authorization) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Apicurio Registry exited with " + process.exitValue() + " while starting; see " + log.toAbsolutePath());
            }
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(confluentApi().resolve("subjects")).timeout(Duration.ofSeconds(5)).GET();
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        stop();
        throw new AssertionError("Apicurio Registry did not answer within " + timeout.toSeconds() + " s; see " + log.toAbsolutePath());
    }

    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
