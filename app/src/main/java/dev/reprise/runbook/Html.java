package dev.reprise.runbook;

import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.BlockQuote;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.AttributeProvider;
import org.commonmark.renderer.html.HtmlRenderer;

import java.util.List;
import java.util.Map;

/**
 * The runbook's Markdown as one HTML page, rendered with commonmark-java (the CommonMark reference implementation for
 * Java, with GitHub's tables), so the page says exactly what the Markdown says. Its style is inline and it loads
 * nothing, so it prints and travels as a single file. Steps keep their facts as data attributes of their {@code pre}.
 */
final class Html {
    private static final List<org.commonmark.Extension> EXTENSIONS = List.of(TablesExtension.create());

    private static final String STYLE = """
            body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; max-width: 60rem;
                   margin: 2rem auto; padding: 0 1rem; }
            h1 { font-size: 1.6rem; border-bottom: 2px solid #1f2328; padding-bottom: .3rem; }
            h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
            h3 { font-size: 1.05rem; margin-top: 1.4rem; }
            code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6; padding: 0 .2em;
                   border-radius: 3px; }
            pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: .6rem .8rem; overflow-x: auto;
                  white-space: pre-wrap; word-break: break-word; }
            pre code { background: none; padding: 0; }
            pre[data-step] { border-left: 4px solid #0969da; }
            pre[data-step]::before { content: "step " attr(data-step) " \\00b7 expected exit " attr(data-exit) " \\00b7 " attr(data-when);
                                     display: block; font: 11px system-ui, sans-serif; color: #57606a; margin-bottom: .3rem; }
            pre.kafka-tool { border-left: 4px solid #8250df; }
            pre.kafka-tool::before { content: "Kafka's tool, not Reprise"; display: block; font: 11px system-ui, sans-serif; color: #57606a;
                                     margin-bottom: .3rem; }
            blockquote { margin: 1rem 0; padding: .5rem .8rem; border-left: 5px solid #cf222e; background: #fff5f5; }
            table { border-collapse: collapse; margin: .8rem 0; width: 100%; font-size: 14px; }
            th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; vertical-align: top; text-align: left; }
            th { background: #f6f8fa; }
            ul { padding-left: 1.4rem; }
            @media print {
              body { margin: 0; max-width: none; font-size: 11pt; }
              h2 { page-break-after: avoid; }
              pre, blockquote, tr { page-break-inside: avoid; }
              a { color: inherit; text-decoration: none; }
            }
            """;

    private Html() {
    }

    static String render(String title, String markdown) {
        Parser parser = Parser.builder().extensions(EXTENSIONS).build();
        HtmlRenderer renderer = HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true).sanitizeUrls(true)
                .attributeProviderFactory(context -> new StepAttributes()).build();
        String body = renderer.render(parser.parse(markdown));
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title) + "</title>\n<style>\n"
                + STYLE + "</style>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
    }

    /** Data attributes on a step's {@code pre} and a class on Kafka's tools, so the page marks them as the Markdown does. */
    private static final class StepAttributes implements AttributeProvider {
        @Override
        public void setAttributes(Node node, String tagName, Map<String, String> attributes) {
            if (node instanceof FencedCodeBlock block && tagName.equals("pre")) {
                Step.Marker m = Step.parseInfo(block.getInfo() == null ? "" : block.getInfo());
                if (m != null) {
                    attributes.put("data-step", m.id());
                    attributes.put("data-exit", Integer.toString(m.exit()));
                    attributes.put("data-when", m.when().word());
                } else if (block.getInfo() != null && block.getInfo().endsWith(" kafka-tool")) {
                    attributes.put("class", "kafka-tool");
                }
            } else if (node instanceof BlockQuote && tagName.equals("blockquote")) {
                attributes.put("class", "loud");
            }
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
