package dev.reprise.tools;

import dev.reprise.bench.BenchCommand;
import dev.reprise.cli.ToolCommands;
import dev.reprise.demo.DemoCommand;
import dev.reprise.demo.GenerateCommand;
import dev.reprise.drill.DrillCommand;
import dev.reprise.embedded.BrokerCommand;

import java.util.List;

/** The tools' commands, added to {@code reprise} when this module's jar is on the class path (the launcher puts it there). */
public final class Tools implements ToolCommands {
    @Override
    public List<Class<?>> commands() {
        return List.of(DemoCommand.class, GenerateCommand.class, BenchCommand.class, DrillCommand.class, BrokerCommand.class);
    }

    @Override
    public String startWith() {
        return "reprise demo";
    }
}
