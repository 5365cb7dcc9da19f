package dev.reprise;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JVM that the launcher runs as its child stops when the launcher is gone, even killed with SIGKILL. */
class LauncherFollowTest {
    @Test
    void whenTheProcessFollowedIsKilledTheActionRuns() throws Exception {
        // Not this JVM's child, as the launcher is not: a sleep whose shell has exited (the JDK polls such a process).
        long pid = orphanSleep();
        CountDownLatch gone = new CountDownLatch(1);
        Main.followLauncher(Long.toString(pid), gone::countDown);
        assertThat(gone.getCount()).as("the process still runs").isEqualTo(1);

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        assertThat(gone.await(30, TimeUnit.SECONDS)).as("the action ran once the process was killed").isTrue();
    }

    @Test
    void aProcessAlreadyGoneRunsTheActionAtOnce() throws Exception {
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        CountDownLatch gone = new CountDownLatch(1);
        Main.followLauncher(Long.toString(done.pid()), gone::countDown);
        assertThat(gone.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aPidThatIsNotANumberIsRefused() {
        assertThatThrownBy(() -> Main.followLauncher("launcher", () -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reprise.launcher.pid");
    }

    private static long orphanSleep() throws IOException, InterruptedException {
        Process shell = new ProcessBuilder("sh", "-c", "sleep 120 >/dev/null 2>&1 & echo $!").start();
        String pid = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(shell.waitFor()).isZero();
        return Long.parseLong(pid);
    }
}
