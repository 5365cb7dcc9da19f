package dev.reprise.drill;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * What a scenario did, beside the comparison with the clean run: its kills, its fuzzed records, its mutants... One record per
 * scenario; {@code reprise drill --json} writes its fields inline in the scenario's object, as they were before they had a type.
 */
sealed interface Facts {

    /**
     * @param kills             SIGKILLs that landed
     * @param killPointsPercent the run's progress at each kill
     * @param stateDirsDeleted  kills after which the instance's state directory was deleted too
     */
    record Crash(int kills, List<Double> killPointsPercent, int stateDirsDeleted) implements Facts {
    }

    /**
     * @param killedInstance   1 or 2, the instance killed
     * @param killedAtPercent the run's progress when it was
     */
    record InstanceLoss(int instances, int kills, int killedInstance, double killedAtPercent) implements Facts {
    }

    /** @param appRestarts times the app was started again after an outage; absent when the drill stopped before it knew */
    record BrokerRestart(List<BrokerStop> brokerStops, @JsonInclude(JsonInclude.Include.NON_NULL) Integer appRestarts) implements Facts {
    }

    /**
     * One stop of the broker under the run.
     *
     * @param stop        how: {@code SIGTERM (controlled shutdown)} or {@code SIGKILL}
     * @param atPercent   the run's progress when it was stopped
     * @param secondsDown how long it stayed down
     */
    record BrokerStop(String stop, double atPercent, double secondsDown) {
    }

    /**
     * @param decodableLeftOut fuzzed records that decoded by chance, left out (they would change the projection)
     * @param decoderEscapes   fuzzed records that made the decoder throw instead of naming a reason (each one a failure)
     * @param poisonReasons    reason code → poison records of it mixed in
     */
    record Poison(int recordsFuzzed, int poisonRecords, int decodableLeftOut, int decoderEscapes, Map<String, Long> poisonReasons)
            implements Facts {
    }

    /**
     * @param copies         copies of events published
     * @param copiesPerEvent how many per event, e.g. {@code 1 to 5}
     * @param copiesIn       which partitions they went to
     */
    record DuplicateStorm(int copies, String copiesPerEvent, String copiesIn) implements Facts {
    }

    /**
     * @param mutants  mutants tried
     * @param caught   of them, caught
     * @param skipped  of them, not run (nothing to break on this history)
     * @param outcomes each mutant's outcome
     */
    record Evidence(int mutants, long caught, long skipped, List<EvidenceDrill.Mutant> outcomes) implements Facts {
    }
}
