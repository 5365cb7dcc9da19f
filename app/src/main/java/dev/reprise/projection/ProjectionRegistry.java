package dev.reprise.projection;

import dev.reprise.contract.ContractException;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The projections registered through {@code META-INF/services/dev.reprise.projection.Projection}: the ones a
 * contract may name. The demo's deliberately wrong projection ({@code reprise demo --inject-bug}) is not
 * among them; the demo hands it to its run itself.
 */
public final class ProjectionRegistry {
    private ProjectionRegistry() {
    }

    public static Map<String, Projection<?>> all() {
        Map<String, Projection<?>> out = new TreeMap<>();
        for (Projection<?> p : ServiceLoader.load(Projection.class)) {
            out.put(p.name(), p);
        }
        return out;
    }

    /** The projection named by the contract's {@code projection.name}. */
    public static Projection<?> named(String name) {
        Map<String, Projection<?>> all = all();
        Projection<?> p = all.get(name);
        if (p == null) {
            throw new ContractException("projection.name", "no projection named '" + name + "' is registered; known: " + all.keySet()
                    + ". Register yours in META-INF/services/dev.reprise.projection.Projection");
        }
        return p;
    }
}
