package dev.reprise.projection;

import dev.reprise.contract.ContractException;

import java.util.Map;
import dev.reprise.plugin.PluginException;
import dev.reprise.plugin.Plugins;
import java.util.TreeMap;

/**
 * The projections registered through {@code META-INF/services/dev.reprise.projection.Projection}: the ones a
 * contract may name. The demo's deliberately wrong projection ({@code reprise demo --inject-bug}) is not
 * among them; the demo hands it to its run itself.
 */
public final class ProjectionRegistry {
    private ProjectionRegistry() {
    }

    /**
     * Every registered projection by name: Reprise's class path and the plugin path ({@link Plugins}).
     *
     * @throws PluginException when two projections have one name, naming where each came from
     */
    public static Map<String, Projection<?>> all() {
        Map<String, Projection<?>> out = new TreeMap<>();
        Map<String, String> origins = new TreeMap<>();
        for (Plugins.Found<Projection> found : Plugins.load(Projection.class)) {
            Projection<?> p = found.provider();
            String before = origins.putIfAbsent(p.name(), found.origin() + " (" + p.getClass().getName() + ")");
            if (before != null) {
                throw new PluginException("two projections are named '" + p.name() + "': " + before + " and " + found.origin() + " ("
                        + p.getClass().getName() + "); give each projection a name of its own, or remove one of the plugins. Nothing was started.");
            }
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
                    + ". Register yours in META-INF/services/dev.reprise.projection.Projection of a jar on the plugin path ("
                    + (Plugins.path().isEmpty() ? "none set: --plugin-path DIR or REPRISE_PLUGIN_PATH" : Plugins.path()) + ")");
        }
        return p;
    }
}
