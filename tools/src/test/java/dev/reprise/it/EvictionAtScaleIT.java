package dev.reprise.it;

import dev.reprise.config.RepriseConfig;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many more keys than an apply task keeps in memory: states are evicted, read back and written again across
 * commits all the time, and the run is killed in the middle of it. The evidence and the projection must be exactly
 * those of the generator's own account, key by key.
 */
@Timeout(value = 360, unit = TimeUnit.SECONDS)
class EvictionAtScaleIT {

    @Test
    void aRunOverManyMoreKeysThanItKeepsInMemoryIsExactThroughACrash() throws Exception {
        ReplayFixture f = new ReplayFixture(3, "");
        // 20,000 keys over 3 apply tasks (about 6,700 each), 150 states kept in memory per task: about 45 times more keys than kept.
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(60_000, 0.05, 5, 3, 20_000, 23L));
        Path contract = f.contractFile();
        Path props = f.stateDir.resolve("client.properties");
        Files.writeString(props, "session.timeout.ms=6000\nheartbeat.interval.ms=1000\n" + RepriseConfig.APPLY_RECENT_STATES + "=150\n");
        assertThat(reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "4000")).exitCode()).isZero();

        Process first = CrashRecoveryIT.start(f, contract, props, f.stateDir.resolve("a"), f.stateDir.resolve("first.out"));
        OperatorWorkflowIT.awaitProgress(f, contract, 30);
        CrashRecoveryIT.awaitCommittedDedupBatch(f);
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();
        Path out = f.stateDir.resolve("second.out");
        Process second = CrashRecoveryIT.start(f, contract, props, f.stateDir.resolve("a"), out);
        assertThat(second.waitFor(300, TimeUnit.SECONDS)).as("the restarted run finishes").isTrue();
        assertThat(second.exitValue()).as(Files.readString(Path.of(out + ".err"))).isZero();

        JsonNode evidence = new ObjectMapper().readTree(Files.readString(out, StandardCharsets.UTF_8));
        assertThat(evidence.get("events_processed").asLong()).isEqualTo(60_000);
        assertThat(evidence.get("duplicates_skipped").asLong()).isEqualTo(3_000);
        assertThat(evidence.get("dead_lettered").asLong()).isEqualTo(5);
        assertThat(evidence.get("projection_keys").asLong()).isEqualTo(generated.truth().size()).isGreaterThan(18_000);
        assertThat(evidence.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(f.readProjection()).as("every key's state, as the generator computed it on its own").isEqualTo(generated.truth());
    }
}
