package dev.reprise.ops;

import dev.reprise.contract.Contract;

import java.util.LinkedHashSet;
import java.util.List;
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
