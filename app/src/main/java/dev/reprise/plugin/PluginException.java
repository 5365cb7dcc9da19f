package dev.reprise.plugin;

/**
 * A plugin that cannot be used: refused before anything starts (exit 2), naming the plugin and what to do. An
 * {@link IllegalArgumentException}, as every invalid input of the command line.
 */
public final class PluginException extends IllegalArgumentException {
    public PluginException(String message) {
        super(message);
    }

    PluginException(String message, Throwable cause) {
        super(message, cause);
    }

    static PluginException unloadable(Class<?> type, Plugins.Plugin plugin, Throwable e) {
        String where = plugin == null ? "the class path" : "plugin " + plugin.location();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String fix;
        if (root instanceof UnsupportedClassVersionError) {
            fix = "it was compiled for a newer Java than this one (" + Runtime.version().feature() + "): compile it with --release "
                    + Runtime.version().feature() + " or lower";
        } else if (root instanceof ClassNotFoundException || root instanceof NoClassDefFoundError
                || root instanceof java.util.ServiceConfigurationError && String.valueOf(root.getMessage()).endsWith(" not found")) {
            fix = "a class it names or needs is missing (" + root.getMessage() + "): check META-INF/services/" + type.getName()
                    + " and put the plugin's dependencies beside its jar, in a folder of its own";
        } else {
            fix = "making it failed (" + root.getClass().getSimpleName() + ": " + root.getMessage() + "): fix the plugin";
        }
        return new PluginException("cannot load a " + type.getSimpleName() + " from " + where + ": " + fix
                + ". Nothing was started.", e);
    }
}
