package dev.reprise.deploy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the typed API models of Kubernetes (fabric8), the Prometheus Operator (fabric8's monitoring model) and Strimzi
 * (its own api) say of a manifest: a field they do not know lands in an object's {@code additionalProperties}
 * instead of failing the parse. This walks a parsed object and names every such field by its path, so that a
 * misspelt or misplaced field ({@code spec.template.spec.restartPolicyy}, a {@code podFailurePolicy} under the pod)
 * fails the test. A value of the wrong type already fails the parse. Not checked here: required fields, enums and
 * patterns of the API servers' OpenAPI schemas (no API server, and no schema files, on the machines that run this).
 */
final class ApiModels {
    private ApiModels() {
    }

    static List<String> unknownFields(Object model) {
        List<String> out = new ArrayList<>();
        walk(model, "", out, new IdentityHashMap<>());
        return out;
    }

    private static void walk(Object o, String path, List<String> out, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "[" + k + "]", out, seen));
            return;
        }
        String pkg = o.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8.") && !pkg.startsWith("io.strimzi.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            if (field.equals("additionalProperties")) {
                if (value instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(k -> out.add(path.isEmpty() ? String.valueOf(k) : path + "." + k));
                }
                continue;
            }
            walk(value, path.isEmpty() ? field : path + "." + field, out, seen);
        }
    }
}
