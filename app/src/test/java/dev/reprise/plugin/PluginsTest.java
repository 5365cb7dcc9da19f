package dev.reprise.plugin;

import dev.reprise.Cli;
import dev.reprise.projection.Projection;
import dev.reprise.projection.ProjectionRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A team's projection in its own jar, on the plugin path: found without a rebuild, in a class loader of its own; a broken
 * plugin is refused before anything starts, naming the plugin and the fix. The plugins are compiled here from source.
 */
class PluginsTest {
    @TempDir
    Path dir;

    @AfterEach
    void back() {
        Plugins.usePath(null);
    }

    static String projection(String className, String name, String body) {
        return """
                package team;
                public class %s implements dev.reprise.projection.Projection<dev.reprise.evidence.avro.CheckResult> {
                    %s
                    public String name() { return "%s"; }
                    public Class<dev.reprise.evidence.avro.CheckResult> stateClass() { return dev.reprise.evidence.avro.CheckResult.class; }
                    public dev.reprise.evidence.avro.CheckResult initial(String key) { return new dev.reprise.evidence.avro.CheckResult(key, true, 0L, ""); }
                    public dev.reprise.evidence.avro.CheckResult apply(dev.reprise.evidence.avro.CheckResult s, dev.reprise.projection.Event e) { return s; }
                    public java.util.List<dev.reprise.projection.Invariant<dev.reprise.evidence.avro.CheckResult>> invariants() { return java.util.List.of(); }
                }
                """.formatted(className, body, name);
    }

