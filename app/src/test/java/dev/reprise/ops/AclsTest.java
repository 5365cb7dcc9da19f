package dev.reprise.ops;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AclsTest {
    @Test
    void theInventoryAppGetsExactlyWhatItUses() {
        Contract c = ContractLoader.load(Path.of("..", "config", "inventory.yaml"));
        List<String> acls = Acls.forContract(c, "User:reprise").stream()
                .map(a -> a.resourceType() + " " + a.resourceName() + " " + a.patternType() + " " + a.operation()).toList();

        assertThat(acls).contains(
                "TOPIC inventory-events LITERAL READ",
                "TOPIC inventory-levels-rebuilt LITERAL WRITE",
                "TOPIC reprise-evidence LITERAL WRITE",
                "TOPIC inventory-events-dlq LITERAL WRITE",
                "TOPIC reprise-inventory PREFIXED CREATE",
                "TOPIC reprise-inventory PREFIXED DELETE",
                "GROUP reprise-inventory LITERAL READ",
                "TRANSACTIONAL_ID reprise-inventory PREFIXED WRITE");
        assertThat(acls).as("never write the history").doesNotContain("TOPIC inventory-events LITERAL WRITE");
        assertThat(acls).as("nothing cluster-wide").noneMatch(a -> a.startsWith("CLUSTER"));
    }

    @Test
    void commandLinesAreKafkaAclsInvocations() {
        Contract c = ContractLoader.load(Path.of("..", "config", "inventory.yaml"));
        assertThat(Acls.forContract(c, "User:app")).allSatisfy(a -> assertThat(a.commandLine())
                .startsWith("kafka-acls.sh --bootstrap-server $BOOTSTRAP --add --allow-principal User:app --operation ")
                .matches(".*--(topic|group|transactional-id) \\S+ --resource-pattern-type (literal|prefixed)$"));
    }
}
