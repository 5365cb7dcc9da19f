package dev.reprise.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The one directory helper of the tools and their tests: deleting a tree, loudly or quietly. */
public final class Directories {
    private static final Logger LOG = LoggerFactory.getLogger(Directories.class);

    private Directories() {
    }

    /** Deletes a directory and everything under it (deepest first); nothing when it does not exist. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Deletes a directory the way {@link #deleteTree} does; a failure is logged as a warning naming {@code what} and
     * the directory (a leftover temporary directory is harmless, a silent one is not).
     */
    public static void deleteQuietly(Path dir, String what) {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not delete {} {}: {}; delete it by hand", what, dir, e.getMessage());
        }
    }
}
