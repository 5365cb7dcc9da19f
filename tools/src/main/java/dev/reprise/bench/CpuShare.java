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
    private final double machineBusySeconds;
    private final long wallNanos;

    private CpuShare(Map<Long, Long> threadNanos, Map<Long, String> names, long processNanos, double brokerSeconds) {
        this.threadNanos = threadNanos;
        this.names = names;
        this.processNanos = processNanos;
        this.brokerSeconds = brokerSeconds;
        this.machineBusySeconds = machineBusySeconds();
        this.wallNanos = System.nanoTime();
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

    /**
     * The cores that other work on the machine used on average since {@code before}: every CPU second the machine spent
     * busy (including time the hypervisor gave to other guests, "steal") minus this process's and the broker's. Unlike
     * the load average, it does not count the benchmark's own threads, so a round it flags was really shared. NaN where
     * the machine's CPU time cannot be read (not Linux).
     */
    double otherWorkCores(CpuShare before) {
        double wall = (wallNanos - before.wallNanos) / 1e9;
        if (Double.isNaN(machineBusySeconds) || Double.isNaN(before.machineBusySeconds) || wall <= 0) {
            return Double.NaN;
        }
        double ours = (processNanos - before.processNanos) / 1e9 + (brokerSeconds - before.brokerSeconds);
        return Math.max(0, (machineBusySeconds - before.machineBusySeconds - ours) / wall);
    }

    /**
     * The machine's busy CPU seconds since boot, from the first line of /proc/stat (user, nice, system, irq, softirq and
     * steal ticks; idle and iowait are not busy). Read by hand: no library of this ecosystem exposes it. Linux counts in
     * USER_HZ, 100 per second on every architecture Java runs on (getconf CLK_TCK).
     */
    static double machineBusySeconds() {
        try {
            String[] f = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
            if (!f[0].equals("cpu") || f.length < 9) {
                return Double.NaN;
            }
            long ticks = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7])
                    + Long.parseLong(f[8]);
            return ticks / 100.0;
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
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
