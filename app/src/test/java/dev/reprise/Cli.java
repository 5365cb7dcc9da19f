package dev.reprise;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one way tests run Reprise's real command line ({@link Main#execute}) in-process: exit code, stdout and stderr
 * of that call. Commands may run on several threads at once (two instances of a run): output is captured per thread.
 */
public final class Cli {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadLocal<ByteArrayOutputStream> OUT = new ThreadLocal<>();
    private static final ThreadLocal<ByteArrayOutputStream> ERR = new ThreadLocal<>();

    static {
        System.setOut(new PrintStream(perThread(OUT, System.out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(perThread(ERR, System.err), true, StandardCharsets.UTF_8));
    }

    private Cli() {
    }

    /** Output of one command. */
    public record Outcome(int exitCode, String stdout, String stderr) {
        public JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (Exception e) {
                throw new AssertionError("not JSON on stdout: " + stdout + "\nstderr: " + stderr, e);
            }
        }

        public List<String> lines() {
            return stdout.lines().toList();
        }
    }

    /** Runs {@code reprise ARGS...} and returns what it printed and its exit code. */
    public static Outcome reprise(String... args) {
        return reprise(picocli.CommandLine.defaultFactory(), args);
    }

    /** Runs {@code reprise ARGS...} with the commands {@code factory} makes (e.g. one with test hooks). */
    public static Outcome reprise(picocli.CommandLine.IFactory factory, String... args) {
        OUT.set(new ByteArrayOutputStream());
        ERR.set(new ByteArrayOutputStream());
        try {
            int code = Main.execute(factory, args);
            return new Outcome(code, OUT.get().toString(StandardCharsets.UTF_8), ERR.get().toString(StandardCharsets.UTF_8));
        } finally {
            OUT.remove();
            ERR.remove();
        }
    }

    private static OutputStream perThread(ThreadLocal<ByteArrayOutputStream> local, PrintStream fallback) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                ByteArrayOutputStream captured = local.get();
                if (captured != null) {
                    captured.write(b);
                } else {
                    fallback.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                ByteArrayOutputStream captured = local.get();
                if (captured != null) {
                    captured.write(b, off, len);
                } else {
                    fallback.write(b, off, len);
                }
            }
        };
    }
}
