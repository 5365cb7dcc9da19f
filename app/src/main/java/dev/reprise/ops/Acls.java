package dev.reprise.ops;

import dev.reprise.contract.Contract;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The least-privilege ACLs a contract's app needs, as DESIGN.md lists them for a Kafka Streams app
 * with exactly-once: read its history, write its outputs, own its prefixed internal topics, its group
 * and its transactional ids.
 */
public final class Acls {
    private Acls() {
    }

    /** One ACL binding. {@code patternType} is LITERAL or PREFIXED. */
    public record AclEntry(String resourceType, String resourceName, String patternType, String operation, String permission, String principal) {
        /** The kafka-acls command line that adds this binding; {@code $BOOTSTRAP} is left for the operator. */
        public String commandLine() {
            String resource = switch (resourceType) {
                case "TOPIC" -> "--topic " + resourceName;
                case "GROUP" -> "--group " + resourceName;
                case "TRANSACTIONAL_ID" -> "--transactional-id " + resourceName;
                default -> "--cluster";
            };
            return "kafka-acls.sh --bootstrap-server $BOOTSTRAP --add --allow-principal " + principal + " --operation " + operation
                    + " " + resource + " --resource-pattern-type " + patternType.toLowerCase();
        }
    }

    public static List<AclEntry> forContract(Contract c, String principal) {
        List<AclEntry> out = new ArrayList<>();
        Set<String> reads = new LinkedHashSet<>(c.history().topics());
        if (c.reconciliation().referenceTopic() != null) {
            reads.add(c.reconciliation().referenceTopic());
        }
        // The runner reads the evidence topic to see the run's final record.
        reads.add(c.evidence().topic());
        for (String t : reads) {
            out.add(new AclEntry("TOPIC", t, "LITERAL", "READ", "ALLOW", principal));
            out.add(new AclEntry("TOPIC", t, "LITERAL", "DESCRIBE", "ALLOW", principal));
        }
        for (String t : c.outputTopics()) {
            out.add(new AclEntry("TOPIC", t, "LITERAL", "WRITE", "ALLOW", principal));
            if (!reads.contains(t)) {
                out.add(new AclEntry("TOPIC", t, "LITERAL", "DESCRIBE", "ALLOW", principal));
            }
            // The runner creates the outputs when they are missing.
            out.add(new AclEntry("TOPIC", t, "LITERAL", "CREATE", "ALLOW", principal));
        }
        for (String op : List.of("CREATE", "READ", "WRITE", "DESCRIBE", "DELETE", "DESCRIBE_CONFIGS")) {
            out.add(new AclEntry("TOPIC", c.applicationId(), "PREFIXED", op, "ALLOW", principal));
        }
        out.add(new AclEntry("GROUP", c.applicationId(), "LITERAL", "READ", "ALLOW", principal));
        out.add(new AclEntry("GROUP", c.applicationId(), "LITERAL", "DESCRIBE", "ALLOW", principal));
        if (c.processing().guarantee().equals("exactly_once_v2")) {
            out.add(new AclEntry("TRANSACTIONAL_ID", c.applicationId(), "PREFIXED", "WRITE", "ALLOW", principal));
            out.add(new AclEntry("TRANSACTIONAL_ID", c.applicationId(), "PREFIXED", "DESCRIBE", "ALLOW", principal));
        }
        return out;
    }
}
