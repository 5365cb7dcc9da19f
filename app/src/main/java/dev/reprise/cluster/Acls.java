package dev.reprise.cluster;

import dev.reprise.contract.Contract;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The least-privilege ACLs a contract's app needs, as DESIGN.md lists them for a Kafka Streams app
 * with exactly-once: read its history, write its outputs, own its prefixed internal topics, its group
 * and its transactional ids. A pure function of the contract, so every command that grants or checks
 * ACLs uses the same list.
 */
public final class Acls {
    private static final Pattern PRINCIPAL = Pattern.compile("[^:\\s]+:.+");
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_.:=,@/+-]+");

    private Acls() {
    }

    /**
     * One ACL binding, with Kafka's enum names: {@code resourceType} TOPIC, GROUP or TRANSACTIONAL_ID;
     * {@code patternType} LITERAL or PREFIXED; {@code operation} READ, WRITE, ...; {@code permission} ALLOW.
     */
    public record AclEntry(String resourceType, String resourceName, String patternType, String operation, String permission, String principal) {
        /** The kafka-acls command line that adds this binding; {@code $BOOTSTRAP} is left for the operator (or the shell). */
        public String commandLine() {
            String resource = switch (resourceType) {
                case "TOPIC" -> "--topic ";
                case "GROUP" -> "--group ";
                case "TRANSACTIONAL_ID" -> "--transactional-id ";
                default -> throw new IllegalStateException("no kafka-acls option for resource type " + resourceType);
            };
            return "kafka-acls.sh --bootstrap-server $BOOTSTRAP --add --" + permission.toLowerCase() + "-principal " + shellQuote(principal)
                    + " --operation " + operation + " " + resource + resourceName + " --resource-pattern-type " + patternType.toLowerCase();
        }
    }

    /**
     * @param principal the app's principal, {@code TYPE:NAME} as kafka-acls takes it, e.g. {@code User:reprise}
     * @return the bindings in a stable order: reads, writes, internal topics, group, transactional ids; no duplicates
     * @throws IllegalArgumentException when the principal is not {@code TYPE:NAME}
     */
    public static List<AclEntry> forContract(Contract c, String principal) {
        if (principal == null || !PRINCIPAL.matcher(principal).matches()) {
            throw new IllegalArgumentException("principal: expected TYPE:NAME such as User:reprise, got '" + principal + "'");
        }
        Set<AclEntry> out = new LinkedHashSet<>();
        Set<String> reads = new LinkedHashSet<>(c.history().topics());
        if (c.reconciliation().referenceTopic() != null) {
            reads.add(c.reconciliation().referenceTopic());
        }
        // The runner reads the evidence topic to see the run's final record.
        reads.add(c.evidence().topic());
        // No DESCRIBE next to READ or WRITE: Kafka's authorizer lets READ, WRITE, DELETE and ALTER imply DESCRIBE on
        // the same resource, so such a binding grants nothing (SecuredBrokerIT runs the whole workflow without them on a
        // broker that enforces ACLs).
        for (String t : reads) {
            out.add(topic(t, "LITERAL", "READ", principal));
        }
        for (String t : c.outputTopics()) {
            out.add(topic(t, "LITERAL", "WRITE", principal));
            // The runner creates the outputs when they are missing.
            out.add(topic(t, "LITERAL", "CREATE", principal));
        }
        // verify and promote read the rebuilt (shadow) projection back.
        out.add(topic(c.projection().topic(), "LITERAL", "READ", principal));
        // plan and run check that the evidence topic does not delete evidence by retention (its configs).
        out.add(topic(c.evidence().topic(), "LITERAL", "DESCRIBE_CONFIGS", principal));
        // DELETE: Kafka Streams purges the repartition records it has committed (deleteRecords, every
        // repartition.purge.interval.ms); without it they stay until retention, which Streams sets to forever.
        for (String op : List.of("CREATE", "READ", "WRITE", "DELETE", "DESCRIBE_CONFIGS")) {
            out.add(topic(c.applicationId(), "PREFIXED", op, principal));
        }
        out.add(new AclEntry("GROUP", c.applicationId(), "LITERAL", "READ", "ALLOW", principal));
        // Transactional ids prefixed by the application id: Kafka Streams' under exactly-once, and whatever the
        // guarantee the run store's writer (one transactional id per application fences concurrent commands) and promote's.
        out.add(new AclEntry("TRANSACTIONAL_ID", c.applicationId(), "PREFIXED", "WRITE", "ALLOW", principal));
        return List.copyOf(out);
    }

    /**
     * What {@code reprise promote} needs besides the app's bindings: READ and WRITE on the topics of
     * {@code allowed_write_topics} that only promote writes (the live projection: it reads the live keys to compare,
     * then writes them in one transaction under a transactional id the app's bindings already cover).
     */
    public static List<AclEntry> forPromotion(Contract c, String principal) {
        Set<AclEntry> out = new LinkedHashSet<>(forContract(c, principal));
        for (String t : c.allowedWriteTopics()) {
            if (!c.outputTopics().contains(t)) {
                out.add(topic(t, "LITERAL", "READ", principal));
                out.add(topic(t, "LITERAL", "WRITE", principal));
            }
        }
        return List.copyOf(out);
    }

    /** Strimzi's principal forms: {@code User:NAME} for a SCRAM user, {@code User:CN=NAME} for a TLS user named NAME. */
    private static final Pattern STRIMZI_PRINCIPAL = Pattern.compile("User:(CN=)?([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)");

    /**
     * The same bindings as a Strimzi {@code KafkaUser} with simple authorization, one rule per resource with its
     * operations: what the User Operator turns into exactly these ACLs. Strimzi names the principal after the
     * resource: {@code User:NAME} with SCRAM-SHA-512 authentication, {@code User:CN=NAME} with TLS.
     *
     * @param cluster the Kafka cluster's name, the {@code strimzi.io/cluster} label the User Operator watches
     * @return the resource as nested maps and lists, in the order of {@link #forContract}
     * @throws IllegalArgumentException when the principal is not one Strimzi gives a KafkaUser
     */
    public static Map<String, Object> strimziKafkaUser(Contract c, String principal, String cluster) {
        return strimziKafkaUser(c, principal, cluster, false);
    }

    /** The KafkaUser of {@link #strimziKafkaUser(Contract, String, String)}, with promote's bindings when {@code withPromote}. */
    public static Map<String, Object> strimziKafkaUser(Contract c, String principal, String cluster, boolean withPromote) {
        java.util.regex.Matcher m = principal == null ? null : STRIMZI_PRINCIPAL.matcher(principal);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("principal: a Strimzi KafkaUser's principal is User:NAME (SCRAM-SHA-512) or User:CN=NAME (TLS), "
                    + "NAME a Kubernetes name (lowercase letters, digits, '-' and '.'); got '" + principal + "'");
        }
        if (cluster == null || !cluster.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException("--strimzi-cluster: expected the Kafka resource's name (lowercase letters, digits and '-'), got '"
                    + cluster + "'");
        }
        Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
        for (AclEntry a : withPromote ? forPromotion(c, principal) : forContract(c, principal)) {
            Map<String, Object> rule = rules.computeIfAbsent(a.resourceType() + "|" + a.resourceName() + "|" + a.patternType(), k -> {
                Map<String, Object> resource = new LinkedHashMap<>();
                resource.put("type", STRIMZI_RESOURCE.get(a.resourceType()));
                resource.put("name", a.resourceName());
                resource.put("patternType", a.patternType().equals("PREFIXED") ? "prefix" : "literal");
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("resource", resource);
                r.put("type", a.permission().toLowerCase(java.util.Locale.ROOT));
                r.put("host", "*");
                r.put("operations", new ArrayList<String>());
                return r;
            });
            @SuppressWarnings("unchecked")
            List<String> operations = (List<String>) rule.get("operations");
            operations.add(strimziOperation(a.operation()));
        }
        Map<String, Object> authorization = new LinkedHashMap<>();
        authorization.put("type", "simple");
        authorization.put("acls", new ArrayList<>(rules.values()));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("authentication", Map.of("type", m.group(1) == null ? "scram-sha-512" : "tls"));
        spec.put("authorization", authorization);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", m.group(2));
        metadata.put("labels", Map.of("strimzi.io/cluster", cluster));
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("apiVersion", "kafka.strimzi.io/v1");
        user.put("kind", "KafkaUser");
        user.put("metadata", metadata);
        user.put("spec", spec);
        return user;
    }

    private static final Map<String, String> STRIMZI_RESOURCE = Map.of("TOPIC", "topic", "GROUP", "group",
            "TRANSACTIONAL_ID", "transactionalId", "CLUSTER", "cluster");

    /** Kafka's operation name (DESCRIBE_CONFIGS) as Strimzi spells it (DescribeConfigs). */
    static String strimziOperation(String kafkaOperation) {
        StringBuilder out = new StringBuilder();
        for (String part : kafkaOperation.split("_")) {
            out.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return out.toString();
    }

    /** True when the app runs with exactly_once_v2 and so uses transactional ids. */
    public static boolean isExactlyOnce(Contract c) {
        return c.processing().guarantee().equals("exactly_once_v2");
    }

    private static AclEntry topic(String name, String patternType, String operation, String principal) {
        return new AclEntry("TOPIC", name, patternType, operation, "ALLOW", principal);
    }

    private static String shellQuote(String value) {
        return SHELL_SAFE.matcher(value).matches() ? value : "'" + value.replace("'", "'\\''") + "'";
    }
}
