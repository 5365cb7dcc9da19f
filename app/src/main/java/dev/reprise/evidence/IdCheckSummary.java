package dev.reprise.evidence;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * What one id check task knows when every apply task has said how many event ids it sent it: the ids it received
 * from each, and the ids claimed twice (an event id applied for events of two apply tasks, so under two ordering keys).
 *
 * @param runId     the run that wrote it
 * @param partition the id check task
 * @param expected  per apply task ("0", "1", …): the claims that task says it sent here
 * @param received  per apply task: the claims of this run received here
 * @param conflicts ids claimed a second time from another place: events applied twice
 * @param samples   the first few of those
 */
public record IdCheckSummary(String runId, int partition, Map<String, Long> expected, Map<String, Long> received, long conflicts,
                             List<Sample> samples) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public IdCheckSummary {
        expected = expected == null ? Map.of() : expected;
        received = received == null ? Map.of() : received;
        samples = samples == null ? List.of() : samples;
    }

    /** An event id applied twice: where it was applied first, and the second event (its ordering key and where it was read). */
    public record Sample(String eventId, String orderingKey, String firstRead, String secondRead) {
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws UncheckedIOException when the bytes are not such a summary */
    public static IdCheckSummary fromJson(byte[] json) {
        try {
            return JSON.readValue(json, IdCheckSummary.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
