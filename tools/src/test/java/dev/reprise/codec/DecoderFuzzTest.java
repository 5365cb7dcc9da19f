package dev.reprise.codec;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.drill.FuzzedRecords;
import dev.reprise.drill.SourceOracle;
import dev.reprise.plan.CompiledContract;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of random and mutated records of every encoding and every event schema in schemas/, from a
 * fixed seed, through the decoder, the upcasters and the key and id extraction as the source stage runs
 * them ({@link SourceOracle}): every record becomes an event or a {@link PoisonRecordException}, none
 * escapes with another exception or error.
 *
 * <p>Regression: before the decoder bounded lengths by the record's size, 4% of random bodies behind a
 * valid header escaped (Avro's UnsupportedOperationException for a length above Integer.MAX_VALUE - 8,
 * OutOfMemoryError for a length of 1.5 GB) and stopped every replay and restart.
 */
class DecoderFuzzTest {
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();
    static final int PER_SCHEMA = 900;

    static Contract contract(String file, Contract.Encoding encoding) {
        try {
            String yaml = Files.readString(CONFIG.resolve(file));
            if (encoding == Contract.Encoding.SINGLE_OBJECT) {
                yaml = yaml.replace("encoding: confluent", "encoding: single-object");
            }
            return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The id map of the schemas directory: the contract's resolver, or (single-object encoding) the file itself. */
    static LocalIdMap ids(CompiledContract codecs) {
        return codecs.resolver() instanceof LocalIdMap map ? map
                : LocalIdMap.load(CONFIG.resolve("../schemas/registry-ids.yaml").normalize(), codecs.catalog());
    }

    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource({"inventory.yaml, CONFLUENT", "inventory.yaml, SINGLE_OBJECT", "invoice.yaml, CONFLUENT", "invoice.yaml, SINGLE_OBJECT"})
    void everyFuzzedRecordBecomesAnEventOrPoisonNeverAnEscape(String file, Contract.Encoding encoding) {
        Contract contract = contract(file, encoding);
        assertThat(contract.history().encoding()).isEqualTo(encoding);
        CompiledContract codecs = CompiledContract.forContract(contract);
        SourceOracle oracle = new SourceOracle(contract, codecs);
        FuzzedRecords fuzz = new FuzzedRecords(codecs.catalog(), ids(codecs), encoding, FuzzedRecords.SEED);
        List<FuzzedRecords.Fuzzed> records = fuzz.generate(PER_SCHEMA);

        Map<FuzzedRecords.Kind, int[]> byKind = new EnumMap<>(FuzzedRecords.Kind.class);
        Map<String, Integer> reasons = new TreeMap<>();
        List<String> escapes = new ArrayList<>();
        for (FuzzedRecords.Fuzzed f : records) {
            SourceOracle.Outcome outcome = oracle.classify(f.value());
            int[] counts = byKind.computeIfAbsent(f.kind(), k -> new int[3]);
            if (outcome.escape() != null) {
                counts[2]++;
                if (escapes.size() < 20) {
                    escapes.add(f + ": " + outcome.escape());
                }
            } else if (!outcome.isPoison()) {
                counts[0]++;
            } else {
                counts[1]++;
                reasons.merge(outcome.reasonCode(), 1, Integer::sum);
                assertThat(outcome.message()).as("the reason of " + f).isNotBlank();
            }
        }
        int escaped = byKind.values().stream().mapToInt(c -> c[2]).sum();
        StringBuilder table = new StringBuilder(file + " " + encoding + ", seed " + FuzzedRecords.SEED + ", " + records.size() + " records (kind: events/poison/escapes):");
        byKind.forEach((k, c) -> table.append("\n  ").append(k).append(": ").append(c[0]).append('/').append(c[1]).append('/').append(c[2]));
        table.append("\n  reasons: ").append(reasons).append("\n  escapes: ").append(escaped);
        System.out.println(table);

        assertThat(escapes).as(table.toString()).isEmpty();
        assertThat(byKind.get(FuzzedRecords.Kind.VALID)[0]).as("valid events with plausible values decode: the fuzzer is not all noise").isPositive();
        assertThat(byKind.get(FuzzedRecords.Kind.HOSTILE_LENGTH)[0]).as("no hostile length decodes").isZero();
        assertThat(records).hasSizeGreaterThan(5_000);
    }

    /**
     * The bounded decoder reads what Avro's own decoder reads: on every fuzzed record that Avro's
     * BinaryDecoder decodes (or rejects) without an escape, both give the same record (or both reject it).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"CONFLUENT", "SINGLE_OBJECT"})
    void boundedDecodingAgreesWithAvrosOwnDecoderWhereverAvrosDoesNotEscape(Contract.Encoding encoding) {
        Contract contract = contract("inventory.yaml", encoding);
        CompiledContract codecs = CompiledContract.forContract(contract);
        LocalIdMap ids = ids(codecs);
        EventDecoder decoder = codecs.newDecoder();
        int compared = 0;
        int decoded = 0;
        for (FuzzedRecords.Fuzzed f : new FuzzedRecords(codecs.catalog(), ids, encoding, FuzzedRecords.SEED + 1).generate(300)) {
            if (f.kind() == FuzzedRecords.Kind.HOSTILE_LENGTH) {
                continue; // Avro's decoder allocates the declared length first: 1.5 GB, or an exception of its own
            }
            GenericRecord reference;
            try {
                reference = avroDecode(f.value(), encoding, ids, codecs.catalog());
            } catch (IOException | RuntimeException e) {
                reference = null;
            }
            GenericRecord ours;
            try {
                ours = decoder.decode(f.value()).record();
            } catch (PoisonRecordException e) {
                ours = null;
            }
            assertThat(ours).as(f + " decodes as with Avro's decoder").isEqualTo(reference);
            compared++;
            decoded += ours == null ? 0 : 1;
        }
        assertThat(compared).isGreaterThan(2_000);
        assertThat(decoded).as("enough records decode to compare fields").isGreaterThan(200);
    }

    /** The decoding as it was before lengths were bounded: Avro's BinaryDecoder and datum reader. */
    private static GenericRecord avroDecode(byte[] value, Contract.Encoding encoding, LocalIdMap ids, SchemaCatalog catalog) throws IOException {
        int offset = encoding == Contract.Encoding.CONFLUENT ? ConfluentWireFormat.HEADER_LENGTH : SingleObjectFormat.HEADER_LENGTH;
        Schema writer = encoding == Contract.Encoding.CONFLUENT ? ids.byId(ConfluentWireFormat.schemaId(value))
                : catalog.byFingerprint(SingleObjectFormat.fingerprint(value)).orElseThrow(() -> new PoisonRecordException("x", "unknown"));
        Schema reader = catalog.event(SchemaCatalog.eventType(writer), SchemaCatalog.version(writer)).orElse(writer);
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, offset, value.length - offset, null);
        GenericRecord record = new GenericDatumReader<GenericRecord>(writer, reader).read(null, in);
        return in.isEnd() ? record : null;
    }

    @Test
    void theSameSeedGivesTheSameRecords() {
        Contract contract = contract("inventory.yaml", Contract.Encoding.CONFLUENT);
        CompiledContract codecs = CompiledContract.forContract(contract);
        List<FuzzedRecords.Fuzzed> a = new FuzzedRecords(codecs.catalog(), (LocalIdMap) codecs.resolver(), Contract.Encoding.CONFLUENT, 7).generate(50);
        List<FuzzedRecords.Fuzzed> b = new FuzzedRecords(codecs.catalog(), (LocalIdMap) codecs.resolver(), Contract.Encoding.CONFLUENT, 7).generate(50);
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).value()).as("record " + i).isEqualTo(b.get(i).value());
        }
    }
}
