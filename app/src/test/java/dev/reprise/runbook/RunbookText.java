package dev.reprise.runbook;

import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.parser.Parser;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a runbook's Markdown back as an operator (or a script) would: its fenced blocks through a CommonMark parser,
 * its steps from their info strings, its sections by their headings and its tables row by row.
 */
public final class RunbookText {
    private static final Pattern SECTION = Pattern.compile("(?m)^## (\\d+)\\. (.+)$");

    private RunbookText() {
    }

    /** A fenced code block: its info string and its text. */
    public record Block(String info, String text) {
    }

    /** A step as the Markdown shows it: the marker's facts and the command line. */
    public record Extracted(String id, int exit, Step.When when, String line) {
        /** The arguments after {@code reprise}, as a shell would pass them, with "$BOOTSTRAP" set to {@code bootstrap}. */
        public String[] args(String bootstrap) {
            List<String> words = split(line, bootstrap);
            if (words.isEmpty() || !words.get(0).equals("reprise")) {
                throw new AssertionError("step " + id + " is not a reprise command: " + line);
            }
            return words.subList(1, words.size()).toArray(String[]::new);
        }
    }

    public static List<Block> blocks(String markdown) {
        List<Block> out = new ArrayList<>();
        Parser.builder().extensions(List.of(TablesExtension.create())).build().parse(markdown).accept(new AbstractVisitor() {
            @Override
            public void visit(FencedCodeBlock block) {
                out.add(new Block(block.getInfo() == null ? "" : block.getInfo(), block.getLiteral()));
            }
        });
        return out;
    }

    /** Every step, in the order of the document; a step block holds exactly one command line. */
    public static List<Extracted> steps(String markdown) {
        List<Extracted> out = new ArrayList<>();
        for (Block b : blocks(markdown)) {
            Step.Marker m = Step.parseInfo(b.info());
            if (m != null) {
                List<String> lines = b.text().lines().filter(l -> !l.isBlank()).toList();
                if (lines.size() != 1) {
                    throw new AssertionError("step " + m.id() + " holds " + lines.size() + " lines, not one command: " + b.text());
                }
                out.add(new Extracted(m.id(), m.exit(), m.when(), lines.get(0)));
            }
        }
        return out;
    }

    /** Section number → its text, up to the next section. */
    public static Map<Integer, String> sections(String markdown) {
        Map<Integer, String> out = new LinkedHashMap<>();
        Matcher m = SECTION.matcher(markdown);
        List<int[]> starts = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        while (m.find()) {
            starts.add(new int[]{m.start()});
            numbers.add(Integer.parseInt(m.group(1)));
        }
        for (int i = 0; i < starts.size(); i++) {
            int end = i + 1 < starts.size() ? starts.get(i + 1)[0] : markdown.length();
            out.put(numbers.get(i), markdown.substring(starts.get(i)[0], end));
        }
        return out;
    }

    /** The rows of the first table in {@code text} whose header starts with {@code firstHeader}, cells unescaped. */
    public static List<List<String>> table(String text, String firstHeader) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("| " + firstHeader + " |") && lines.get(i + 1).startsWith("|---")) {
                List<List<String>> rows = new ArrayList<>();
                for (int j = i + 2; j < lines.size() && lines.get(j).startsWith("|"); j++) {
                    rows.add(cells(lines.get(j)));
                }
                return rows;
            }
        }
        throw new AssertionError("no table with first header '" + firstHeader + "' in:\n" + text);
    }

    private static List<String> cells(String row) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        for (int i = 1; i < row.length(); i++) {
            char c = row.charAt(i);
            if (c == '\\' && i + 1 < row.length() && row.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|') {
                out.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        return out;
    }

    /**
     * The words of a command line as a POSIX shell splits them: single quotes, double quotes, backslashes outside
     * single quotes, and "$BOOTSTRAP" replaced by {@code bootstrap}. Runbook commands use nothing else.
     */
    public static List<String> split(String line, String bootstrap) {
        String variable = Commands.BOOTSTRAP_VARIABLE;
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
                continue;
            }
            if (quote == 0 && Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                continue;
            }
            if (word == null) {
                word = new StringBuilder();
            }
            if (c == '"') {
                quote = quote == '"' ? 0 : '"';
            } else if (c == '\'' && quote == 0) {
                quote = '\'';
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
            } else if (c == '$' && line.startsWith(variable, i)) {
                if (bootstrap == null) {
                    throw new AssertionError("the command needs " + variable + ": " + line);
                }
                word.append(bootstrap);
                i += variable.length() - 1;
            } else {
                word.append(c);
            }
        }
        if (quote != 0) {
            throw new AssertionError("unbalanced quote in: " + line);
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }
}
