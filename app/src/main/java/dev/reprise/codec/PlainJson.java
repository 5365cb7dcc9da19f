package dev.reprise.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plain JSON for an Avro datum, and back, directed by the schema: one object per record with the schema's
 * field names, a union's value without Avro's {@code {"type": value}} wrapper, enums as their symbol,
 * timestamps as ISO-8601 strings, dates as {@code yyyy-mm-dd}, bytes as base64. It is what
 * {@code reprise evidence --json} prints, and what the {@code json} encoding writes to a topic.
 * <p>
 * Written here because Avro's own JSON encoding wraps every non-null union value in an object naming its
 * branch, which no JSON consumer expects, and its decoder reads nothing else. Reading back is exact for what
 * this class writes: a value read back encodes to the same Avro binary (maps keep their order), which keeps the
 * projection's checksum independent of the encoding.
 */
public final class PlainJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PlainJson() {
    }

    /** The JSON of a generic datum (no logical-type conversions: a timestamp is its long) of {@code schema}. */
    public static byte[] write(Schema schema, Object datum) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
            write(json, schema, datum);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator json, Schema schema, Object datum) throws IOException {
        switch (schema.getType()) {
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) datum;
                json.writeStartObject();
                for (Schema.Field f : schema.getFields()) {
                    json.writeFieldName(f.name());
                    write(json, f.schema(), record.get(f.pos()));
                }
                json.writeEndObject();
            }
            case UNION -> write(json, schema.getTypes().get(GenericData.get().resolveUnion(schema, datum)), datum);
            case ARRAY -> {
                json.writeStartArray();
                for (Object item : (Collection<?>) datum) {
                    write(json, schema.getElementType(), item);
                }
                json.writeEndArray();
            }
            case MAP -> {
                json.writeStartObject();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) datum).entrySet()) {
                    json.writeFieldName(e.getKey().toString());
                    write(json, schema.getValueType(), e.getValue());
                }
                json.writeEndObject();
            }
            case NULL -> json.writeNull();
            case BOOLEAN -> json.writeBoolean((Boolean) datum);
            case INT -> {
                if (schema.getLogicalType() instanceof LogicalTypes.Date) {
                    json.writeString(LocalDate.ofEpochDay((Integer) datum).toString());
                } else {
                    json.writeNumber((Integer) datum);
                }
            }
            case LONG -> {
                Instant time = instant(schema.getLogicalType(), (Long) datum);
                if (time != null) {
                    json.writeString(time.toString());
                } else {
                    json.writeNumber((Long) datum);
                }
            }
            case FLOAT -> {
                float f = (Float) datum;
                if (Float.isFinite(f)) {
                    json.writeNumber(f);
                } else {
                    json.writeString(Float.toString(f));
                }
            }
            case DOUBLE -> {
                double d = (Double) datum;
                if (Double.isFinite(d)) {
                    json.writeNumber(d);
                } else {
                    json.writeString(Double.toString(d));
                }
            }
            case STRING, ENUM -> json.writeString(datum.toString());
            case BYTES -> {
                ByteBuffer buffer = ((ByteBuffer) datum).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                json.writeString(Base64.getEncoder().encodeToString(bytes));
            }
            case FIXED -> json.writeString(Base64.getEncoder().encodeToString(((GenericFixed) datum).bytes()));
        }
    }

    private static Instant instant(LogicalType type, long value) {
        if (type instanceof LogicalTypes.TimestampMillis || type instanceof LogicalTypes.LocalTimestampMillis) {
            return Instant.ofEpochMilli(value);
        }
        if (type instanceof LogicalTypes.TimestampMicros || type instanceof LogicalTypes.LocalTimestampMicros) {
            return Instant.EPOCH.plus(value, ChronoUnit.MICROS);
        }
        return null;
    }

    /**
     * Reads what {@link #write} wrote, into a generic datum of {@code schema}. Fields the JSON does not hold take the
     * schema's default; fields the schema does not know are ignored (as Avro's schema resolution ignores them).
     *
     * @throws PoisonRecordException (reason {@code not-json-of-schema}) naming the field that does not fit
     */
    public static Object read(Schema schema, byte[] json) {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new PoisonRecordException("not-json-of-schema", "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return read(schema, tree, "");
    }

    private static Object read(Schema schema, JsonNode node, String path) {
        switch (schema.getType()) {
            case RECORD -> {
                if (!node.isObject()) {
                    throw mismatch(path, "an object for record " + schema.getName(), node);
                }
                GenericData.Record record = new GenericData.Record(schema);
                for (Schema.Field f : schema.getFields()) {
                    JsonNode value = node.get(f.name());
                    if (value == null) {
                        if (!f.hasDefaultValue()) {
                            throw new PoisonRecordException("not-json-of-schema", "field " + path + f.name() + " is missing and has no default");
                        }
                        record.put(f.pos(), GenericData.get().getDefaultValue(f));
                    } else {
                        record.put(f.pos(), read(f.schema(), value, path + f.name() + "."));
                    }
                }
                return record;
            }
            case UNION -> {
                List<Schema> branches = schema.getTypes();
                if (node.isNull() && branches.stream().anyMatch(b -> b.getType() == Schema.Type.NULL)) {
                    return null;
                }
                PoisonRecordException last = null;
                for (Schema branch : branches) {
                    if (branch.getType() == Schema.Type.NULL) {
                        continue;
                    }
                    try {
                        return read(branch, node, path);
                    } catch (PoisonRecordException e) {
                        last = e;
                    }
                }
                throw last != null ? last : mismatch(path, "null", node);
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw mismatch(path, "an array", node);
                }
                List<Object> out = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    out.add(read(schema.getElementType(), node.get(i), path + "[" + i + "]."));
                }
                return new GenericData.Array<>(schema, out);
            }
            case MAP -> {
                if (!node.isObject()) {
                    throw mismatch(path, "an object (a map)", node);
                }
                Map<String, Object> out = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    out.put(e.getKey(), read(schema.getValueType(), e.getValue(), path + e.getKey() + "."));
                }
                return out;
            }
            case NULL -> {
                if (!node.isNull()) {
                    throw mismatch(path, "null", node);
                }
                return null;
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw mismatch(path, "true or false", node);
                }
                return node.booleanValue();
            }
            case INT -> {
                if (schema.getLogicalType() instanceof LogicalTypes.Date && node.isTextual()) {
                    try {
                        return (int) LocalDate.parse(node.textValue()).toEpochDay();
                    } catch (DateTimeParseException e) {
                        throw mismatch(path, "a date yyyy-mm-dd", node);
                    }
                }
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    throw mismatch(path, "a whole number (int)", node);
                }
                return node.intValue();
            }
            case LONG -> {
                LogicalType type = schema.getLogicalType();
                if (node.isTextual() && instant(type, 0) != null) {
                    try {
                        Instant time = Instant.parse(node.textValue());
                        return type instanceof LogicalTypes.TimestampMillis || type instanceof LogicalTypes.LocalTimestampMillis
                                ? time.toEpochMilli() : ChronoUnit.MICROS.between(Instant.EPOCH, time);
                    } catch (DateTimeParseException | ArithmeticException e) {
                        throw mismatch(path, "an ISO-8601 time", node);
                    }
                }
                if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                    throw mismatch(path, "a whole number (long)", node);
                }
                return node.longValue();
            }
            case FLOAT -> {
                return node.isNumber() ? node.floatValue() : (float) nonFinite(node, path);
            }
            case DOUBLE -> {
                return node.isNumber() ? node.doubleValue() : nonFinite(node, path);
            }
            case STRING -> {
                if (!node.isTextual()) {
                    throw mismatch(path, "a string", node);
                }
                return node.textValue();
            }
            case ENUM -> {
                if (!node.isTextual() || !schema.hasEnumSymbol(node.textValue())) {
                    throw mismatch(path, "one of " + schema.getEnumSymbols(), node);
                }
                return new GenericData.EnumSymbol(schema, node.textValue());
            }
            case BYTES -> {
                return ByteBuffer.wrap(base64(node, path));
            }
            case FIXED -> {
                byte[] bytes = base64(node, path);
                if (bytes.length != schema.getFixedSize()) {
                    throw mismatch(path, schema.getFixedSize() + " bytes in base64", node);
                }
                return new GenericData.Fixed(schema, bytes);
            }
            default -> throw new IllegalStateException("Avro type " + schema.getType());
        }
    }

    private static double nonFinite(JsonNode node, String path) {
        if (node.isTextual()) {
            switch (node.textValue()) {
                case "NaN" -> {
                    return Double.NaN;
                }
                case "Infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-Infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                default -> {
                }
            }
        }
        throw mismatch(path, "a number", node);
    }

    private static byte[] base64(JsonNode node, String path) {
        try {
            if (node.isTextual()) {
                return Base64.getDecoder().decode(node.textValue());
            }
        } catch (IllegalArgumentException e) {
            // falls through to the error below
        }
        throw mismatch(path, "base64 text", node);
    }

    private static PoisonRecordException mismatch(String path, String expected, JsonNode node) {
        String field = path.isEmpty() ? "the value" : "field " + path.substring(0, path.length() - 1);
        String found = node.isContainerNode() ? node.getNodeType().toString().toLowerCase() : node.toString();
        return new PoisonRecordException("not-json-of-schema", field + ": expected " + expected + ", got "
                + (found.length() > 60 ? found.substring(0, 60) + "…" : found));
    }
}