    /** Compiles the sources (class name → source) into a jar whose services file lists {@code services}. */
    Path jar(Path at, Map<String, String> sources, List<String> services, String... javacOptions) throws IOException {
        Path src = Files.createTempDirectory(dir, "src");
        Path classes = Files.createTempDirectory(dir, "classes");
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
            files.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")));
        args.addAll(List.of(javacOptions));
        args.addAll(files);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        assertThat(javac.run(null, null, errors, args.toArray(String[]::new))).as(errors.toString()).isZero();
        Files.createDirectories(at.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(at)); Stream<Path> walk = Files.walk(classes)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
            }
            if (!services.isEmpty()) {
                out.putNextEntry(new JarEntry("META-INF/services/" + Projection.class.getName()));
                out.write(String.join("\n", services).getBytes(StandardCharsets.UTF_8));
            }
        }
        return at;
    }

    @Test
    void aProjectionInAJarOnThePluginPathIsFoundInAClassLoaderOfItsOwn() throws Exception {
        jar(dir.resolve("plugins/team-levels.jar"), Map.of("team.Levels", projection("Levels", "team-levels", "")), List.of("team.Levels"));
        Main.usePluginPath(dir.resolve("plugins"));

        Projection<?> p = ProjectionRegistry.named("team-levels");
        assertThat(p.getClass().getName()).isEqualTo("team.Levels");
        assertThat(p.getClass().getClassLoader()).isInstanceOf(Plugins.PluginClassLoader.class);
        assertThat(ProjectionRegistry.all()).as("the plugin's beside the class path's").containsKey("team-levels");
    }

    @Test
    void aPluginMayBeAFolderOfJarsWithItsOwnDependencies() throws Exception {
        Path folder = dir.resolve("plugins/team");
        jar(folder.resolve("helper.jar"), Map.of("team.dep.Names", "package team.dep; public class Names { public static String of() { return \"team-helped\"; } }"),
                List.of());
        Path withHelper = dir.resolve("compile-against");
        jar(withHelper.resolve("helper.jar"), Map.of("team.dep.Names", "package team.dep; public class Names { public static String of() { return \"team-helped\"; } }"),
                List.of());
        jar(folder.resolve("projection.jar"), Map.of("team.Helped", projection("Helped", "helped", "")
                .replace("return \"helped\";", "return team.dep.Names.of();")), List.of("team.Helped"), "-cp",
                System.getProperty("java.class.path") + java.io.File.pathSeparator + withHelper.resolve("helper.jar"));
        Main.usePluginPath(dir.resolve("plugins"));

        assertThat(ProjectionRegistry.all()).containsKey("team-helped");
    }

    @Test
    void thePackagesSharedWithRepriseAlwaysComeFromReprise() throws Exception {
        // A plugin that bundles its own copy of Avro must not replace the Avro Reprise hands its projections.
        jar(dir.resolve("plugins/bundled.jar"), Map.of("org.apache.avro.Schema", "package org.apache.avro; public class Schema { }",
                "team.Own", "package team; public class Own { }"), List.of());
        Main.usePluginPath(dir.resolve("plugins"));

        ClassLoader loader = Plugins.all().get(0).loader();
        assertThat(loader.loadClass("org.apache.avro.Schema")).isSameAs(org.apache.avro.Schema.class);
        assertThat(loader.loadClass("team.Own").getClassLoader()).isSameAs(loader);
    }

    @Test
    void aServicesFileNamingAMissingClassIsRefusedNamingThePlugin() throws Exception {
        Path jar = jar(dir.resolve("plugins/broken.jar"), Map.of("team.Present", projection("Present", "present", "")), List.of("team.Absent"));
        Main.usePluginPath(dir.resolve("plugins"));

        assertThatThrownBy(ProjectionRegistry::all).isInstanceOf(PluginException.class).hasMessageContaining("plugin " + jar)
                .hasMessageContaining("missing").hasMessageContaining("Nothing was started");
    }

    @Test
    void twoProjectionsWithOneNameAreRefusedNamingBoth() throws Exception {
        Path a = jar(dir.resolve("plugins/a.jar"), Map.of("team.A", projection("A", "levels", "")), List.of("team.A"));
        Path b = jar(dir.resolve("plugins/b.jar"), Map.of("team.B", projection("B", "levels", "")), List.of("team.B"));
        Main.usePluginPath(dir.resolve("plugins"));

        assertThatThrownBy(ProjectionRegistry::all).isInstanceOf(PluginException.class).hasMessageContaining("two projections are named 'levels'")
                .hasMessageContaining(a.toString()).hasMessageContaining(b.toString());
    }

    @Test
    void aClassCompiledForANewerJavaIsRefusedSayingSo() throws Exception {
        Path jar = jar(dir.resolve("classes.jar"), Map.of("team.Newer", projection("Newer", "newer", "")), List.of("team.Newer"));
        // The class file's major version raised to one this JVM does not know, as a newer javac writes it.
        Path patched = dir.resolve("plugins/newer.jar");
        Files.createDirectories(patched.getParent());
        try (java.util.jar.JarFile in = new java.util.jar.JarFile(jar.toFile()); JarOutputStream out = new JarOutputStream(Files.newOutputStream(patched))) {
            for (JarEntry e : java.util.Collections.list(in.entries())) {
                byte[] bytes = in.getInputStream(e).readAllBytes();
                if (e.getName().endsWith(".class")) {
                    int major = 44 + Runtime.version().feature() + 10;
                    bytes[6] = (byte) (major >>> 8);
                    bytes[7] = (byte) major;
                }
                out.putNextEntry(new JarEntry(e.getName()));
                out.write(bytes);
            }
        }
        Files.delete(jar);
        Main.usePluginPath(dir.resolve("plugins"));

        assertThatThrownBy(ProjectionRegistry::all).isInstanceOf(PluginException.class).hasMessageContaining("plugin " + patched)
                .hasMessageContaining("compiled for a newer Java");
    }

    @Test
    void aProjectionWhoseConstructorThrowsIsRefusedNamingThePlugin() throws Exception {
        Path jar = jar(dir.resolve("plugins/throws.jar"), Map.of("team.Throws", projection("Throws", "throws",
                "public Throws() { throw new IllegalStateException(\"no config file\"); }")), List.of("team.Throws"));
        Main.usePluginPath(dir.resolve("plugins"));

        assertThatThrownBy(ProjectionRegistry::all).isInstanceOf(PluginException.class).hasMessageContaining("plugin " + jar)
                .hasMessageContaining("no config file");
    }

    @Test
    void theCommandLineTakesThePluginPathAndABrokenPluginExitsWith2() throws Exception {
        jar(dir.resolve("plugins/broken.jar"), Map.of("team.Present", projection("Present", "present", "")), List.of("team.Absent"));

        Cli.Outcome o = Cli.reprise("plan", "--offline", "--contract", Path.of("..", "config", "invoice.yaml").toString(), "--plugin-path",
                dir.resolve("plugins").toString());
        assertThat(o.exitCode()).as(o.stderr()).isEqualTo(2);
        assertThat(o.stderr()).contains("broken.jar").contains("Nothing was started");
    }

    /** The command line's way in, without running a command. */
    static final class Main {
        static void usePluginPath(Path path) {
            dev.reprise.Main.takePluginPath(new String[]{"--plugin-path", path.toString()});
        }
    }

}
