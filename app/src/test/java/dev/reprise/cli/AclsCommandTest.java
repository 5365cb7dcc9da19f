package dev.reprise.cli;

import dev.reprise.Cli;
import dev.reprise.contract.ContractLoader;
import dev.reprise.cluster.Acls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code reprise acls} as an operator runs it: the real command line, stdout and the exit code. */
public class AclsCommandTest {
    private static final String CONTRACT = "../config/inventory.yaml";

    @Test
    void printsOneKafkaAclsLinePerBindingAfterCommentLines() {
        Cli.Outcome o = Cli.reprise("acls", "--contract", CONTRACT);

        assertThat(o.exitCode()).as("exit code; stderr:%n%s", o.stderr()).isZero();
        assertThat(o.stderr()).isEmpty();
        List<String> commands = o.lines().stream().filter(l -> !l.startsWith("#")).toList();
        List<String> expected = Acls.forContract(ContractLoader.load(Path.of(CONTRACT)), "User:reprise").stream()
                .map(Acls.AclEntry::commandLine).toList();
        assertThat(commands).as("every line is a comment or a kafka-acls command").containsExactlyElementsOf(expected);
        assertThat(commands).hasSize(17).allSatisfy(l -> assertThat(l)
                .matches("kafka-acls\\.sh --bootstrap-server \\$BOOTSTRAP --add --allow-principal User:reprise --operation [A-Z_]+"
                        + " --(topic|group|transactional-id) [A-Za-z0-9._-]+ --resource-pattern-type (literal|prefixed)"));
        assertThat(commands).contains(
                "kafka-acls.sh --bootstrap-server $BOOTSTRAP --add --allow-principal User:reprise --operation DELETE --topic reprise-inventory --resource-pattern-type prefixed",
                "kafka-acls.sh --bootstrap-server $BOOTSTRAP --add --allow-principal User:reprise --operation WRITE --transactional-id reprise-inventory --resource-pattern-type prefixed",
                "kafka-acls.sh --bootstrap-server $BOOTSTRAP --add --allow-principal User:reprise --operation READ --group reprise-inventory --resource-pattern-type literal");
        String comments = String.join("\n", o.lines().stream().filter(l -> l.startsWith("#")).toList());
        assertThat(comments)
                .contains("CREATE on inventory-levels-rebuilt, reprise-evidence, inventory-events-dlq: the runner creates them when they are missing")
                .contains("No IdempotentWrite on the cluster")
                .contains("allowed_write_topics also lists inventory-levels: only 'reprise promote' writes it");
    }

    @Test
    void jsonIsOneArrayOfBindingsWithSnakeCaseFields() throws Exception {
        Cli.Outcome o = Cli.reprise("acls", "--contract", CONTRACT, "--principal", "User:app", "--json");

        assertThat(o.exitCode()).as("exit code; stderr:%n%s", o.stderr()).isZero();
        JsonNode array = new ObjectMapper().readTree(o.stdout());
        assertThat(array.isArray()).as("one JSON array on stdout: %s", o.stdout()).isTrue();
        assertThat(array).hasSize(17);
        List<String> fields = new ArrayList<>();
        array.get(0).fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("resource_type", "resource_name", "pattern_type", "operation", "permission", "principal");
        assertThat(array).anySatisfy(b -> {
            assertThat(b.get("resource_type").asText()).isEqualTo("TRANSACTIONAL_ID");
            assertThat(b.get("resource_name").asText()).isEqualTo("reprise-inventory");
            assertThat(b.get("pattern_type").asText()).isEqualTo("PREFIXED");
            assertThat(b.get("operation").asText()).isEqualTo("WRITE");
            assertThat(b.get("permission").asText()).isEqualTo("ALLOW");
            assertThat(b.get("principal").asText()).isEqualTo("User:app");
        });
    }

    @Test
    void helpShowsAnExample() {
        Cli.Outcome o = Cli.reprise("acls", "--help");

        assertThat(o.exitCode()).isZero();
        assertThat(o.stdout()).contains("--principal", "--json", "Example", "reprise acls --contract config/inventory.yaml");
    }

