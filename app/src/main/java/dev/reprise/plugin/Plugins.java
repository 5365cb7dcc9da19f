package dev.reprise.plugin;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * A team's projections and upcasters from a plugin path, as Kafka Connect's {@code plugin.path} takes connectors: every
 * entry is a directory whose children are plugins (a jar is one plugin; a folder is one plugin made of every jar in
 * it), or a plugin jar itself. Each plugin gets a class loader of its own that looks in the plugin first, so a
 * plugin's dependencies cannot replace Reprise's, except for the types a plugin shares with Reprise (its extension
 * points, Avro, Kafka, logging, the JDK), which always come from Reprise.
 *
 * <p>The path: {@code --plugin-path} on the command line, else {@code REPRISE_PLUGIN_PATH}, else {@code plugins/}
 * beside the install ({@code REPRISE_HOME}, set by the launcher); entries separated by the platform's path separator.
 * Plugins are runtime data: adding one never rebuilds Reprise.
 */
public final class Plugins {
    /** Packages a plugin shares with Reprise: loaded from Reprise's class path, never from the plugin. */
    static final List<String> SHARED = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.", "dev.reprise.", "org.apache.avro.",
            "org.apache.kafka.", "org.slf4j.", "com.fasterxml.jackson.");
    private static volatile List<Plugin> loaded;
    private static volatile String path;

    private Plugins() {
    }

    /** One plugin: where it is and its class loader. */
    public record Plugin(Path location, ClassLoader loader) {
        @Override
        public String toString() {
            return location.toString();
        }
    }

    /** A provider of an extension point, and the plugin it came from (null: Reprise's own class path). */
    public record Found<T>(T provider, Plugin plugin) {
        public String origin() {
            return plugin == null ? "the class path" : "plugin " + plugin.location();
        }
    }

    /** Sets the plugin path before anything is loaded ({@code --plugin-path}); null: the environment's or the default. */
    public static synchronized void usePath(String pluginPath) {
        path = pluginPath;
        loaded = null;
    }

    /** The plugin path given with {@code --plugin-path}, or null: a child process started with this one's environment finds the rest. */
    public static String givenPath() {
        return path;
    }

    /** The plugin path in force, as text (empty when none). */
    public static String path() {
        if (path != null) {
            return path;
        }
        String env = System.getenv("REPRISE_PLUGIN_PATH");
        if (env != null && !env.isBlank()) {
            return env;
        }
        String home = System.getenv("REPRISE_HOME");
        return home == null || home.isBlank() ? "" : Path.of(home, "plugins").toString();
    }

    /** The plugins on the plugin path, each in its class loader, made once. */
    public static List<Plugin> all() {
        List<Plugin> result = loaded;
        if (result == null) {
            synchronized (Plugins.class) {
                if (loaded == null) {
                    loaded = discover(path());
                }
                result = loaded;
            }
        }
        return result;
    }

    /**
     * Every provider of {@code type}: Reprise's own class path first, then each plugin's.
     *
     * @throws PluginException when a plugin's provider cannot be loaded or made (a missing class, a class for a newer Java,
     *                         a constructor that throws), naming the plugin and the fix
     */
    public static <T> List<Found<T>> load(Class<T> type) {
        List<Found<T>> out = new ArrayList<>();
        collect(type, ServiceLoader.load(type, Plugins.class.getClassLoader()), null, out);
        for (Plugin plugin : all()) {
            collect(type, ServiceLoader.load(type, plugin.loader()), plugin, out);
        }
        return out;
    }

    private static <T> void collect(Class<T> type, ServiceLoader<T> services, Plugin plugin, List<Found<T>> out) {
        Iterator<ServiceLoader.Provider<T>> providers = services.stream().iterator();
        while (true) {
            ServiceLoader.Provider<T> provider;
            try {
                if (!providers.hasNext()) {
                    return;
                }
                provider = providers.next();
                // A plugin's loader also sees Reprise's own providers through its parent: each is taken once, from where it lives.
                if (plugin != null && provider.type().getClassLoader() != plugin.loader()) {
                    continue;
                }
                out.add(new Found<>(provider.get(), plugin));
            } catch (ServiceConfigurationError | LinkageError e) {
                throw PluginException.unloadable(type, plugin, e);
            } catch (RuntimeException e) {
                throw PluginException.unloadable(type, plugin, e);
            }
        }
    }

    static List<Plugin> discover(String pluginPath) {
        List<Plugin> plugins = new ArrayList<>();
        if (pluginPath == null || pluginPath.isBlank()) {
            return plugins;
        }
        for (String entry : pluginPath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry.trim()).toAbsolutePath().normalize();
            if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
                plugins.add(plugin(p, List.of(p)));
            } else if (Files.isDirectory(p)) {
                try (Stream<Path> children = Files.list(p)) {
                    for (Path child : children.sorted().toList()) {
                        if (Files.isRegularFile(child) && child.toString().endsWith(".jar")) {
                            plugins.add(plugin(child, List.of(child)));
                        } else if (Files.isDirectory(child)) {
                            List<Path> jars;
                            try (Stream<Path> inside = Files.walk(child)) {
                                jars = inside.filter(f -> Files.isRegularFile(f) && f.toString().endsWith(".jar")).sorted().toList();
                            }
                            if (!jars.isEmpty()) {
                                plugins.add(plugin(child, jars));
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the plugin directory " + p + ": " + e.getMessage(), e);
                }
            } else if (!Files.exists(p) && pluginPath.equals(path) ) {
                throw new PluginException("--plugin-path: " + p + " does not exist; give a directory of plugins (jars or folders of jars) "
                        + "or a plugin jar");
            }
        }
        return plugins;
    }

    private static Plugin plugin(Path location, List<Path> jars) {
        URL[] urls = jars.stream().map(j -> {
            try {
                return j.toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }).toArray(URL[]::new);
        return new Plugin(location, new PluginClassLoader(location, urls, Plugins.class.getClassLoader()));
    }

    /** Looks in the plugin first, but for the packages it shares with Reprise. */
    static final class PluginClassLoader extends URLClassLoader {
        static {
            ClassLoader.registerAsParallelCapable();
        }

        PluginClassLoader(Path location, URL[] urls, ClassLoader parent) {
            super("plugin " + location.getFileName(), urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (SHARED.stream().anyMatch(name::startsWith)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException notInThePlugin) {
                        c = getParent().loadClass(name);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
