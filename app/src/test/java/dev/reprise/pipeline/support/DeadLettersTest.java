package dev.reprise.pipeline.support;

import dev.reprise.codec.PoisonRecordException;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLettersTest {
    static String header(Headers headers, String name) {
        return headers.lastHeader(name) == null ? null : new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aRecordWithinTheBoundIsCopiedWholeWithItsSizesAndDigests() {
        DeadLetters.Letter letter = DeadLetters.letter("run", "decode", new PoisonRecordException("corrupt-avro", "bad"), "t", 1, 2L,
                "k".getBytes(StandardCharsets.UTF_8), new byte[]{1, 2, 3}, 100);

        assertThat(letter.key()).containsExactly('k');
        assertThat(letter.value()).containsExactly(1, 2, 3);
        assertThat(header(letter.headers(), DeadLetters.TRUNCATED)).isEqualTo("false");
        assertThat(header(letter.headers(), DeadLetters.VALUE_SIZE)).isEqualTo("3");
        assertThat(header(letter.headers(), DeadLetters.VALUE_SHA256)).isEqualTo("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81");
        assertThat(header(letter.headers(), DeadLetters.KEY_SIZE)).isEqualTo("1");
        assertThat(header(letter.headers(), DeadLetters.OFFSET)).isEqualTo("2");
    }

    @Test
    void pastTheBoundKeyAndValueAreCutTogetherToTheBoundAndATombstoneStaysWithoutAValue() {
        DeadLetters.Letter letter = DeadLetters.letter("run", "decode", new PoisonRecordException("x", "y"), "t", 0, 0L,
                new byte[5_000], new byte[10_000], 1_024);
        DeadLetters.Letter tombstone = DeadLetters.letter("run", "decode", new PoisonRecordException("null-value", "y"), "t", 0, 0L,
                new byte[5_000], null, 1_024);

        assertThat(letter.key()).hasSize(128);
        assertThat(letter.value()).hasSize(1_024 - 128);
        assertThat(header(letter.headers(), DeadLetters.TRUNCATED)).isEqualTo("true");
        assertThat(header(letter.headers(), DeadLetters.KEY_SIZE)).isEqualTo("5000");
        assertThat(header(letter.headers(), DeadLetters.VALUE_SIZE)).isEqualTo("10000");
        assertThat(tombstone.value()).isNull();
        assertThat(tombstone.key()).hasSize(128);
        assertThat(header(tombstone.headers(), DeadLetters.VALUE_SIZE)).isNull();
    }

    @Test
    void aLongReasonIsCutOnACharacterBoundaryAndSaysSo() {
        String reason = "kind '" + "ж".repeat(100_000) + "' is not RECEIVED";
        DeadLetters.Letter letter = DeadLetters.letter("run", "decode", new PoisonRecordException("unknown-kind", reason), "t", 0, 0L,
                null, new byte[1], 1_024);

        byte[] header = letter.headers().lastHeader(DeadLetters.REASON).value();
        assertThat(header.length).isLessThanOrEqualTo(DeadLetters.MAX_REASON_BYTES);
        String text = new String(header, StandardCharsets.UTF_8);
        assertThat(text).startsWith("kind 'жж").endsWith("(cut; " + reason.getBytes(StandardCharsets.UTF_8).length + " bytes in all)")
                .doesNotContain("\uFFFD");
        assertThat(letter.reason()).isEqualTo(text);
        assertThat(DeadLetters.code("x".repeat(500)).getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(DeadLetters.MAX_CODE_BYTES);
    }
}
