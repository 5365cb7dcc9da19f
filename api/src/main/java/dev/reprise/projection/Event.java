package dev.reprise.projection;

import org.apache.avro.generic.GenericRecord;

/**
 * One event as a projection sees it: decoded, upcast to the latest version of its type, keyed by the
 * contract's ordering key and identified by its idempotency key.
 *
 * @param sequence the value of the contract's sequence field, or {@code null} when none is declared
 */
public record Event(String type, int version, String eventId, String key, long timestamp, Long sequence, GenericRecord payload) {

    public String text(String field) {
        Object value = payload.get(field);
        return value == null ? null : value.toString();
    }

    public long number(String field) {
        Object value = payload.get(field);
        if (!(value instanceof Number n)) {
            throw new InvalidEventException("missing-field", type + " has no numeric field '" + field + "'");
        }
        return n.longValue();
    }
}
