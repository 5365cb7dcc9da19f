package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** The options every cluster command takes, like Kafka's own tools. */
final class ClusterOptions {
    @Option(names = "--contract", required = true, description = "The Recovery Contract (YAML), e.g. config/inventory.yaml.")
    Path contract;

    @Option(names = "--bootstrap-server", description = "Kafka bootstrap servers, HOST:PORT[,HOST:PORT].")
    String bootstrapServer;

    @Option(names = "--command-config", description = "Client properties file (security.protocol, sasl.*, ssl.*, timeouts).")
    Path commandConfig;

    Contract loadContract() {
        return ContractLoader.load(contract);
    }

    Map<String, Object> clientConfig() {
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
}
