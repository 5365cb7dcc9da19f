package dev.reprise.codec;

import org.apache.avro.generic.GenericRecord;

final class WireFormatTestSupport {
    private WireFormatTestSupport() {
    }

    static byte[] datum(GenericRecord r) {
        try {
            return WireFormatTest.datum(r);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
