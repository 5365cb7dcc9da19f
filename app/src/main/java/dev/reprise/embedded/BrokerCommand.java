package dev.reprise.embedded;

import dev.reprise.cli.ExitCodes;
import dev.reprise.embedded.EmbeddedKafka;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Starts a one-node KRaft Kafka broker from Apache Kafka's own jars and keeps it running until Ctrl-C, "
                + "for trying the operator workflow by hand. Its data lives in a temporary directory, deleted on exit. Not for production."},
        footer = {"", "Example:", "  reprise broker --bootstrap-file /tmp/bootstrap &", "  reprise plan --contract config/inventory.yaml --bootstrap-server $(cat /tmp/bootstrap)"})
public final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-file", description = "Also write the broker's address (HOST:PORT, a free port) to this file.")
    java.nio.file.Path bootstrapFile;

    @Override
    public Integer call() throws InterruptedException, java.io.IOException {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        if (bootstrapFile != null) {
            java.nio.file.Files.writeString(bootstrapFile, kafka.bootstrapServers());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }));
        System.out.println("Kafka broker ready at " + kafka.bootstrapServers() + " (Ctrl-C stops it and deletes its data)");
        stopped.await();
        return ExitCodes.OK;
    }
}
