package dev.reprise.codec;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry client configured the way Confluent's serializers are: basic auth (USER_INFO, URL), a static bearer token
 * and trust stores, from a properties file; refusals before anything starts name the setting and the file, never a secret.
 */
class RegistrySettingsTest {
    static final String PASSWORD = "s3cret-Pa55";
    HttpServer server;
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    volatile String accepted = "Basic " + Base64.getEncoder().encodeToString(("reprise:" + PASSWORD).getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/subjects", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(auth));
            boolean ok = accepted.equals(auth);
            String path = exchange.getRequestURI().getPath();
            String body = !ok ? "{\"error_code\":401,\"message\":\"Unauthorized\"}" : path.equals("/subjects") ? "[\"orders-value\"]"
                    : path.equals("/subjects/orders-value/versions") ? "[1]" : "{\"error_code\":40401,\"message\":\"Subject not found\"}";
            int status = !ok ? 401 : body.startsWith("[") ? 200 : 404;
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    Path properties(String text) throws IOException {
        Path file = dir.resolve("registry.properties");
        Files.writeString(file, text);
        return file;
    }

    RegistryClient client(String properties) throws IOException {
        return new RegistryClient(url(), RegistrySettings.load(properties(properties), url()));
    }

    @Test
    void userInfoIsSentAsBasicAuthAndTheSubjectsAreRead() throws IOException {
        RegistryClient client = client("basic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=reprise:" + PASSWORD + "\n");

        client.checkAccess();

        assertThat(client.versions("orders-value")).containsExactly(1);
        assertThat(client.versions("no-such-value")).as("an unknown subject has no versions").isEmpty();
        assertThat(authorizations).allMatch(accepted::equals);
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheSettingAndTheFileButNeverThePassword() throws IOException {
        RegistryClient client = client("basic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=reprise:wrong-" + PASSWORD + "\n");

        assertThatThrownBy(client::checkAccess).isInstanceOf(RegistrySettingsException.class)
                .hasMessageContaining("401").hasMessageContaining("basic.auth.user.info in " + dir.resolve("registry.properties"))
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void noCredentialsAtARegistryThatWantsThemSaysWhichSettingsToAdd() {
        assertThatThrownBy(() -> new RegistryClient(url()).checkAccess()).isInstanceOf(RegistrySettingsException.class)
                .hasMessageContaining("basic.auth.credentials.source=USER_INFO").hasMessageContaining("history.schemas.client_properties");
    }

    @Test
    void aStaticBearerTokenIsSent() throws IOException {
        accepted = "Bearer tok-123";
        client("bearer.auth.credentials.source=STATIC_TOKEN\nbearer.auth.token=tok-123\n").checkAccess();
        assertThat(authorizations).containsExactly("Bearer tok-123");
    }

    @Test
    void urlCredentialsComeFromTheSchemaRegistryUrlOfTheFileNotFromTheContract() throws IOException {
        String withInfo = url().toString().replace("http://", "http://reprise:" + PASSWORD + "@");
        client("basic.auth.credentials.source=URL\nschema.registry.url=" + withInfo + "\n").checkAccess();
        assertThat(authorizations).containsExactly(accepted);

        assertThatThrownBy(() -> client("basic.auth.credentials.source=URL\n")).isInstanceOf(RegistrySettingsException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void unsupportedOrIncompleteSettingsAreRefusedByName() {
        assertThatThrownBy(() -> client("basic.auth.credentials.source=SASL_INHERIT\n")).isInstanceOf(RegistrySettingsException.class)
                .hasMessageContaining("basic.auth.credentials.source=SASL_INHERIT");
        assertThatThrownBy(() -> client("basic.auth.user.info=no-colon\n")).isInstanceOf(RegistrySettingsException.class)
                .hasMessageContaining("basic.auth.user.info");
        assertThatThrownBy(() -> client("bearer.auth.credentials.source=OAUTHBEARER\n")).isInstanceOf(RegistrySettingsException.class)
                .hasMessageContaining("STATIC_TOKEN");
        assertThatThrownBy(() -> RegistrySettings.load(dir.resolve("missing.properties"), url()))
                .isInstanceOf(RegistrySettingsException.class).hasMessageContaining("does not exist");
    }

    @Test
    void aTrustStoreWithTheWrongPasswordIsRefusedNamingThePasswordSetting() throws Exception {
        Path store = dir.resolve("trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (OutputStream out = Files.newOutputStream(store)) {
            ks.store(out, "right-one".toCharArray());
        }
        String base = "schema.registry.ssl.truststore.location=" + store + "\nschema.registry.ssl.truststore.type=PKCS12\n";

        assertThat(RegistrySettings.load(properties(base + "schema.registry.ssl.truststore.password=right-one\n"), url())).isNotNull();
        assertThatThrownBy(() -> client(base + "schema.registry.ssl.truststore.password=wrong-one\n"))
                .isInstanceOf(RegistrySettingsException.class).hasMessageContaining("schema.registry.ssl.truststore.password")
                .hasMessageNotContaining("wrong-one");
        assertThatThrownBy(() -> client("schema.registry.ssl.truststore.location=" + store + "\nschema.registry.ssl.truststore.type=PEM\n"))
                .isInstanceOf(RegistrySettingsException.class).hasMessageContaining("no PEM certificate");
    }

    @Test
    void aClientKeyStoreOpensWithItsPasswordsAndAWrongKeyPasswordIsNamed() throws Exception {
        Path store = dir.resolve("client.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "client", "-keyalg", "EC", "-dname", "CN=reprise", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "store-pass", "-keypass", "store-pass").redirectErrorStream(true).start();
        keytool.getInputStream().readAllBytes();
        assertThat(keytool.waitFor()).isZero();
        String base = "schema.registry.ssl.keystore.location=" + store + "\nschema.registry.ssl.keystore.type=PKCS12\n"
                + "schema.registry.ssl.keystore.password=store-pass\n";

        assertThat(RegistrySettings.load(properties(base), url())).isNotNull();
        assertThatThrownBy(() -> client(base + "schema.registry.ssl.key.password=not-the-key-pass\n"))
                .isInstanceOf(RegistrySettingsException.class).hasMessageContaining("schema.registry.ssl.key.password")
                .hasMessageNotContaining("not-the-key-pass");
    }
}
