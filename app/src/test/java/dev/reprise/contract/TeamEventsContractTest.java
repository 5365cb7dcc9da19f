package dev.reprise.contract;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A team's own events in a contract: identities from a field, a header or the record key, and plain schemas mapped to event types. */
class TeamEventsContractTest {
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();

    static String contract(String schemas, String ordering, String idempotency) {
        return """
                name: orders
                application_id: reprise-orders
                history:
                  topics: [orders]
                  schemas:
                %s
                ordering:
                %s
                idempotency:
                %s
                projection: {name: inventory-levels, topic: out}
                evidence: {topic: ev}
                dead_letter: {topic: dlq}
                allowed_write_topics: [out, ev, dlq]
                """.formatted(schemas.indent(4).stripTrailing(), ordering.indent(2).stripTrailing(), idempotency.indent(2).stripTrailing());
    }

    static final String REGISTRY = "source: registry\nregistry_url: https://registry:8443/apis/ccompat/v7";

    static Contract parse(String yaml) {
        return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG, null);
    }

    @Test
    void theOutboxShapeReadsTheKeyFromTheRecordKeyAndTheIdFromAHeaderWithNoSchemasDirectory() {
        Contract c = parse(contract(REGISTRY + "\nclient_properties: registry.properties\nevents:\n  - {type: StockMoved, subject: orders-value}",
                "key: {record_key: true}", "event_id: {header: id}"));

        assertThat(c.ordering().key().from()).isEqualTo(Contract.Identity.From.RECORD_KEY);
        assertThat(c.idempotency().eventId()).isEqualTo(new Contract.Identity(Contract.Identity.From.HEADER, "id", "idempotency.event_id.header"));
        assertThat(c.idempotency().eventIdField()).as("how it reads in the runbook and messages").isEqualTo("header 'id'");
        assertThat(c.history().schemas().directory()).isNull();
        assertThat(c.history().schemas().clientProperties()).isEqualTo(CONFIG.resolve("registry.properties"));
        Contract.EventMapping e = c.history().schemas().events().get(0);
        assertThat(e.type()).isEqualTo("StockMoved");
        assertThat(e.version()).isEqualTo(1);
        assertThat(e.subject()).isEqualTo("orders-value");
    }

    @Test
    void theShortFormsStillMeanPayloadFields() {
        Contract c = parse(contract("directory: ../schemas\nid_map: ../schemas/registry-ids.yaml", "key_field: sku", "event_id_field: event_id"));
        assertThat(c.ordering().key()).isEqualTo(Contract.Identity.field("sku", "ordering.key_field"));
        assertThat(c.idempotency().eventId().fieldName()).isEqualTo("event_id");
    }

    @Test
    void anIdentityIsGivenExactlyOnce() {
        assertThatThrownBy(() -> parse(contract(REGISTRY, "key_field: sku\nkey: {field: sku}", "event_id_field: event_id")))
                .isInstanceOf(ContractException.class).hasMessageStartingWith("ordering.key: given together with ordering.key_field");
        assertThatThrownBy(() -> parse(contract(REGISTRY, "key: {field: sku, record_key: true}", "event_id_field: event_id")))
                .isInstanceOf(ContractException.class).hasMessageStartingWith("ordering.key: gives more than one");
        assertThatThrownBy(() -> parse(contract(REGISTRY, "key: {record_key: false}", "event_id_field: event_id")))
                .isInstanceOf(ContractException.class).hasMessageStartingWith("ordering.key: required");
        assertThatThrownBy(() -> parse(contract(REGISTRY, "sequence_field: seq", "event_id_field: event_id")))
                .isInstanceOf(ContractException.class).hasMessageStartingWith("ordering.key_field: required")
                .hasMessageContaining("key: {field: ...}, {header: ...} or {record_key: true}");
        assertThatThrownBy(() -> parse(contract(REGISTRY, "key_field: sku", "event_id: id")))
                .isInstanceOf(ContractException.class).hasMessageContaining("did you mean 'event_id_field'");
    }

    @Test
    void secretsAndRegistryOnlyKeysAreRefusedWhereTheyDoNotBelong() {
        assertThatThrownBy(() -> parse(contract("source: registry\nregistry_url: https://reprise:pw@registry:8443/", "key_field: sku",
                "event_id_field: event_id"))).isInstanceOf(ContractException.class).hasMessageContaining("history.schemas.registry_url")
                .hasMessageContaining("basic.auth.user.info").hasMessageNotContaining("pw@");
        assertThatThrownBy(() -> parse(contract("directory: ../schemas\nid_map: ../schemas/registry-ids.yaml\nevents: [{type: A, subject: a-value}]",
                "key_field: sku", "event_id_field: event_id"))).isInstanceOf(ContractException.class)
                .hasMessageStartingWith("history.schemas.events[0].subject: is read only with history.schemas.source: registry");
        assertThatThrownBy(() -> parse(contract("directory: ../schemas\nid_map: ../schemas/registry-ids.yaml\nclient_properties: x.properties",
                "key_field: sku", "event_id_field: event_id"))).isInstanceOf(ContractException.class)
                .hasMessageStartingWith("history.schemas.client_properties: is read only with source: registry");
        assertThatThrownBy(() -> parse(contract("id_map: ../schemas/registry-ids.yaml", "key_field: sku", "event_id_field: event_id")))
                .isInstanceOf(ContractException.class).hasMessageStartingWith("history.schemas.directory: required");
        assertThatThrownBy(() -> parse(contract(REGISTRY + "\nevents: [{type: A, subject_version: 2}]", "key_field: sku", "event_id_field: event_id")))
                .isInstanceOf(ContractException.class).hasMessageContaining("subject_version: is a version of the subject; add subject");
    }

    @Test
    void theCommandConfigFileServesAsClientPropertiesOnlyWhenTheContractNamesNone() {
        Path commandConfig = Path.of("/etc/reprise/client.properties");
        Contract none = parse(contract(REGISTRY, "key_field: sku", "event_id_field: event_id"));
        Contract own = parse(contract(REGISTRY + "\nclient_properties: registry.properties", "key_field: sku", "event_id_field: event_id"));
        Contract local = parse(contract("directory: ../schemas\nid_map: ../schemas/registry-ids.yaml", "key_field: sku", "event_id_field: event_id"));

        assertThat(none.withRegistryClientProperties(commandConfig).history().schemas().clientProperties()).isEqualTo(commandConfig);
        assertThat(own.withRegistryClientProperties(commandConfig).history().schemas().clientProperties())
                .isEqualTo(CONFIG.resolve("registry.properties"));
        assertThat(local.withRegistryClientProperties(commandConfig)).isSameAs(local);
    }
}
