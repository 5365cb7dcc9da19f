package dev.reprise.codec;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.ResolvingDecoder;

import java.io.IOException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A datum reader for schemas that contain themselves (a record with a field of its own type, directly or
 * not), which refuses records nested deeper than a limit instead of running out of stack. Avro's reader
 * goes down a record in Java recursion, a few frames per level; a record of a recursive schema can nest
 * once per byte or two, so a record of a megabyte would overflow any thread's stack.
 *
 * <p>Uses Avro's resolving reader rather than its faster generated one (fast reader disabled), since only
 * the former reads through the one method that is counted here; schemas without recursion keep the fast reader.
 */
final class DepthLimitedReader extends GenericDatumReader<GenericRecord> {
    private static final GenericData RESOLVING = resolvingOnly();
    private final int maxDepth;
    private int depth;

    DepthLimitedReader(Schema writer, Schema reader, int maxDepth) {
        super(writer, reader, RESOLVING);
        this.maxDepth = maxDepth;
    }

    private static GenericData resolvingOnly() {
        GenericData data = new GenericData();
        data.setFastReaderEnabled(false);
        return data;
    }

    @Override
    public GenericRecord read(GenericRecord reuse, Decoder in) throws IOException {
        depth = 0;
        return super.read(reuse, in);
    }

    @Override
    protected Object read(Object old, Schema expected, ResolvingDecoder in) throws IOException {
        Schema.Type type = expected.getType();
        boolean nests = type == Schema.Type.RECORD || type == Schema.Type.ARRAY || type == Schema.Type.MAP;
        if (nests && ++depth > maxDepth) {
            throw new PoisonRecordException("nesting-too-deep", "records, arrays and maps nest deeper than " + maxDepth + " levels");
        }
        try {
            return super.read(old, expected, in);
        } finally {
            if (nests) {
                depth--;
            }
        }
    }

    /** Whether a record of {@code schema} can contain a record of the same schema. */
    static boolean isRecursive(Schema schema) {
        return reachesItself(schema, identitySet(), identitySet());
    }

    private static Set<Schema> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }

    /** Depth-first over the schema graph: a record met again on the current path is a cycle; {@code done} has none below it. */
    private static boolean reachesItself(Schema s, Set<Schema> path, Set<Schema> done) {
        switch (s.getType()) {
            case RECORD -> {
                if (done.contains(s)) {
                    return false;
                }
                if (!path.add(s)) {
                    return true;
                }
                for (Schema.Field f : s.getFields()) {
                    if (reachesItself(f.schema(), path, done)) {
                        return true;
                    }
                }
                path.remove(s);
                done.add(s);
                return false;
            }
            case ARRAY -> {
                return reachesItself(s.getElementType(), path, done);
            }
            case MAP -> {
                return reachesItself(s.getValueType(), path, done);
            }
            case UNION -> {
                for (Schema branch : s.getTypes()) {
                    if (reachesItself(branch, path, done)) {
                        return true;
                    }
                }
                return false;
            }
            default -> {
                return false;
            }
        }
    }
}
