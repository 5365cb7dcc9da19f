package dev.reprise.it;

import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.cluster.GroupOffsets;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.GroupType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The same replay with the Streams rebalance protocol (KIP-1071, group.protocol=streams). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StreamsProtocolIT {

    @Test
    void aStreamsGroupIsResetThroughTheStreamsGroupsAdminPathAndReplaysExactly() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(1_500, 0.1, 0, 2, 20, 16L));
        ReplayRunner runner = new ReplayRunner(f.contract, f.codecs, f.kafka.clientConfig(), f.stateDir,
                Map.of("group.protocol", "streams", "commit.interval.ms", 100));

        RecoveryEvidence first;
        ReplayRunner.Prepared prepared0;
        try (Admin admin = f.kafka.admin()) {
            prepared0 = runner.prepare(admin);
            first = runner.run(prepared0.plan(), null);
            assertThat(new GroupOffsets(admin, f.contract.applicationId()).type()).contains(GroupType.STREAMS);
        }
        assertThat(first.getEventsProcessed()).isEqualTo(1_500);
        assertThat(first.getDuplicatesSkipped()).isEqualTo(150);

        // A second run resets the streams group's offsets through the streams-groups admin calls.
        RecoveryEvidence second;
        try (Admin admin = f.kafka.admin()) {
            var plan = new dev.reprise.plan.Planner(admin, f.kafka.clientConfig()).plan(f.contract);
            runner.begin(admin, java.util.Optional.of(prepared0.plan().runId()), plan);
            second = runner.run(plan, null);
        }
        assertThat(second.getEventsProcessed()).isEqualTo(1_500);
        assertThat(second.getDuplicatesSkipped()).isEqualTo(150);
        assertThat(second.getChecksum()).isEqualTo(first.getChecksum());
        assertThat(second.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        assertThat(f.readProjection()).isEqualTo(generated.truth());
    }
}
