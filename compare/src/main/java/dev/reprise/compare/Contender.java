package dev.reprise.compare;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The rebuilds compared, each started as processes of its own and timed from the command to its end. */
public enum Contender {
    /** {@code reprise replay}: plans, resets the group's offsets, runs and exits with the verdict, in one process. */
    REPRISE_REPLAY("replay", "Reprise: reprise replay"),
    /** The same as three commands, as an operator runs them: {@code reprise plan}, {@code reset --execute}, {@code run}. */
    REPRISE_STEPS("steps", "Reprise: plan; reset --execute; run"),
    /** {@link dev.reprise.compare.flink.FlinkRebuild} in a local MiniCluster. */
    FLINK("flink", "Flink 2.2 job (MiniCluster)"),
    /** {@link dev.reprise.compare.streams.StreamsRebuild}. */
    KAFKA_STREAMS("streams", "Kafka Streams DSL app");

    private final String id;
    private final String label;

    Contender(String id, String label) {
        this.id = id;
        this.label = label;
    }

    public String id() {
        return id;
    }

    public String label() {
        return label;
    }

    public static Contender byId(String id) {
        for (Contender c : values()) {
            if (c.id.equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("--only: expected replay, steps, flink or streams, got '" + id + "'");
    }

    /** The moments of a Reprise run: its "New run" line and the evidence's started_at and ended_at (from --json). */
    static Map<String, Long> repriseBreakdown(Measured run, long jvmStartMillis) {
        Map<String, Long> out = new LinkedHashMap<>();
        Measured.Line newRun = run.firstLine("New run ");
        Long[] evidence = evidenceTimes(run);
        if (newRun == null || evidence == null) {
            return out;
        }
        out.put("jvm_start", jvmStartMillis);
        out.put("cli_contract_plan_reset", newRun.atMillis() - jvmStartMillis);
        out.put("streams_start_to_first_record", evidence[0] - newRun.atMillis());
        out.put("replay_first_record_to_final_evidence", evidence[1] - evidence[0]);
        out.put("close_and_exit", run.wallMillis() - evidence[1]);
        return out;
    }

    /** started_at and ended_at of the evidence printed with --json, in milliseconds from the process's start. */
    static Long[] evidenceTimes(Measured run) {
        String json = run.stdout().trim();
        int last = json.lastIndexOf("\n{");
        json = last >= 0 ? json.substring(last + 1) : json;
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            long started = Instant.parse(node.get("started_at").asText()).toEpochMilli() - run.startEpoch();
            long ended = Instant.parse(node.get("ended_at").asText()).toEpochMilli() - run.startEpoch();
            return new Long[]{started, ended};
        } catch (Exception e) {
            return null;
        }
    }

    static String verdict(Measured run) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.stdout().trim()).get("confidence_status").asText();
        } catch (Exception e) {
            return "none";
        }
    }

    /** Parts between consecutive phases that the process reported, then from the last to its exit. */
    static Map<String, Long> phaseBreakdown(Measured run, List<String> order) {
        Map<String, Long> out = new LinkedHashMap<>();
        List<String> present = new ArrayList<>();
        for (String p : order) {
            if (run.phases().containsKey(p)) {
                present.add(p);
            }
        }
        long previous = 0;
        String from = "process_start";
        for (String p : present) {
            long at = run.phases().get(p);
            out.put(from + "_to_" + p, at - previous);
            previous = at;
            from = p;
        }
        out.put(from + "_to_exit", run.wallMillis() - previous);
        return out;
    }
}
