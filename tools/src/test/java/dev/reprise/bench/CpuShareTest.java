package dev.reprise.bench;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The bench flags a round as shared when other processes used the machine's CPU: a busy process of another is seen. */
class CpuShareTest {

    @Test
    void aBusyProcessBesideTheBenchIsCountedAsOtherWork() throws Exception {
        assumeTrue(!Double.isNaN(CpuShare.machineBusySeconds()), "the machine's CPU time is readable (Linux)");
        CpuShare before = CpuShare.now(0);
        Process spinner = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        try {
            // The process's own exit is the state waited on: it spins for as long as it is given.
            assertThat(spinner.waitFor(1500, TimeUnit.MILLISECONDS)).as("the spinner runs until stopped").isFalse();
            CpuShare after = CpuShare.now(0);
            assertThat(after.otherWorkCores(before)).as("a process spinning a core is other work above the flag's quarter core")
                    .isGreaterThan(Bench.SHARED_CORES);
        } finally {
            spinner.destroyForcibly().waitFor();
        }
    }
}
