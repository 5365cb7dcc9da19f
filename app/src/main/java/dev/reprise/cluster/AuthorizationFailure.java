package dev.reprise.cluster;

import dev.reprise.contract.Contract;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Kafka's authorization errors in words an operator can act on: "not authorized to READ or DESCRIBE topic
 * 'orders': grant it with `reprise acls`". Kafka's exceptions carry the resource (the topics, the group), never the
 * operation; the operations named are those {@link Acls} grants on that resource for the contract, one of which
 * is missing. Without a contract (a command that failed before it read one), Kafka's own words about the
 * resource are kept.
 */
public final class AuthorizationFailure {
    private AuthorizationFailure() {
    }

    /** The first authorization error in {@code error}'s causes, described; empty when there is none. */
    public static Optional<String> describe(Throwable error, Contract contract) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthorizationException a) {
                return Optional.of(sentence(a, contract));
            }
        }
        return Optional.empty();
    }

    private static String sentence(AuthorizationException e, Contract contract) {
        List<String> resources = new ArrayList<>();
        if (e instanceof TopicAuthorizationException t && !t.unauthorizedTopics().isEmpty()) {
            for (String topic : t.unauthorizedTopics()) {
                resources.add(operations(contract, "TOPIC", topic) + "topic '" + topic + "'");
            }
        } else if (e instanceof TopicAuthorizationException && contract != null) {
            // Some answers (CreateTopics, ListOffsets) name no topic: list what the contract's topics need.
            return "not authorized on a topic Kafka did not name (" + e.getMessage() + "); Reprise needs " + topicNeeds(contract)
                    + ": grant it with `reprise acls`";
        } else if (e instanceof GroupAuthorizationException g && g.groupId() != null) {
            resources.add(operations(contract, "GROUP", g.groupId()) + "group '" + g.groupId() + "'");
        } else if (e instanceof TransactionalIdAuthorizationException) {
            String prefix = contract == null ? null : contract.applicationId();
            resources.add(operations(contract, "TRANSACTIONAL_ID", prefix) + (prefix == null ? "a transactional id"
                    : "the transactional ids prefixed '" + prefix + "'"));
        } else if (e instanceof ClusterAuthorizationException) {
            resources.add("act on the cluster (" + e.getMessage() + "); Reprise needs no cluster permission with exactly_once_v2");
        } else {
            resources.add("access " + e.getMessage());
        }
        return "not authorized to " + String.join(", nor to ", resources) + ": grant it with `reprise acls`";
    }

    /** "READ on topic 'a', WRITE or CREATE on topic 'b', ... on the topics prefixed 'c'", from the contract's ACLs. */
    private static String topicNeeds(Contract contract) {
        java.util.Map<String, Set<String>> byTopic = new java.util.LinkedHashMap<>();
        for (Acls.AclEntry a : Acls.forPromotion(contract, "User:reprise")) {
            if (a.resourceType().equals("TOPIC")) {
                String name = a.patternType().equals("PREFIXED") ? "the topics prefixed '" + a.resourceName() + "'" : "topic '" + a.resourceName() + "'";
                byTopic.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(a.operation());
            }
        }
        List<String> parts = new ArrayList<>();
        byTopic.forEach((name, ops) -> parts.add(String.join(" or ", ops) + " on " + name));
        return String.join(", ", parts);
    }

    /** "READ or DESCRIBE " for a resource the contract's ACLs cover, "" when they do not (or there is no contract). */
    private static String operations(Contract contract, String type, String name) {
        if (contract == null || name == null) {
            return "access ";
        }
        Set<String> ops = new LinkedHashSet<>();
        for (Acls.AclEntry a : Acls.forPromotion(contract, "User:reprise")) {
            boolean matches = a.resourceType().equals(type) && (a.patternType().equals("LITERAL") ? a.resourceName().equals(name)
                    : name.startsWith(a.resourceName()));
            if (matches) {
                ops.add(a.operation());
            }
        }
        return ops.isEmpty() ? "access " : String.join(" or ", ops) + " ";
    }
}
