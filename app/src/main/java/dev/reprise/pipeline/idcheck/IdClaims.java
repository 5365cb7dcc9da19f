package dev.reprise.pipeline.idcheck;

import dev.reprise.compat.Partitions;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The records the apply tasks send to the id check ({@link IdCheckStage}), over a repartition topic keyed by event id.
 *
 * <p>Each apply task has its own dedup set, so an event id reused under two ordering keys of different tasks is met by
 * neither. Every event an apply task applies is therefore claimed, by id, at the id check task of that id: a second
 * claim of an id from another place is an event applied twice. An apply task that has ended sends every id check task
 * an end with the number of claims it sent there, so the id check proves it received them all.
 *
 * <p>Wire format, hand-written because it is small and on the hot path (one entry per applied event, batched): a kind
 * byte ({@link #CLAIMS} or {@link #END}), the run's 8-byte state prefix, the apply task (int); then for claims, entries
 * of id (2-byte length first), digest (long), source index (int), source offset (long), ordering key (2-byte length
 * first, cut to {@value #MAX_KEY_BYTES} bytes: it is only named in samples); for an end, the claims sent (long).
 */
public final class IdClaims {
    public static final byte CLAIMS = 1;
    public static final byte END = 2;
    static final int MAX_KEY_BYTES = 200;
    static final int MAX_BATCH_BYTES = 256 * 1024;
    private static final int HEADER = 1 + 8 + 4;

    private IdClaims() {
    }

    /** One claim: event id, the digest of the event it was applied with, where it was read, and its ordering key. */
    public record Claim(byte[] id, long digest, int source, long offset, byte[] key) {
    }

    /** A decoded record of the id check's topic. */
    public record Decoded(byte kind, byte[] runPrefix, int applyTask, List<Claim> claims, long sent) {
    }

    /** The id check task of an event id, out of {@code tasks}. */
    public static int taskOf(byte[] id, int tasks) {
        return Partitions.ofKey(id, tasks);
    }

    public static byte[] end(byte[] runPrefix, int applyTask, long sent) {
        return ByteBuffer.allocate(HEADER + 8).put(END).put(runPrefix, 0, 8).putInt(applyTask).putLong(sent).array();
    }

    /** @throws IllegalArgumentException when the bytes are not such a record (a record written by something else) */
    public static Decoded decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte kind = in.get();
            byte[] prefix = new byte[8];
            in.get(prefix);
            int task = in.getInt();
            if (kind == END) {
                return new Decoded(kind, prefix, task, List.of(), in.getLong());
            }
            if (kind != CLAIMS) {
                throw new IllegalArgumentException("unknown kind " + kind);
            }
            List<Claim> claims = new ArrayList<>();
            while (in.hasRemaining()) {
                byte[] id = new byte[in.getShort() & 0xFFFF];
                in.get(id);
                long digest = in.getLong();
                int source = in.getInt();
                long offset = in.getLong();
                byte[] key = new byte[in.getShort() & 0xFFFF];
                in.get(key);
                claims.add(new Claim(id, digest, source, offset, key));
            }
            return new Decoded(kind, prefix, task, claims, 0);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a record of the id check: " + e, e);
        }
    }

    /** An apply task's claims waiting to be sent, one batch per id check task, and how many it has sent to each. */
    public static final class Batches {
        private final byte[] runPrefix;
        private final int applyTask;
        private final ByteArrayOutputStream[] open;
        private final long[] pending;

        public Batches(byte[] runPrefix, int applyTask, int tasks) {
            this.runPrefix = Arrays.copyOf(runPrefix, 8);
            this.applyTask = applyTask;
            this.open = new ByteArrayOutputStream[tasks];
            this.pending = new long[tasks];
        }

        public int tasks() {
            return open.length;
        }

        /**
         * Adds a claim; when its task's batch is full, hands it to {@code send} with the task and the number of claims in it.
         */
        public void add(byte[] id, long digest, int source, long offset, byte[] key, Sender send) {
            int task = taskOf(id, open.length);
            ByteArrayOutputStream out = open[task];
            if (out == null) {
                out = new ByteArrayOutputStream(4096);
                out.writeBytes(ByteBuffer.allocate(HEADER).put(CLAIMS).put(runPrefix, 0, 8).putInt(applyTask).array());
                open[task] = out;
            }
            int keyLength = Math.min(key.length, MAX_KEY_BYTES);
            ByteBuffer entry = ByteBuffer.allocate(2 + id.length + 8 + 4 + 8 + 2 + keyLength);
            entry.putShort((short) id.length).put(id).putLong(digest).putInt(source).putLong(offset).putShort((short) keyLength).put(key, 0, keyLength);
            out.writeBytes(entry.array());
            pending[task]++;
            if (out.size() >= MAX_BATCH_BYTES) {
                take(task, send);
            }
        }

        /** Hands every partly filled batch to {@code send}. */
        public void takeAll(Sender send) {
            for (int task = 0; task < open.length; task++) {
                take(task, send);
            }
        }

        public boolean isEmpty() {
            for (ByteArrayOutputStream out : open) {
                if (out != null) {
                    return false;
                }
            }
            return true;
        }

        private void take(int task, Sender send) {
            ByteArrayOutputStream out = open[task];
            if (out == null) {
                return;
            }
            open[task] = null;
            long claims = pending[task];
            pending[task] = 0;
            send.send(task, out.toByteArray(), claims);
        }

        /** The end record for {@code task}: this apply task has sent it {@code sent} claims in all. */
        public byte[] end(int task, long sent) {
            return IdClaims.end(runPrefix, applyTask, sent);
        }
    }

    /** Receives a batch to send: the id check task, the record, and the claims it holds. */
    @FunctionalInterface
    public interface Sender {
        void send(int task, byte[] record, long claims);
    }
}
