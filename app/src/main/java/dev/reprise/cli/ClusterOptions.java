package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.cluster.ClusterCheck;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** The options every cluster command takes, like Kafka's own tools. */
public final class ClusterOptions {
    @Option(names = "--contract", required = true, description = "The Recovery Contract (YAML), e.g. config/inventory.yaml. Every key: reprise reference contract.")
    Path contract;

    @Option(names = "--bootstrap-server", description = "Kafka bootstrap servers, HOST:PORT[,HOST:PORT].")
    String bootstrapServer;

    @Option(names = "--command-config", description = "Client properties file (security.protocol, sasl.*, ssl.*, timeouts); run and replay also take Kafka "
            + "Streams' properties and Reprise's reprise.* properties from it (every one: reprise reference properties), and the schema "
            + "registry client's basic.auth.*, bearer.auth.* and schema.registry.ssl.* when the contract names no client_properties.")
    Path commandConfig;

    @Option(names = "--timeout", defaultValue = "15s", converter = TimeoutConverter.class, paramLabel = "DURATION",
            description = "How long to try to reach the cluster before giving up, e.g. 15s, 500ms, 2m (default ${DEFAULT-VALUE}). "
                    + "Unreachable brokers, unknown hosts and failed TLS or SASL handshakes are reported within it.")
    Duration timeout = ClusterCheck.DEFAULT_TIMEOUT;

    /** The checked client settings, once the cluster answered; null before the first {@link #clientConfig()}. */
    private Map<String, Object> checked;

    /**
     * The contract. When it reads a schema registry and names no client properties file of its own
     * ({@code history.schemas.client_properties}), the registry client's settings (basic.auth.*, bearer.auth.*,
     * schema.registry.ssl.*) are read from the {@code --command-config} file, if it holds any.
     */
    public Contract loadContract() {
        Contract c = ContractLoader.load(contract);
        if (commandConfig != null && Files.isRegularFile(commandConfig)) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(commandConfig)) {
                p.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("--command-config: cannot read " + commandConfig + ": " + e.getMessage());
            }
            if (dev.reprise.codec.RegistrySettings.mentionsRegistry(p)) {
                c = c.withRegistryClientProperties(commandConfig);
            }
        }
        return c;
    }

    /**
     * The client settings for this command. The first call checks that the cluster answers within
     * {@code --timeout} ({@link ClusterCheck}), so a command fails in seconds, naming the address and
     * the cause, rather than after Kafka's own minute of retries with neither.
     */
    public Map<String, Object> clientConfig() {
        if (checked == null) {
            Map<String, Object> config = ClusterCheck.withConnectTimeouts(settings(), timeout);
            ClusterCheck.requireReachable(config, timeout);
            checked = config;
        }
        return new HashMap<>(checked);
    }

    private Map<String, Object> settings() {
        Map<String, Object> config = new HashMap<>();
        if (commandConfig != null) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(commandConfig)) {
                p.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("--command-config: cannot read " + commandConfig + ": " + e.getMessage());
            }
            p.forEach((k, v) -> config.put(k.toString(), v));
        }
        if (bootstrapServer != null) {
            config.put("bootstrap.servers", bootstrapServer);
        }
        if (!config.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException("--bootstrap-server is required (or bootstrap.servers in --command-config)");
        }
        return config;
    }

    /** 15s, 500ms, 2m, or a number of seconds; more than zero. */
    static final class TimeoutConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = dev.reprise.contract.Durations.parse(value).orElseThrow(() ->
                    new CommandLine.TypeConversionException("expected a duration such as 15s, 500ms or 2m, got '" + value + "'"));
            if (d.isNegative() || d.isZero()) {
                throw new CommandLine.TypeConversionException("must be more than zero, e.g. 15s; got '" + value + "'");
            }
            return d;
        }
    }
}