    @Test
    void aPrincipalWithoutATypeIsInvalidInput() {
        Cli.Outcome o = Cli.reprise("acls", "--contract", CONTRACT, "--principal", "reprise");

        assertThat(o.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(o.stdout()).isEmpty();
        assertThat(o.stderr()).contains("expected TYPE:NAME such as User:reprise, got 'reprise'");
    }

    /** The expanded bindings of a KafkaUser as "TYPE name PATTERN OPERATION PERMISSION principal", in reprise acls --json's terms. */
    public static List<String> bindings(io.strimzi.api.kafka.model.user.KafkaUser user, String principal) {
        List<String> out = new ArrayList<>();
        io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple simple =
                (io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple) user.getSpec().getAuthorization();
        for (io.strimzi.api.kafka.model.user.acl.AclRule rule : simple.getAcls()) {
            String type;
            String name;
            String pattern;
            if (rule.getResource() instanceof io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource t) {
                type = "TOPIC";
                name = t.getName();
                pattern = t.getPatternType().toValue();
            } else if (rule.getResource() instanceof io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource g) {
                type = "GROUP";
                name = g.getName();
                pattern = g.getPatternType().toValue();
            } else if (rule.getResource() instanceof io.strimzi.api.kafka.model.user.acl.AclRuleTransactionalIdResource x) {
                type = "TRANSACTIONAL_ID";
                name = x.getName();
                pattern = x.getPatternType().toValue();
            } else {
                throw new AssertionError("unexpected resource " + rule.getResource());
            }
            assertThat(rule.getHost()).as("any host").isEqualTo("*");
            for (io.strimzi.api.kafka.model.user.acl.AclOperation op : rule.getOperations()) {
                out.add(type + " " + name + " " + (pattern.equals("prefix") ? "PREFIXED" : "LITERAL") + " "
                        + op.toValue().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase() + " " + rule.getType().toValue().toUpperCase() + " " + principal);
            }
        }
        return out;
    }

    public static io.strimzi.api.kafka.model.user.KafkaUser parseKafkaUser(String yaml) throws java.io.IOException {
        return new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readValue(yaml, io.strimzi.api.kafka.model.user.KafkaUser.class);
    }

    @Test
    void strimziFormatIsAKafkaUserWithExactlyTheAclsOfJson() throws Exception {
        Cli.Outcome strimzi = Cli.reprise("acls", "--contract", CONTRACT, "--format", "strimzi", "--principal", "User:reprise", "--strimzi-cluster", "prod");
        Cli.Outcome json = Cli.reprise("acls", "--contract", CONTRACT, "--principal", "User:reprise", "--json");

        assertThat(strimzi.exitCode()).as("exit code; stderr:%n%s", strimzi.stderr()).isZero();
        io.strimzi.api.kafka.model.user.KafkaUser user = parseKafkaUser(strimzi.stdout());
        assertThat(user.getApiVersion()).isEqualTo("kafka.strimzi.io/v1");
        assertThat(user.getMetadata().getName()).as("Strimzi names a SCRAM user's principal User:<name>").isEqualTo("reprise");
        assertThat(user.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "prod");
        assertThat(user.getSpec().getAuthentication().getType()).isEqualTo("scram-sha-512");
        assertThat(user.getSpec().getAuthorization().getType()).isEqualTo("simple");
        List<String> fromJson = new ArrayList<>();
        new ObjectMapper().readTree(json.stdout()).forEach(b -> fromJson.add(b.get("resource_type").asText() + " " + b.get("resource_name").asText() + " "
                + b.get("pattern_type").asText() + " " + b.get("operation").asText() + " " + b.get("permission").asText() + " " + b.get("principal").asText()));
        // Grouped by resource, so in another order; no binding twice, none missing, none added.
        assertThat(bindings(user, "User:reprise")).as("the KafkaUser's rules, one binding per operation")
                .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(fromJson);
    }

    @Test
    void aTlsPrincipalMakesATlsKafkaUser() throws Exception {
        Cli.Outcome o = Cli.reprise("acls", "--contract", CONTRACT, "--format", "strimzi", "--principal", "User:CN=replayer");

        assertThat(o.exitCode()).as("stderr:%n%s", o.stderr()).isZero();
        io.strimzi.api.kafka.model.user.KafkaUser user = parseKafkaUser(o.stdout());
        assertThat(user.getMetadata().getName()).isEqualTo("replayer");
        assertThat(user.getSpec().getAuthentication().getType()).isEqualTo("tls");
        assertThat(user.getMetadata().getLabels()).as("the default cluster name").containsEntry("strimzi.io/cluster", "my-cluster");
    }

    @Test
    void aPrincipalStrimziCannotGiveAKafkaUserIsInvalidInput() {
        Cli.Outcome o = Cli.reprise("acls", "--contract", CONTRACT, "--format", "strimzi", "--principal", "User:Alice@EXAMPLE.COM");

        assertThat(o.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(o.stdout()).isEmpty();
        assertThat(o.stderr()).contains("User:NAME (SCRAM-SHA-512) or User:CN=NAME (TLS)", "'User:Alice@EXAMPLE.COM'");
    }

    @Test
    void jsonAndAnotherFormatTogetherAreInvalidInput() {
        Cli.Outcome o = Cli.reprise("acls", "--contract", CONTRACT, "--json", "--format", "strimzi");

        assertThat(o.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(o.stderr()).contains("--json and --format strimzi");
    }
}
