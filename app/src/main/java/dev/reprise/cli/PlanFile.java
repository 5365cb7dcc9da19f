package dev.reprise.cli;

import dev.reprise.plan.RunPlan;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A run plan written by {@code reprise plan --out}, read for {@code --plan} before anything connects. */
final class PlanFile {
    private PlanFile() {
    }

    /** @throws IllegalArgumentException (exit 2) naming the file and what to do when it is missing or not a plan */
    static RunPlan read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--plan: file not found: " + file + "; write one with 'reprise plan --out " + file
                    + "', or leave --plan out to run the run in force");
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException("--plan: " + file + " is not a text file; pass the JSON file written by 'reprise plan --out'");
        } catch (IOException e) {
            throw new IllegalArgumentException("--plan: cannot read " + file + (Files.isDirectory(file) ? ": it is a directory" : ": " + e.getMessage()));
        }
        try {
            return RunPlan.fromJson(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--plan: " + file + " is not a run plan; pass the JSON file written by 'reprise plan --out plan.json'");
        }
    }
}
