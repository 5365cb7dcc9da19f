/**
 * Watching a run from outside the process: its state, progress, rate and ETA ({@link dev.reprise.metrics.RunStatus}),
 * Prometheus metrics through Micrometer ({@link dev.reprise.metrics.ReplayMetrics}), and the HTTP endpoints that serve
 * them with health and status ({@link dev.reprise.metrics.MetricsServer}). Fed by the runner through
 * {@link dev.reprise.runner.RunObserver}; nothing in the pipeline depends on this package.
 */
package dev.reprise.metrics;
