package dev.reprise.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The inventory contract the integration tests replay with, written once: a builder of its YAML with the parts a test
 * changes (names, topics, where the schemas come from, keyed history, extra sections). A test whose subject is the YAML
 * itself (a broken key, a team's own events) writes its YAML inline instead.
 */
final class ContractYaml {
    /** The schemas directory of the repository, absolute. */
    static final String SCHEMAS = Path.of("..", "schemas").toAbsolutePath().normalize().toString();

    private final String name;
    private final String applicationId;
    private String source;
    private String schemas = "    source: local\n    directory: " + SCHEMAS + "\n    id_map: " + SCHEMAS + "/registry-ids.yaml\n";
    private Boolean keyed;
    private String projection;
    private String evidence;
    private String deadLetters;
    private final List<String> otherWrites = new ArrayList<>();
    private String extra = "";

    private ContractYaml(String name, String applicationId) {
        this.name = name;
        this.applicationId = applicationId;
    }

    /** The inventory contract named {@code name}, for the application {@code applicationId}. */
    static ContractYaml inventory(String name, String applicationId) {
        return new ContractYaml(name, applicationId);
    }

    /** The history topic, the projection topic, the evidence topic and the dead-letter topic. */
    ContractYaml topics(String source, String projection, String evidence, String deadLetters) {
        this.source = source;
        this.projection = projection;
        this.evidence = evidence;
        this.deadLetters = deadLetters;
        return this;
    }

    /** Schemas from a local directory and its id map. */
    ContractYaml localSchemas(String directory, String idMap) {
        this.schemas = "    source: local\n    directory: " + directory + "\n    id_map: " + idMap + "\n";
        return this;
    }

    /** Schemas from a registry at {@code url}, the local directory naming the projection's own. */
    ContractYaml registry(Object url, String directory) {
        this.schemas = "    source: registry\n    registry_url: " + url + "\n    directory: " + directory + "\n";
        return this;
    }

    /** history.keyed_by_ordering_key (not written unless set). */
    ContractYaml keyed(boolean keyed) {
        this.keyed = keyed;
        return this;
    }

    /** Topics the run may write besides the projection, evidence and dead-letter topics (e.g. a live projection). */
    ContractYaml alsoWrites(String topic) {
        otherWrites.add(topic);
        return this;
    }

    /** YAML appended as it is (a scope, reconciliation or processing section). */
    ContractYaml extra(String yaml) {
        this.extra = yaml;
        return this;
    }

    String yaml() {
        List<String> writes = new ArrayList<>(List.of(projection, evidence, deadLetters));
        writes.addAll(otherWrites);
        return "name: " + name + "\n"
                + "application_id: " + applicationId + "\n"
                + "history:\n"
                + "  topics: [" + source + "]\n"
                + "  encoding: confluent\n"
                + "  schemas:\n" + schemas
                + (keyed == null ? "" : "  keyed_by_ordering_key: " + keyed + "\n")
                + "ordering:\n  key_field: sku\n"
                + "idempotency:\n  event_id_field: event_id\n"
                + "projection:\n  name: inventory-levels\n  topic: " + projection + "\n"
                + "evidence:\n  topic: " + evidence + "\n"
                + "dead_letter:\n  topic: " + deadLetters + "\n"
                + "allowed_write_topics: [" + String.join(", ", writes) + "]\n"
                + extra;
    }

    /** Writes the YAML to {@code file}. */
    Path writeTo(Path file) {
        try {
            Files.writeString(file, yaml());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
