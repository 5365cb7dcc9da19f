package dev.reprise.compare;

import java.util.HashMap;
import java.util.Map;

/** The {@code --name value} arguments of the rebuild processes the harness starts (not a user interface: the harness writes them). */
public final class Args {
    private final Map<String, String> values = new HashMap<>();

    public Args(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            values.put(args[i].substring(2), args[++i]);
        }
    }

    public String get(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is missing");
        }
        return v;
    }

    public String get(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }
}
