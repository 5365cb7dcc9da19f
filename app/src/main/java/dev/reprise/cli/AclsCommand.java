package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.cluster.Acls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "acls", mixinStandardHelpOptions = true,
        description = {"Prints the least-privilege ACLs the contract's app needs: kafka-acls command lines, or JSON with --json.",
                "Needs no cluster: the list follows from the contract alone. $BOOTSTRAP is left in the command lines for you (or your shell)."},
        footer = {"", "Examples:", "  reprise acls --contract config/inventory.yaml --principal User:reprise | BOOTSTRAP=kafka:9092 sh",
                "  reprise acls --contract config/inventory.yaml --json",
                "  reprise acls --contract config/inventory.yaml --format strimzi --principal User:reprise --strimzi-cluster my-cluster \\",
                "      | kubectl apply -n kafka -f -"})
public final class AclsCommand implements Callable<Integer> {
    @Option(names = "--contract", required = true, description = "The Recovery Contract (YAML). Every key: reprise reference contract.")
    Path contract;

    @Option(names = "--principal", defaultValue = "User:reprise", description = "The app's principal, TYPE:NAME (default ${DEFAULT-VALUE}).")
    String principal;

    @Option(names = "--json", description = "Print a JSON array of ACL bindings "
            + "{resource_type, resource_name, pattern_type, operation, permission, principal} (the same as --format json).")
    boolean json;

    /** The forms the ACLs are printed in. */
    enum Format { lines, json, strimzi }

    @Option(names = "--format", paramLabel = "FORMAT", description = "lines (kafka-acls command lines, the default), json, or strimzi: "
            + "a Strimzi KafkaUser (kafka.strimzi.io/v1) with simple authorization and exactly these ACLs; its principal is "
            + "User:NAME (SCRAM-SHA-512) or User:CN=NAME (TLS).")
    Format format;

    @Option(names = "--strimzi-cluster", defaultValue = "my-cluster", paramLabel = "NAME",
            description = "With --format strimzi: the Kafka cluster's name, the KafkaUser's strimzi.io/cluster label (default ${DEFAULT-VALUE}).")
    String strimziCluster;

    @Option(names = "--with-promote", description = "Add what 'reprise promote' needs too: READ, DESCRIBE and WRITE on the live "
            + "projection (the topics of allowed_write_topics that only promote writes), for a principal that also promotes.")
    boolean withPromote;

    @Override
    public Integer call() {
        if (json && format != null && format != Format.json) {
            throw new IllegalArgumentException("--json and --format " + format + " ask for two forms; give one");
        }
        Format chosen = json ? Format.json : format == null ? Format.lines : format;
        Contract c = ContractLoader.load(contract);
        if (chosen == Format.strimzi) {
            System.out.print(strimzi(c));
            return ExitCodes.OK;
        }
        List<Acls.AclEntry> acls = withPromote ? Acls.forPromotion(c, principal) : Acls.forContract(c, principal);
        if (chosen == Format.json) {
            System.out.println(Json.of(acls));
            return ExitCodes.OK;
        }
        System.out.println("# Least-privilege ACLs for contract " + c.name() + " (application " + c.applicationId() + ", "
                + c.processing().guarantee() + "), principal " + principal + ".");
        System.out.println("# Replace $BOOTSTRAP (or set it and pipe into sh); add --command-config FILE for a secured cluster.");
        System.out.println("# Internal topics (repartition and changelog topics, the run store, the control topic) and transactional ids"
                + " (Kafka Streams'" + (Acls.isExactlyOnce(c) ? "" : " under exactly-once") + ", the run store's, promote's) are prefixed by the application id.");
        System.out.println("# CREATE on " + String.join(", ", c.outputTopics()) + ": the runner creates them when they are missing."
                + " DESCRIBE_CONFIGS on " + c.evidence().topic() + " only: plan and run check that its retention keeps evidence.");
        System.out.println("# No IdempotentWrite on the cluster: Kafka 3.0+ (KIP-679) authorizes a transactional producer by WRITE on its"
                + " transactional id and an idempotent one by WRITE on a topic (SecuredBrokerIT, Kafka 4.4.0 with StandardAuthorizer).");
        System.out.println("# " + evidenceWriters(c));
        List<String> promotedOnly = new ArrayList<>(c.allowedWriteTopics());
        promotedOnly.removeAll(c.outputTopics());
        if (!promotedOnly.isEmpty() && !withPromote) {
            System.out.println("# allowed_write_topics also lists " + String.join(", ", promotedOnly) + ": only 'reprise promote' writes "
                    + (promotedOnly.size() == 1 ? "it" : "them") + ", so grant WRITE to whoever promotes, not to the app"
                    + " (--with-promote adds it for a principal that does both).");
        }
        acls.forEach(a -> System.out.println(a.commandLine()));
        return ExitCodes.OK;
    }

    /** Who may write the evidence topic: the verdict a CD gate acts on is only as safe as that topic's writers. */
    static String evidenceWriters(Contract c) {
        return "WRITE on " + c.evidence().topic() + " belongs to Reprise's principal only: grant no other principal WRITE on it, "
                + "literal, prefixed or wildcard (kafka-acls --list --topic " + c.evidence().topic() + " shows who has it). Readers of the "
                + "evidence (CD gates) need READ on it and on " + dev.reprise.run.RunStore.topic(c) + " only. Any writer can put a record there; only a signature (reprise.evidence.signing.key.file, "
                + "docs/evidence-signature.md) tells Reprise's evidence from it, and unsigned evidence cannot be told at all.";
    }

    private String strimzi(Contract c) {
        Map<String, Object> user = Acls.strimziKafkaUser(c, principal, strimziCluster, withPromote);
        String header = "# Least-privilege ACLs for contract " + c.name() + " (application " + c.applicationId() + ", "
                + c.processing().guarantee() + ") as a Strimzi KafkaUser: reprise acls --format strimzi --principal " + principal
                + " --strimzi-cluster " + strimziCluster + (withPromote ? " --with-promote" : "") + "\n"
                + "# Apply it in the namespace the User Operator watches; it creates the user's credentials Secret of the same name.\n"
                + "# " + evidenceWriters(c) + "\n";
        try {
            return header + YAML.writeValueAsString(user);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper YAML = new com.fasterxml.jackson.databind.ObjectMapper(
            com.fasterxml.jackson.dataformat.yaml.YAMLFactory.builder()
                    .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .build());
}
