package dev.reprise.contract;

import dev.reprise.Cli;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContractLoaderTest {
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();
    static final String VALID = """
            name: t
            application_id: reprise-t
            history:
              topics: [events]
              schemas:
                directory: ../schemas
                id_map: ../schemas/registry-ids.yaml
            ordering:
              key_field: sku
            idempotency:
              event_id_field: event_id
            projection:
              name: inventory-levels
              topic: out
            evidence:
              topic: evidence
            dead_letter:
              topic: dlq
            allowed_write_topics: [out, evidence, dlq]
            """;

    static Contract parse(String yaml) {
        return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG, null);
    }

    @Test
    void theShippedContractsLoad() {
        Contract inventory = ContractLoader.load(CONFIG.resolve("inventory.yaml"));
        Contract invoice = ContractLoader.load(CONFIG.resolve("invoice.yaml"));

        assertThat(inventory.projection().name()).isEqualTo("inventory-levels");
        assertThat(inventory.history().keyedByOrderingKey()).isFalse();
        assertThat(inventory.processing().guarantee()).isEqualTo("exactly_once_v2");
        assertThat(invoice.ordering().sequenceField()).isEqualTo("seq");
        assertThat(invoice.history().keyedByOrderingKey()).isTrue();
        assertThat(inventory.hash()).hasSize(64);
    }

    @Test
    void defaultsScopeToEverythingPlannedAtStart() {
        Contract c = parse(VALID);

        assertThat(c.scope().from()).isInstanceOf(Position.Earliest.class);
        assertThat(c.scope().to()).isInstanceOf(Position.LatestAtStart.class);
        assertThat(c.processing().bounded()).isTrue();
        assertThat(c.evidence().maxDeadLetterRatio()).isEqualTo(0.01);
        // An empty rebuild or one made of a fraction of its history is never trusted; promote changes at most 10% of live keys.
        assertThat(c.evidence().minEventsProcessed()).isEqualTo(1);
        assertThat(c.evidence().minProjectionKeys()).isEqualTo(1);
        assertThat(c.evidence().untrustedDeadLetterRatio()).isEqualTo(0.5);
        assertThat(c.promote().maxChangedRatio()).isEqualTo(0.1);
    }

    @Nested
    class TheHistoryIsNeverAWriteTarget {
        @Test
        void aHistoryTopicInAllowedWriteTopicsIsRefused() {
            // Regression: a contract listing its own history could 'promote' 400 projection states into it.
            assertThatThrownBy(() -> parse(VALID.replace("allowed_write_topics: [out, evidence, dlq]", "allowed_write_topics: [out, evidence, dlq, events]")))
                    .isInstanceOf(ContractException.class)
                    .satisfies(e -> assertThat(((ContractException) e).field()).isEqualTo("allowed_write_topics"))
                    .hasMessageContaining("'events' is a history topic");
        }

        @Test
        void aGroundTruthReferenceIsNotWritable() {
            String yaml = VALID.replace("allowed_write_topics: [out, evidence, dlq]", "allowed_write_topics: [out, evidence, dlq, truth]")
                    + "reconciliation:\n  reference_topic: truth\n  reference_must_match: true\n";
            assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ContractException.class).hasMessageContaining("ground-truth reference");
            // The live projection as a reference (differences expected) stays the promote target.
            assertThat(parse(yaml.replace("reference_must_match: true", "reference_must_match: false")).allowedWriteTopics()).contains("truth");
        }

        @Test
        void theHardDeadLetterLimitIsNotBelowTheDegradedOne() {
            assertThatThrownBy(() -> parse(VALID.replace("  topic: evidence\n", "  topic: evidence\n  max_dead_letter_ratio: 0.2\n  untrusted_dead_letter_ratio: 0.1\n")))
                    .isInstanceOf(ContractException.class).hasMessageContaining("evidence.untrusted_dead_letter_ratio");
        }

        @Test
        void verdictAndPromoteLimitsAreRead() {
            Contract c = parse(VALID.replace("  topic: evidence\n", "  topic: evidence\n  min_events_processed: 0\n  min_projection_keys: 5\n  untrusted_dead_letter_ratio: 0.3\n")
                    + "promote:\n  max_changed_ratio: 0.25\n");
            assertThat(c.evidence().minEventsProcessed()).isZero();
            assertThat(c.evidence().minProjectionKeys()).isEqualTo(5);
            assertThat(c.evidence().untrustedDeadLetterRatio()).isEqualTo(0.3);
            assertThat(c.promote().maxChangedRatio()).isEqualTo(0.25);
        }
    }

    @Nested
    class OutputEncodings {
        @Test
        void outputsFollowTheHistorysEncodingUnlessTold() {
            Contract confluent = parse(VALID);
            assertThat(confluent.evidence().encoding()).isEqualTo(Contract.ValueEncoding.CONFLUENT);
            assertThat(confluent.projection().encoding()).isEqualTo(Contract.ValueEncoding.CONFLUENT);

            Contract singleObject = parse(VALID.replace("  topics: [events]\n", "  topics: [events]\n  encoding: single-object\n"));
            assertThat(singleObject.evidence().encoding()).isEqualTo(Contract.ValueEncoding.SINGLE_OBJECT);
            assertThat(singleObject.projection().encoding()).isEqualTo(Contract.ValueEncoding.SINGLE_OBJECT);
        }

        @Test
        void eachOutputHasItsOwnEncoding() {
            Contract c = parse(VALID.replace("  topic: evidence\n", "  topic: evidence\n  encoding: json\n")
                    .replace("  topic: out\n", "  topic: out\n  encoding: single-object\n"));
            assertThat(c.evidence().encoding()).isEqualTo(Contract.ValueEncoding.JSON);
            assertThat(c.projection().encoding()).isEqualTo(Contract.ValueEncoding.SINGLE_OBJECT);
            assertThat(c.withProjectionName("other").projection().encoding()).as("kept when the projection is swapped")
                    .isEqualTo(Contract.ValueEncoding.SINGLE_OBJECT);
        }
    }

    @Nested
    class BrokenContractsNameTheFieldAndTheFix {
        @Test
        void anUnknownOutputEncodingIsNamedWithTheChoices() {
            assertRejected(VALID.replace("  topic: evidence\n", "  topic: evidence\n  encoding: avro\n"), "evidence.encoding",
                    "expected confluent, single-object or json, got 'avro'; leave it out to follow history.encoding (confluent)");
            assertRejected(VALID.replace("  topic: out\n", "  topic: out\n  encoding: protobuf\n"), "projection.encoding",
                    "expected confluent, single-object or json");
        }

        @Test
        void aConfluentOutputWithoutRegistryOrIdMapSaysWhereIdsComeFrom() {
            String singleObjectHistory = VALID.replace("  topics: [events]\n", "  topics: [events]\n  encoding: single-object\n")
                    .replace("    id_map: ../schemas/registry-ids.yaml\n", "");
            assertThat(parse(singleObjectHistory).evidence().encoding()).isEqualTo(Contract.ValueEncoding.SINGLE_OBJECT);
            assertRejected(singleObjectHistory.replace("  topic: evidence\n", "  topic: evidence\n  encoding: confluent\n"),
                    "history.schemas.id_map", "evidence.encoding: confluent, name the file that maps schema ids");
            assertRejected(singleObjectHistory.replace("  topic: out\n", "  topic: out\n  encoding: confluent\n"),
                    "history.schemas.id_map", "or set source: registry to register the schemas there");
        }

        void assertRejected(String yaml, String field, String messagePart) {
            assertThatThrownBy(() -> parse(yaml))
                    .isInstanceOf(ContractException.class)
                    .satisfies(e -> assertThat(((ContractException) e).field()).isEqualTo(field))
                    .hasMessageContaining(messagePart);
        }

        @Test
        void aMissingSectionIsNamed() {
            assertRejected(VALID.replace("ordering:\n  key_field: sku\n", ""), "ordering", "missing section");
        }

        @Test
        void aTypoInAFieldNameSuggestsTheRightOne() {
            assertRejected(VALID.replace("idempotency:", "idempotncy:"), "idempotncy", "did you mean 'idempotency'");
        }

        @Test
        void anUnreadableScopePositionSaysWhatIsExpected() {
            assertRejected(VALID + "scope:\n  from: yesterday\n", "scope.from", "expected earliest, an ISO-8601 time");
        }

        @Test
        void anOutputTopicNotOnTheAllowListIsRefused() {
            assertRejected(VALID.replace("allowed_write_topics: [out, evidence, dlq]", "allowed_write_topics: [out, evidence]"),
                    "allowed_write_topics", "'dlq' (dead_letter.topic) but it is not allowed");
        }

        @Test
        void writingToTheHistoryItselfIsRefused() {
            assertRejected(VALID.replace("topic: out", "topic: events").replace("[out, evidence, dlq]", "[events, evidence, dlq]"),
                    "projection.topic", "is a source topic");
        }

        @Test
        void anUnknownEncodingIsNamed() {
            assertRejected(VALID.replace("  topics: [events]\n", "  topics: [events]\n  encoding: protobuf\n"), "history.encoding", "confluent or single-object");
        }

        @Test
        void aRegistrySourceNeedsItsUrl() {
            assertRejected(VALID.replace("    id_map: ../schemas/registry-ids.yaml\n", "    source: registry\n"),
                    "history.schemas.registry_url", "required");
        }

        @Test
        void aDeadLetterRatioAboveOneIsRefused() {
            assertRejected(VALID.replace("  topic: evidence\n", "  topic: evidence\n  max_dead_letter_ratio: 5\n"),
                    "evidence.max_dead_letter_ratio", "between 0 and 1");
        }

        @Test
        void invalidYamlGivesTheLine() {
            assertRejected("name: [unclosed\n", "contract", "not valid YAML");
        }
    }

    @Test
    void theCommandLineExitsWithTwoAndNamesTheFieldForABrokenContract(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, VALID.replace("key_field: sku", "key_feld: sku")
                .replace("../schemas", CONFIG.resolveSibling("schemas").toString()));
        Cli.Outcome o = Cli.reprise("plan", "--offline", "--contract", broken.toString());
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).contains("ordering.key_feld").contains("Nothing was started");
    }

    @Test
    void theOfflinePlanOfTheShippedContractPasses() {
        assertThat(Cli.reprise("plan", "--offline", "--contract", CONFIG.resolve("inventory.yaml").toString()).exitCode()).isZero();
    }
}
