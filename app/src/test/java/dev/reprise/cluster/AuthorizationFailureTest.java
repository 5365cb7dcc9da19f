package dev.reprise.cluster;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AuthorizationFailureTest {
    static final Contract INVENTORY = ContractLoader.load(Path.of("..", "config", "inventory.yaml"));

    @Test
    void aTopicDeniedDeepInTheCausesIsNamedWithTheOperationsReprisesAclsGrantOnIt() {
        Throwable e = new IllegalStateException("the replay stopped", new StreamsException(new TopicAuthorizationException(Set.of("inventory-events"))));
        assertThat(AuthorizationFailure.describe(e, INVENTORY)).hasValue(
                "not authorized to READ topic 'inventory-events': grant it with `reprise acls`");
    }

    @Test
    void theGroupTheTransactionalIdsAndTheClusterAreNamed() {
        assertThat(AuthorizationFailure.describe(new GroupAuthorizationException("denied", "reprise-inventory"), INVENTORY))
                .hasValue("not authorized to READ group 'reprise-inventory': grant it with `reprise acls`");
        assertThat(AuthorizationFailure.describe(new TransactionalIdAuthorizationException("Transactional Id authorization failed."), INVENTORY))
                .hasValue("not authorized to WRITE the transactional ids prefixed 'reprise-inventory': grant it with `reprise acls`");
        assertThat(AuthorizationFailure.describe(new ClusterAuthorizationException("Cluster authorization failed."), INVENTORY).orElseThrow())
                .startsWith("not authorized to act on the cluster");
    }

    @Test
    void aTopicKafkaDidNotNameIsAnsweredWithWhatTheContractsTopicsNeed() {
        String said = AuthorizationFailure.describe(new TopicAuthorizationException("Authorization failed."), INVENTORY).orElseThrow();
        assertThat(said).startsWith("not authorized on a topic Kafka did not name (Authorization failed.); Reprise needs READ on topic 'inventory-events'")
                .contains("WRITE or CREATE or READ on topic 'inventory-levels-rebuilt'").contains("on the topics prefixed 'reprise-inventory'")
                .endsWith(": grant it with `reprise acls`");
    }

    @Test
    void withoutAContractTheResourceIsStillNamedAndOtherErrorsAreLeftAlone() {
        assertThat(AuthorizationFailure.describe(new TopicAuthorizationException(Set.of("orders")), null))
                .hasValue("not authorized to access topic 'orders': grant it with `reprise acls`");
        assertThat(AuthorizationFailure.describe(new IllegalStateException("disk full"), INVENTORY)).isEmpty();
    }
}
