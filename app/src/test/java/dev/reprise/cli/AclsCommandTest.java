package dev.reprise.cli;

import dev.reprise.Main;
import dev.reprise.contract.ContractLoader;
import dev.reprise.ops.Acls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code reprise acls} as an operator runs it: the real command line, stdout and the exit code. */
class AclsCommandTest {
    private static final String CONTRACT = "../config/inventory.yaml";

    record Outcome(int exitCode, String stdout, String stderr) {
        List<String> lines() {
            return stdout.lines().toList();
        }
    }

    static Outcome reprise(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(args);
            return new Outcome(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void printsOneKafkaAclsLinePerBindingAfterCommentLines() {
        Outcome o = reprise("acls", "--contract", CONTRACT);

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
        Outcome o = reprise("acls", "--contract", CONTRACT, "--principal", "User:app", "--json");

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
        Outcome o = reprise("acls", "--help");

        assertThat(o.exitCode()).isZero();
        assertThat(o.stdout()).contains("--principal", "--json", "Example", "reprise acls --contract config/inventory.yaml");
    }

    @Test
    void aPrincipalWithoutATypeIsInvalidInput() {
        Outcome o = reprise("acls", "--contract", CONTRACT, "--principal", "reprise");

        assertThat(o.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(o.stdout()).isEmpty();
        assertThat(o.stderr()).contains("expected TYPE:NAME such as User:reprise, got 'reprise'");
    }
}
