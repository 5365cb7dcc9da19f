package dev.reprise.codec;

import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

import java.nio.ByteBuffer;

/**
 * Avro's binary encoding read from one record's bytes, where every length and count read from the bytes
 * is checked against what the record can hold before anything is allocated or looped over.
 *
 * <p>Hand-written because Avro 1.12.1's {@code BinaryDecoder} checks a declared length only against
 * fixed limits: a string or bytes length above {@code Integer.MAX_VALUE - 8} throws
 * {@code UnsupportedOperationException}, a smaller one is allocated before the bytes are read (1.5 GB
 * for a record of a few bytes: {@code OutOfMemoryError}), and an array or map block count is allocated
 * as a collection of that capacity. Its system properties ({@code org.apache.avro.limits.string.maxLength},
 * {@code ...bytes.maxLength}, {@code ...collectionItems.maxLength}) are global to the JVM, read once, and
 * still not related to the record's size. Here the rule is the record's own: a length longer than the bytes
 * left is corrupt, a block of map entries (each key takes at least a byte) larger than the bytes left is
 * corrupt, and array items, which can take no bytes at all (null, an empty record), may exceed the bytes
 * of the record by at most {@link #ZERO_SIZE_ITEMS} in the whole record.
 *
 * <p>Failures are {@link PoisonRecordException}s with reason {@code corrupt-avro} that say where in the
 * datum the bad length was found. Not thread-safe; reset with {@link #reset} for each record.
 */
final class BoundedBinaryDecoder extends Decoder {
    /**
     * Array or map items beyond the record's byte count allowed in one record: items of a zero-byte type
     * (null, an empty record) take no bytes, so a count cannot be checked against the bytes alone. At 8 bytes
     * a slot this is at most half a megabyte of references for one record.
     */
    static final long ZERO_SIZE_ITEMS = 65_536;

    private byte[] buf;
    private int start;
    private int pos;
    private int limit;
    /** Items that the rest of the record may still declare in array and map blocks. */
    private long itemBudget;

    /** Reads {@code length} bytes of {@code bytes} from {@code offset}. */
    BoundedBinaryDecoder reset(byte[] bytes, int offset, int length) {
        this.buf = bytes;
        this.start = offset;
        this.pos = offset;
        this.limit = offset + length;
        this.itemBudget = length + ZERO_SIZE_ITEMS;
        return this;
    }

    /** Whether every byte of the datum was read. */
    boolean isEnd() {
        return pos == limit;
    }

    int remaining() {
        return limit - pos;
    }

    private PoisonRecordException corrupt(String what) {
        return new PoisonRecordException("corrupt-avro", what + " at byte " + (pos - start) + " of the " + (limit - start) + "-byte datum");
    }

    private void require(long n, String what) {
        if (n < 0) {
            throw corrupt(what + " has a negative length " + n);
        }
        if (n > limit - pos) {
            throw corrupt(what + " of " + n + " bytes is longer than the " + (limit - pos) + " bytes left");
        }
    }

    @Override
    public void readNull() {
    }

    @Override
    public boolean readBoolean() {
        require(1, "a boolean");
        // As Avro's BinaryDecoder: 1 is true, any other byte false.
        return buf[pos++] == 1;
    }

    @Override
    public int readInt() {
        int n = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos == limit) {
                throw corrupt("an int runs past the end");
            }
            int b = buf[pos++] & 0xff;
            n |= (b & 0x7f) << shift;
            if (b < 0x80) {
                return (n >>> 1) ^ -(n & 1);
            }
        }
        throw corrupt("an int is longer than 5 bytes");
    }

    @Override
    public long readLong() {
        long n = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos == limit) {
                throw corrupt("a long runs past the end");
            }
            long b = buf[pos++] & 0xff;
            n |= (b & 0x7f) << shift;
            if (b < 0x80) {
                return (n >>> 1) ^ -(n & 1);
            }
        }
        throw corrupt("a long is longer than 10 bytes");
    }

    @Override
    public float readFloat() {
        require(4, "a float");
        int bits = littleEndianInt(pos);
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() {
        require(8, "a double");
        long bits = (littleEndianInt(pos) & 0xffffffffL) | ((long) littleEndianInt(pos + 4) << 32);
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    private int littleEndianInt(int at) {
        return (buf[at] & 0xff) | (buf[at + 1] & 0xff) << 8 | (buf[at + 2] & 0xff) << 16 | (buf[at + 3] & 0xff) << 24;
    }

    /** A length read from the bytes, checked against the bytes left before it is used. */
    private int length(String what) {
        long length = readLong();
        require(length, what);
        return (int) length;
    }

    @Override
    public Utf8 readString(Utf8 old) {
        int length = length("a string");
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(length);
        System.arraycopy(buf, pos, result.getBytes(), 0, length);
        pos += length;
        return result;
    }

    @Override
    public String readString() {
        int length = length("a string");
        String s = new String(buf, pos, length, java.nio.charset.StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    @Override
    public void skipString() {
        pos += length("a string");
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) {
        int length = length("a bytes value");
        ByteBuffer result = old != null && old.hasArray() && old.capacity() >= length ? old.clear() : ByteBuffer.allocate(length);
        System.arraycopy(buf, pos, result.array(), result.arrayOffset(), length);
        result.limit(length);
        pos += length;
        return result;
    }

    @Override
    public void skipBytes() {
        pos += length("a bytes value");
    }

    @Override
    public void readFixed(byte[] bytes, int offset, int length) {
        require(length, "a fixed value");
        System.arraycopy(buf, pos, bytes, offset, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) {
        require(length, "a fixed value");
        pos += length;
    }

    @Override
    public int readEnum() {
        return readInt();
    }

    @Override
    public int readIndex() {
        return readInt();
    }

    /**
     * The item count of the next block of an array or map. A negative count is followed by the block's
     * size in bytes (Avro specification, "Complex types"), which must fit in the bytes left.
     */
    private long blockCount(String what, boolean itemsTakeBytes) {
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw corrupt(what + " block count " + count + " has no positive value");
            }
            count = -count;
            require(readLong(), what + " block");
        }
        return checkItems(count, what, itemsTakeBytes);
    }

    private long checkItems(long count, String what, boolean itemsTakeBytes) {
        if (itemsTakeBytes && count > limit - pos) {
            throw corrupt(what + " block of " + count + " entries is more than the " + (limit - pos) + " bytes left can hold");
        }
        if (count > itemBudget) {
            throw corrupt(what + " block of " + count + " items is more than a record of " + (limit - start)
                    + " bytes can hold (" + ZERO_SIZE_ITEMS + " items that take no bytes at most)");
        }
        itemBudget -= count;
        return count;
    }

    /** Skips blocks whose size in bytes is given and returns the count of the next block to skip item by item. */
    private long skipBlocks(String what, boolean itemsTakeBytes) {
        long count = readLong();
        while (count < 0) {
            long size = readLong();
            require(size, what + " block");
            pos += (int) size;
            count = readLong();
        }
        return checkItems(count, what, itemsTakeBytes);
    }

    @Override
    public long readArrayStart() {
        return blockCount("an array", false);
    }

    @Override
    public long arrayNext() {
        return blockCount("an array", false);
    }

    @Override
    public long skipArray() {
        return skipBlocks("an array", false);
    }

    @Override
    public long readMapStart() {
        return blockCount("a map", true);
    }

    @Override
    public long mapNext() {
        return blockCount("a map", true);
    }

    @Override
    public long skipMap() {
        return skipBlocks("a map", true);
    }
}
