package dev.reprise.cli;

import java.util.List;

/**
 * Commands that a jar beside the product adds to {@code reprise}: the tools module ({@code demo}, {@code generate},
 * {@code bench}, {@code drill}, {@code broker}) registers one in {@code META-INF/services/dev.reprise.cli.ToolCommands}.
 * Without such a jar on the class path, {@code reprise} offers the product's commands only.
 */
public interface ToolCommands {
    /** The picocli command classes to add, in the order {@code reprise --help} lists them. */
    List<Class<?>> commands();

    /** The help's last line: the first command to run, e.g. {@code reprise demo}. */
    String startWith();
}
