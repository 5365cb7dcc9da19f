package dev.reprise.embedded;

import dev.reprise.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Starts a one-node KRaft Kafka broker (Apache Kafka's own server, combined broker and controller) on localhost "
                + "and keeps it running until Ctrl-C or SIGTERM, for trying the operator workflow by hand. Not for production.",
                "With --data-dir it keeps its data there: stopped, even killed, and started again on the same directory (and "
                        + "--port), it has its topics, offsets and committed transactions (after a kill, one committed just before it "
                        + "may stay unreadable to read_committed consumers until its producer starts again). Without, its data lives "
                        + "in a temporary directory deleted on exit."},
        footer = {"", "Examples:", "  reprise broker --bootstrap-file /tmp/bootstrap &",
                "  reprise plan --contract config/inventory.yaml --bootstrap-server $(cat /tmp/bootstrap)",
                "  reprise broker --data-dir /var/tmp/reprise-kafka --port 9092"})
public final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-file", paramLabel = "FILE", description = "Also write the broker's address (HOST:PORT) to this file once it is ready.")
    Path bootstrapFile;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep the broker's data in DIR: formatted when new or empty, reused when a broker used it before.")
    Path dataDir;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "Listen on localhost:N (default: a free port). Clients that stored the address need the same port after a restart.")
    int port;

    @Override
    public Integer call() throws InterruptedException, IOException {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port " + port + ": expected a TCP port from 1 to 65535 (or 0 for a free one)");
        }
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(dataDir, port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((e.getMessage().startsWith("port") ? "--port: " : "--data-dir: ") + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "reprise-broker-shutdown"));
        if (bootstrapFile != null) {
            // Written whole and then moved, so a reader never sees a partial address.
            Path partial = bootstrapFile.resolveSibling(bootstrapFile.getFileName() + ".partial");
            Files.writeString(partial, kafka.bootstrapServers());
            Files.move(partial, bootstrapFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        System.out.println("Kafka broker ready at " + kafka.bootstrapServers() + (dataDir == null
                ? " (Ctrl-C stops it and deletes its data)"
                : " with its data in " + kafka.dataDir() + " (Ctrl-C stops it; the data stays)"));
        stopped.await();
        return ExitCodes.OK;
    }
}
