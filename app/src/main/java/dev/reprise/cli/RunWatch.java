package dev.reprise.cli;

import dev.reprise.metrics.MetricsServer;
import dev.reprise.metrics.ReplayMetrics;
import dev.reprise.metrics.RunStatus;
import dev.reprise.runner.RunObserver;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;

/**
 * What watches a run in the foreground: its {@link RunStatus}, the metrics and HTTP endpoints on {@code --metrics-port}
 * ({@link MetricsServer}), and the progress line on stderr. {@link #observer()} goes to the runner; {@link #close()}
 * ends the line and stops the server.
 */
public final class RunWatch implements AutoCloseable {
    private final RunStatus status;
    private final ReplayMetrics metrics;
    private final MetricsServer server;
    private final ProgressLine line;

    private RunWatch(RunStatus status, ReplayMetrics metrics, MetricsServer server, ProgressLine line) {
        this.status = status;
        this.metrics = metrics;
        this.server = server;
        this.line = line;
    }

    /**
     * @param port     the metrics port; 0 serves nothing
     * @param required whether the port was asked for: then a port in use is an error; otherwise (the default port) a
     *                 warning, and the run goes on without metrics
     * @param err      where the warning and the address go
     */
    public static RunWatch start(String applicationId, int port, boolean required, PrintStream err) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--metrics-port: expected a port from 1 to 65535, or 0 for no metrics endpoint; got " + port);
        }
        RunStatus status = new RunStatus(applicationId);
        ReplayMetrics metrics = null;
        MetricsServer server = null;
        if (port > 0) {
            metrics = new ReplayMetrics(status);
            try {
                server = MetricsServer.start(port, metrics, status);
                err.println("Metrics, health and status on http://localhost:" + server.port() + "/metrics, /health/live, /health/ready, /status");
            } catch (BindException e) {
                metrics.close();
                metrics = null;
                if (required) {
                    throw new IllegalArgumentException("--metrics-port " + port + ": the port is in use on this host; give another port, or "
                            + "--metrics-port 0 for none");
                }
                err.println("warning: metrics are not served: port " + port + " is in use on this host; give --metrics-port N for another "
                        + "port (0: none); the run goes on");
            } catch (IOException e) {
                metrics.close();
                throw new UncheckedIOException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
            }
        }
        return new RunWatch(status, metrics, server, ProgressLine.onStderr(status));
    }

    /** Everything that watches the run, in order: the status first, so the others read it up to date. */
    public RunObserver observer() {
        List<RunObserver> all = new ArrayList<>();
        all.add(status);
        if (metrics != null) {
            all.add(metrics);
        }
        all.add(line);
        return RunObserver.all(all);
    }

    public RunStatus status() {
        return status;
    }

    /** The port metrics are served on, or empty when they are not served. */
    public java.util.OptionalInt metricsPort() {
        return server == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(server.port());
    }

    /** Ends the progress line, so that results and messages printed next start on a line of their own. */
    public void endLine() {
        line.close();
    }

    @Override
    public void close() {
        line.close();
        if (server != null) {
            server.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }
}
