package dev.reprise.cli;

import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.ContractKeys;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Prints the reference of every Recovery Contract key and every {@code reprise.*} property, rendered from their one
 * declaration each ({@link ContractKeys}, {@link RepriseConfig#DEFINITION}); docs/reference.md holds
 * exactly what {@code reprise reference --format markdown} prints (a test compares them).
 */
@Command(name = "reference", mixinStandardHelpOptions = true,
        description = {"Prints every key of the Recovery Contract and every reprise.* property (given in the --command-config file): "
                + "type, whether it is required, default, what it is for and an example, from the declarations the contract loader "
                + "and the properties' checks use. Markdown tables by default."},
        footer = {"", "Examples:", "  reprise reference                      # both, as Markdown tables",
                "  reprise reference contract --format text",
                "  reprise reference properties",
                "  reprise reference verdict              # the verdict's rules"})
public final class ReferenceCommand implements Callable<Integer> {
    /** The two parts of the reference. */
    public enum Part { contract, properties, verdict }

    /** The forms the reference is printed in. */
    public enum Format { markdown, text }

    /** Where the text form wraps its descriptions: a terminal's usual width. */
    private static final int TEXT_WIDTH = 100;

    @Parameters(arity = "0..1", paramLabel = "PART", description = "contract or properties: print only that part (default: both); "
            + "verdict: the rules of the verdict, each with the outcome when its claim is not proven.")
    Part part;

    @Option(names = "--format", defaultValue = "markdown", paramLabel = "markdown|text",
            description = "markdown (tables, as in docs/reference.md) or text (one block per key, for a terminal); default ${DEFAULT-VALUE}.")
    Format format;

    @Override
    public Integer call() {
        if (part != null) {
            System.out.print(render(part, format));
            return ExitCodes.OK;
        }
        boolean markdown = format == Format.markdown;
        System.out.print((markdown ? "### Recovery Contract\n\n" : "RECOVERY CONTRACT\n\n") + render(Part.contract, format)
                + (markdown ? "\n### `reprise.*` properties (in the `--command-config` file)\n\n" : "REPRISE.* PROPERTIES (in the --command-config file)\n\n")
                + render(Part.properties, format));
        return ExitCodes.OK;
    }

    /** One part of the reference, as {@code reprise reference PART --format FORMAT} prints it. */
    public static String render(Part part, Format format) {
        return switch (part) {
            case contract -> format == Format.markdown ? ContractKeys.markdownTable() : ContractKeys.text(TEXT_WIDTH);
            case properties -> format == Format.markdown ? RepriseConfig.markdownTable() : propertiesText();
            case verdict -> format == Format.markdown ? dev.reprise.evidence.VerdictRules.markdownTable() : verdictText();
        };
    }

    private static String verdictText() {
        StringBuilder out = new StringBuilder("A run is trusted only when every rule that applies to it held.\n\n");
        for (dev.reprise.evidence.VerdictRule r : dev.reprise.evidence.VerdictRules.ALL) {
            out.append(r.name()).append("  (").append(r.whenBroken()).append(" when not proven)\n");
            ContractKeys.wrap(out, r.claim() + ". Reads: " + r.reads() + ".", "    ", TEXT_WIDTH);
            out.append('\n');
        }
        return out.toString();
    }

    private static String propertiesText() {
        StringBuilder out = new StringBuilder();
        for (ConfigDef.ConfigKey key : RepriseConfig.DEFINITION.configKeys().values()) {
            out.append(key.name).append("  (").append(key.type.name().toLowerCase(Locale.ROOT))
                    .append(key.validator == null ? "" : ", accepts " + key.validator).append("; default ").append(key.defaultValue).append(")\n");
            ContractKeys.wrap(out, key.documentation, "    ", TEXT_WIDTH);
            out.append('\n');
        }
        return out.toString();
    }
}
