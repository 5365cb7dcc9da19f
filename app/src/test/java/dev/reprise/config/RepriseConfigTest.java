package dev.reprise.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepriseConfigTest {

    @Test
    void defaultsComeFromTheDeclaration() {
        RepriseConfig c = RepriseConfig.of(Map.of("bootstrap.servers", "x:9092"));
        assertThat(c.rocksDbMemoryBytes()).isEqualTo(192L * 1024 * 1024);
        assertThat(c.applyRecentStates()).as("0: sized from the heap").isEqualTo(0);
    }

    @Test
    void aWrongValueIsRefusedWithTheNameAndWhatItAccepts() {
        assertThatThrownBy(() -> RepriseConfig.of(Map.of(RepriseConfig.ROCKSDB_MEMORY_BYTES, "1000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reprise.rocksdb.memory.bytes").hasMessageContaining("at least");
        assertThatThrownBy(() -> RepriseConfig.of(Map.of(RepriseConfig.APPLY_RECENT_STATES, "many")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reprise.apply.recent.states");
    }

    @Test
    void aTypoInAReprisePropertyIsRefusedNotIgnored() {
        assertThatThrownBy(() -> RepriseConfig.of(Map.of("reprise.rocksdb.memory", "1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown property 'reprise.rocksdb.memory'")
                .hasMessageContaining(RepriseConfig.ROCKSDB_MEMORY_BYTES);
        assertThatThrownBy(() -> RepriseConfig.of(Map.of("reprise.apply.recent.state", "1")))
                .hasMessageContaining("(did you mean 'reprise.apply.recent.states'?)").hasMessageContaining("'reprise reference properties'");
    }

    @Test
    void theReferenceTableListsEveryProperty() {
        String table = RepriseConfig.markdownTable();
        RepriseConfig.DEFINITION.names().forEach(name -> assertThat(table).contains("`" + name + "`"));
    }
}
