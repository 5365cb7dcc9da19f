package dev.reprise.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a measured run spent CPU: the CPU time of every Java thread of the process, taken before and
 * after, grouped by what the thread does (stream threads, producer I/O, broker request handlers…),
 * plus the process total, whose remainder is the threads that are not Java threads: the JVM's garbage
 * collection and JIT compiler, RocksDB's flushes and compactions (and Java threads that ended during the run).
 * The broker runs in a process of its own; its CPU time is taken from that process.
 */
final class CpuShare {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> threadNanos;
    private final Map<Long, String> names;
    private final long processNanos;
    private final double brokerSeconds;

    private CpuShare(Map<Long, Long> threadNanos, Map<Long, String> names, long processNanos, double brokerSeconds) {
        this.threadNanos = threadNanos;
        this.names = names;
        this.processNanos = processNanos;
        this.brokerSeconds = brokerSeconds;
    }

    /** @param brokerSeconds CPU seconds used so far by the broker, which runs in a process of its own */
    static CpuShare now(double brokerSeconds) {
        Map<Long, Long> nanos = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = THREADS.getThreadCpuTime(info.getThreadId());
            if (cpu >= 0) {
                nanos.put(info.getThreadId(), cpu);
                names.put(info.getThreadId(), info.getThreadName());
            }
        }
        return new CpuShare(nanos, names, processCpuNanos(), brokerSeconds);
    }

    /** CPU seconds spent since {@code before}, by role, with "process" the whole process. */
    Map<String, Double> since(CpuShare before) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String role : new String[]{"broker_process", "process", "stream_threads", "producer_io", "consumer_io",
                "other_java_threads", "native_gc_jit_rocksdb"}) {
            out.put(role, 0.0);
        }
        double javaThreads = 0;
        for (Map.Entry<Long, Long> e : threadNanos.entrySet()) {
            long spent = e.getValue() - before.threadNanos.getOrDefault(e.getKey(), 0L);
            double seconds = spent / 1e9;
            javaThreads += seconds;
            out.merge(role(names.get(e.getKey())), seconds, Double::sum);
        }
        double process = (processNanos - before.processNanos) / 1e9;
        out.put("process", process);
        out.put("broker_process", brokerSeconds - before.brokerSeconds);
        out.put("native_gc_jit_rocksdb", Math.max(0, process - javaThreads));
        out.replaceAll((k, v) -> Math.round(v * 100) / 100.0);
        return out;
    }

    static String role(String name) {
        if (name.startsWith("kafka-producer-network-thread")) {
            return "producer_io";
        }
        if (name.contains("StreamThread")) {
            return "stream_threads";
        }
        if (name.startsWith("consumer_background_thread") || name.contains("heartbeat")) {
            return "consumer_io";
        }
        return "other_java_threads";
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
