package dev.reprise.cluster;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AclsTest {
    private static final Path INVENTORY = Path.of("..", "config", "inventory.yaml");

    private static List<String> bindings(Contract c) {
        return Acls.forContract(c, "User:reprise").stream()
                .map(a -> a.resourceType() + " " + a.resourceName() + " " + a.patternType() + " " + a.operation() + " " + a.permission())
                .toList();
    }

    /** The inventory contract with one line of its YAML replaced, loaded as if it sat beside the original. */
    private static Contract inventoryWith(String line, String replacement) throws IOException {
        String yaml = Files.readString(INVENTORY);
        assertThat(yaml).as("config/inventory.yaml still has the line this test edits").contains(line);
        return ContractLoader.parse(yaml.replace(line, replacement).getBytes(StandardCharsets.UTF_8), INVENTORY.getParent().toAbsolutePath(), null);
    }

    @Test
    void theInventoryAppGetsExactlyWhatItUses() {
        assertThat(bindings(ContractLoader.load(INVENTORY))).containsExactlyInAnyOrder(
                // history: read only
                "TOPIC inventory-events LITERAL READ ALLOW",
                // evidence: the runner reads it to detect completion, writes it, creates it when missing
                "TOPIC reprise-evidence LITERAL READ ALLOW",
                "TOPIC reprise-evidence LITERAL WRITE ALLOW",
                "TOPIC reprise-evidence LITERAL CREATE ALLOW",
                // and its configs: plan and run check its retention keeps evidence
                "TOPIC reprise-evidence LITERAL DESCRIBE_CONFIGS ALLOW",
                // projection and dead letters: written and created when missing
                "TOPIC inventory-levels-rebuilt LITERAL WRITE ALLOW",
                "TOPIC inventory-levels-rebuilt LITERAL CREATE ALLOW",
                // and the projection read back by verify and promote (found missing on a broker that enforces ACLs)
                "TOPIC inventory-levels-rebuilt LITERAL READ ALLOW",
                "TOPIC inventory-events-dlq LITERAL WRITE ALLOW",
                "TOPIC inventory-events-dlq LITERAL CREATE ALLOW",
                // internal topics, run store and control topic
                "TOPIC reprise-inventory PREFIXED CREATE ALLOW",
                "TOPIC reprise-inventory PREFIXED READ ALLOW",
                "TOPIC reprise-inventory PREFIXED WRITE ALLOW",
                "TOPIC reprise-inventory PREFIXED DELETE ALLOW",
                "TOPIC reprise-inventory PREFIXED DESCRIBE_CONFIGS ALLOW",
                "GROUP reprise-inventory LITERAL READ ALLOW",
                "TRANSACTIONAL_ID reprise-inventory PREFIXED WRITE ALLOW");
    }

    @Test
    void withPromoteTheLiveProjectionIsReadDescribedAndWritten() {
        Contract c = ContractLoader.load(INVENTORY);
        List<String> promote = Acls.forPromotion(c, "User:reprise").stream()
                .map(a -> a.resourceType() + " " + a.resourceName() + " " + a.patternType() + " " + a.operation() + " " + a.permission()).toList();
        assertThat(promote).containsAll(bindings(c)).contains("TOPIC inventory-levels LITERAL READ ALLOW",
                "TOPIC inventory-levels LITERAL WRITE ALLOW").hasSize(bindings(c).size() + 2);
    }

    @Test
    void theLiveProjectionInTheAllowListIsNotGrantedToTheApp() {
        assertThat(bindings(ContractLoader.load(INVENTORY)))
                .as("inventory-levels is written only by 'reprise promote', never by the app")
                .noneMatch(b -> b.startsWith("TOPIC inventory-levels "))
                .as("never write the history").doesNotContain("TOPIC inventory-events LITERAL WRITE ALLOW")
                .as("nothing cluster-wide").noneMatch(b -> b.startsWith("CLUSTER"));
    }

    @Test
    void aReferenceTopicIsReadOnly() throws IOException {
        Contract c = inventoryWith("  # reference_topic: inventory-levels ", "  reference_topic: inventory-levels ");

        assertThat(bindings(c)).contains("TOPIC inventory-levels LITERAL READ ALLOW")
                .doesNotContain("TOPIC inventory-levels LITERAL WRITE ALLOW");
    }

    @Test
    void atLeastOnceStillNeedsTheTransactionalIdsOfTheRunStoreAndPromote() throws IOException {
        // The run store is written by one transactional producer per application, so that two commands started
        // together cannot both create a run; promote writes in one transaction. Neither depends on the guarantee.
        Contract c = inventoryWith("guarantee: exactly_once_v2", "guarantee: at_least_once");

        assertThat(bindings(c)).contains("TRANSACTIONAL_ID reprise-inventory PREFIXED WRITE ALLOW", "GROUP reprise-inventory LITERAL READ ALLOW");
    }

    @Test
    void commandLinesAreKafkaAclsInvocations() {
        List<Acls.AclEntry> acls = Acls.forContract(ContractLoader.load(INVENTORY), "User:app");

        assertThat(acls).allSatisfy(a -> assertThat(a.commandLine())
                .startsWith("kafka-acls.sh --bootstrap-server $BOOTSTRAP --add --allow-principal User:app --operation " + a.operation() + " ")
                .matches(".* --(topic|group|transactional-id) [A-Za-z0-9._-]+ --resource-pattern-type (literal|prefixed)$"));
        assertThat(acls).filteredOn(a -> a.resourceName().equals("reprise-inventory") && !a.resourceType().equals("GROUP"))
                .as("the application id's topics and transactional ids are granted by prefix")
                .hasSize(6)
                .allSatisfy(a -> assertThat(a.commandLine()).endsWith(" reprise-inventory --resource-pattern-type prefixed"));
        assertThat(acls).filteredOn(a -> !a.resourceName().equals("reprise-inventory") || a.resourceType().equals("GROUP"))
                .as("named topics and the group are granted literally")
                .allSatisfy(a -> assertThat(a.commandLine()).endsWith(" --resource-pattern-type literal"));
    }

    @Test
    void aPrincipalWithShellCharactersIsQuoted() {
        Acls.AclEntry first = Acls.forContract(ContractLoader.load(INVENTORY), "User:CN=reprise app,O=it's").get(0);

        assertThat(first.commandLine()).contains(" --allow-principal 'User:CN=reprise app,O=it'\\''s' --operation ");
    }

    @Test
    void aPrincipalWithoutATypeIsRefused() {
        assertThatThrownBy(() -> Acls.forContract(ContractLoader.load(INVENTORY), "reprise"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected TYPE:NAME such as User:reprise, got 'reprise'");
    }
}
