package dev.reprise.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a Recovery Contract from YAML and validates every field up front. Relative paths in the
 * contract are resolved against the directory of the contract file.
 *
 * <p>Over 300 lines: the loader reads every section of the contract, each with its own checks and messages; the contract's records are in Contract.
 */
public final class ContractLoader {
    /** Strict about keys given twice: YAML parsers keep the last one without a word. */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private static final String DUPLICATE = "Duplicate field '";

    private ContractLoader() {
    }

    public static Contract load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ContractException("contract", "file not found: " + file + "; pass --contract with a path to a contract such as config/inventory.yaml");
        } catch (IOException e) {
            throw new ContractException("contract", "cannot read " + file + ": " + e.getMessage());
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(bytes, base, file.toAbsolutePath());
    }

    public static Contract parse(byte[] yaml, Path baseDirectory, Path source) {
        JsonNode tree = readTree(yaml);
        if (tree == null || tree.isNull() || tree.isMissingNode()) {
            throw new ContractException("contract", "the file is empty; start from config/inventory.yaml");
        }
        if (!tree.isObject()) {
            throw new ContractException("contract", "expected a YAML mapping with " + ContractKeys.oneOf(ContractKeys.fieldsOf("").stream()
                    .filter(ContractKeys.Key::required).map(ContractKeys.Key::name).toList()).replace(" or ", " and ")
                    + ", got " + Node.describe(tree));
        }
        Node root = Node.root(tree);

        String name = root.text(ContractKeys.NAME);
        root.text(ContractKeys.DESCRIPTION);
        String applicationId = root.text(ContractKeys.APPLICATION_ID);

        Node history = root.section(ContractKeys.HISTORY);
        List<String> topics = history.names(ContractKeys.HISTORY_TOPICS);
        Contract.Encoding encoding = Contract.Encoding.parse(history);
        // Read before the schema source: a Confluent-encoded output needs schema ids as much as a Confluent history does.
        Contract.ValueEncoding outputDefault = Contract.ValueEncoding.following(encoding);
        Contract.ValueEncoding projectionEncoding = Contract.ValueEncoding.parse(root.section(ContractKeys.PROJECTION),
                ContractKeys.PROJECTION_ENCODING, outputDefault);
        Contract.ValueEncoding evidenceEncoding = Contract.ValueEncoding.parse(root.section(ContractKeys.EVIDENCE),
                ContractKeys.EVIDENCE_ENCODING, outputDefault);
        Contract.SchemaSource schemas = schemaSource(history.section(ContractKeys.HISTORY_SCHEMAS), baseDirectory, encoding,
                projectionEncoding, evidenceEncoding);
        boolean keyed = history.bool(ContractKeys.HISTORY_KEYED);

        Node ordering = root.section(ContractKeys.ORDERING);
        Contract.Ordering ord = new Contract.Ordering(identity(ordering, ContractKeys.ORDERING_KEY_FIELD, ContractKeys.ORDERING_KEY,
                ContractKeys.ORDERING_KEY_FROM_FIELD, ContractKeys.ORDERING_KEY_FROM_HEADER, ContractKeys.ORDERING_KEY_FROM_RECORD_KEY),
                ordering.text(ContractKeys.ORDERING_SEQUENCE_FIELD));

        Node idem = root.section(ContractKeys.IDEMPOTENCY);
        Contract.Idempotency idempotency = new Contract.Idempotency(identity(idem, ContractKeys.EVENT_ID_FIELD, ContractKeys.EVENT_ID,
                ContractKeys.EVENT_ID_FROM_FIELD, ContractKeys.EVENT_ID_FROM_HEADER, ContractKeys.EVENT_ID_FROM_RECORD_KEY),
                Contract.OnConflict.fromConfig(idem.choice(ContractKeys.ON_CONFLICT)));

        Node proj = root.section(ContractKeys.PROJECTION);
        Contract.ProjectionSpec projection = new Contract.ProjectionSpec(proj.text(ContractKeys.PROJECTION_NAME),
                proj.text(ContractKeys.PROJECTION_TOPIC), projectionEncoding);

        Node scope = root.section(ContractKeys.SCOPE);
        Position from = Position.parse(scope.get(ContractKeys.SCOPE_FROM), ContractKeys.SCOPE_FROM, topics);
        Position to = Position.parse(scope.get(ContractKeys.SCOPE_TO), ContractKeys.SCOPE_TO, topics);
        if (from instanceof Position.AtTime f && to instanceof Position.AtTime t && !f.time().isBefore(t.time())) {
            throw new ContractException("scope.to", "must be after scope.from (" + f.time() + "), got " + t.time());
        }
        if (from instanceof Position.AtOffsets f && to instanceof Position.AtOffsets t) {
            f.offsets().forEach((tp, start) -> {
                Long end = t.offsets().get(tp);
                if (end != null && start > end) {
                    throw new ContractException("scope.to." + tp.topic() + "." + tp.partition(), "offset " + end + " is before scope.from's "
                            + start + " for " + tp.topic() + " partition " + tp.partition() + ": the partition would replay nothing; "
                            + "make scope.to at least " + start + " or lower scope.from");
                }
            });
        }
        String tenantField = scope.text(ContractKeys.SCOPE_TENANT_FIELD);
        List<String> tenants = scope.names(ContractKeys.SCOPE_TENANTS);
        if (!tenants.isEmpty() && tenantField == null) {
            throw new ContractException("scope.tenant_field", "required when scope.tenants is set; name the event field that holds the tenant");
        }
        Contract.Scope sc = new Contract.Scope(from, to,
                new LinkedHashSet<>(scope.names(ContractKeys.SCOPE_EVENT_TYPES)), tenantField,
                new LinkedHashSet<>(tenants), new LinkedHashSet<>(scope.names(ContractKeys.SCOPE_KEYS)));

        Node rec = root.section(ContractKeys.RECONCILIATION);
        Contract.Reconciliation reconciliation = new Contract.Reconciliation(
                rec.text(ContractKeys.REFERENCE_TOPIC), rec.bool(ContractKeys.REFERENCE_MUST_MATCH),
                checks(rec.items(ContractKeys.INVARIANTS), ContractKeys.INVARIANT_NAME, ContractKeys.INVARIANT_EXPRESSION),
                checks(rec.items(ContractKeys.TOTALS), ContractKeys.TOTAL_NAME, ContractKeys.TOTAL_EXPRESSION),
                thresholds(rec.items(ContractKeys.THRESHOLDS), tenantField));

        Node ev = root.section(ContractKeys.EVIDENCE);
        double maxDeadLetterRatio = ev.ratio(ContractKeys.MAX_DEAD_LETTER_RATIO);
        // Left out, the untrusted limit is its default or the degraded limit, whichever is higher (ContractKeys says so).
        double untrustedDeadLetterRatio = ev.get(ContractKeys.UNTRUSTED_DEAD_LETTER_RATIO).isMissing()
                ? Math.max(maxDeadLetterRatio, Contract.EvidenceSpec.DEFAULT_UNTRUSTED_DEAD_LETTER_RATIO)
                : ev.ratio(ContractKeys.UNTRUSTED_DEAD_LETTER_RATIO);
        Contract.EvidenceSpec evidence = new Contract.EvidenceSpec(
                ev.text(ContractKeys.EVIDENCE_TOPIC),
                ev.duration(ContractKeys.PROGRESS_INTERVAL),
                maxDeadLetterRatio,
                ev.whole(ContractKeys.MAX_ORDERING_VIOLATIONS),
                ev.ratio(ContractKeys.MAX_LIVE_DIFF_RATIO),
                untrustedDeadLetterRatio,
                ev.whole(ContractKeys.MIN_EVENTS_PROCESSED),
                ev.whole(ContractKeys.MIN_PROJECTION_KEYS),
                evidenceEncoding);

        Node dl = root.section(ContractKeys.DEAD_LETTER);
        Contract.DeadLetter deadLetter = new Contract.DeadLetter(dl.text(ContractKeys.DEAD_LETTER_TOPIC));

        Node processing = root.section(ContractKeys.PROCESSING);
        String mode = processing.choice(ContractKeys.MODE);
        String guarantee = processing.choice(ContractKeys.GUARANTEE);
        Integer repartitionPartitions = processing.whole(ContractKeys.REPARTITION_PARTITIONS);
        if (repartitionPartitions != null && keyed) {
            throw new ContractException("processing.repartition_partitions", "has no effect with history.keyed_by_ordering_key: true "
                    + "(nothing is repartitioned); remove it, or set keyed_by_ordering_key: false");
        }
        Contract.Processing proc = new Contract.Processing(mode.equals("bounded"), guarantee, repartitionPartitions);

        Contract.PromoteSpec promote = new Contract.PromoteSpec(root.section(ContractKeys.PROMOTE).ratio(ContractKeys.MAX_CHANGED_RATIO));

        List<String> allowed = root.names(ContractKeys.ALLOWED_WRITE_TOPICS);

        return new Contract(name, applicationId, new Contract.History(topics, encoding, schemas, keyed), ord, idempotency,
                projection, sc, reconciliation, evidence, deadLetter, proc, promote, allowed, sha256(yaml), source);
    }

    /**
     * The YAML tree of a contract, refusing what a YAML parser would accept silently or report in its own
     * terms: bytes that are not UTF-8 text, a key given twice (the last would win), a second document.
     */
    private static JsonNode readTree(byte[] yaml) {
        requireText(yaml);
        try (JsonParser parser = YAML.createParser(yaml)) {
            try {
                JsonNode tree = YAML.readTree(parser);
                if (tree != null && parser.nextToken() != null) {
                    throw new ContractException("contract", "holds more than one YAML document (a second '---' before line "
                            + parser.currentLocation().getLineNr() + "); keep one contract per file");
                }
                return tree;
            } catch (JsonProcessingException e) {
                String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
                String message = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage();
                if (message.startsWith(DUPLICATE)) {
                    String key = message.substring(DUPLICATE.length(), Math.max(DUPLICATE.length(), message.indexOf('\'', DUPLICATE.length())));
                    throw new ContractException(dottedPath(parser.getParsingContext(), key),
                            "given twice" + where + "; YAML would silently keep the last one. Keep one and delete the other");
                }
                if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                    // The YAML parser's own mark is where the problem is; the stream position can be a line later.
                    where = " at line " + (marked.getProblemMark().getLine() + 1) + ", column " + (marked.getProblemMark().getColumn() + 1);
                    message = marked.getProblem() + (marked.getContext() == null ? "" : " (" + marked.getContext()
                            + (marked.getContextMark() == null ? "" : " at line " + (marked.getContextMark().getLine() + 1)) + ")");
                }
                throw new ContractException("contract", "not valid YAML" + where + ": " + message.replaceAll("\\s+", " ").trim()
                        + "; check the indentation and the quoting around that line");
            }
        } catch (IOException e) {
            throw new ContractException("contract", "cannot be read as YAML: " + e.getMessage());
        }
    }

    /** A binary or non-UTF-8 file is refused in plain words rather than with the parser's exception. */
    private static void requireText(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new ContractException("contract", "is a binary file (a zero byte at byte " + i + "), not YAML text; pass the contract's .yaml file");
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            int at = firstMalformed(bytes);
            throw new ContractException("contract", "is not UTF-8 text (an invalid byte 0x" + String.format("%02x", bytes[at] & 0xff)
                    + " at line " + lineOf(bytes, at) + "); save the file as UTF-8");
        }
    }

    private static int firstMalformed(byte[] bytes) {
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        decoder.decode(in, out, true);
        return Math.min(in.position(), bytes.length - 1);
    }

    private static int lineOf(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The dotted path of {@code key} inside the mapping the parser is in, e.g. ordering.key_field. */
    private static String dottedPath(JsonStreamContext context, String key) {
        List<String> parts = new java.util.ArrayList<>(List.of(key));
        // The context of the duplicate is the mapping holding it; its parents name the sections above.
        for (JsonStreamContext c = context == null ? null : context.getParent(); c != null && !c.inRoot(); c = c.getParent()) {
            parts.add(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName());
        }
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            if (out.length() > 0 && !part.startsWith("[")) {
                out.append('.');
            }
            out.append(part);
        }
        return out.toString();
    }

    /**
     * An identity of an event (the ordering key, the event id): the short form {@code key_field: sku} or the section
     * {@code key: {field: sku} | {header: id} | {record_key: true}}, exactly one of them.
     */
    private static Contract.Identity identity(Node parent, ContractKeys.Key shortKey, ContractKeys.Key sectionKey, ContractKeys.Key fromField,
                                              ContractKeys.Key fromHeader, ContractKeys.Key fromRecordKey) {
        Node written = parent.get(sectionKey);
        if (!written.isMissing() && written.raw().isValueNode()) {
            // key: sku where key_field: sku was meant: say both ways of writing it.
            throw new ContractException(written.path(), "expected a mapping, " + sectionKey.name() + ": {field: " + written.raw().asText()
                    + "}, {header: ...} or {record_key: true}, got '" + written.raw().asText() + "'; did you mean '" + shortKey.name() + "'"
                    + " (" + shortKey.name() + ": " + written.raw().asText() + ")?");
        }
        Node section = parent.section(sectionKey);
        boolean sectionGiven = !parent.get(sectionKey).isMissing();
        String field = section.text(fromField);
        String header = section.text(fromHeader);
        boolean recordKey = section.bool(fromRecordKey);
        String legacy = parent.text(shortKey);
        String example = sectionKey.name() + ": {field: ...}, {header: ...} or {record_key: true}";
        if (legacy != null && sectionGiven) {
            throw new ContractException(sectionKey.path(), "given together with " + shortKey.path() + ", which says the same; keep one");
        }
        if (legacy != null) {
            return Contract.Identity.field(legacy, shortKey.path());
        }
        int given = (field != null ? 1 : 0) + (header != null ? 1 : 0) + (recordKey ? 1 : 0);
        if (!sectionGiven || given == 0) {
            throw new ContractException(sectionGiven ? sectionKey.path() : shortKey.path(), "required; " + shortKey.hint()
                    + ", or " + example);
        }
        if (given > 1) {
            throw new ContractException(sectionKey.path(), "gives more than one of field, header and record_key; keep one, e.g. " + example);
        }
        if (field != null) {
            return Contract.Identity.field(field, fromField.path());
        }
        if (header != null) {
            return new Contract.Identity(Contract.Identity.From.HEADER, header, fromHeader.path());
        }
        return new Contract.Identity(Contract.Identity.From.RECORD_KEY, null, fromRecordKey.path());
    }

    private static Contract.SchemaSource schemaSource(Node node, Path base, Contract.Encoding encoding,
                                                      Contract.ValueEncoding projectionEncoding, Contract.ValueEncoding evidenceEncoding) {
        String kind = node.choice(ContractKeys.SCHEMAS_SOURCE);
        Node directoryNode = node.get(ContractKeys.SCHEMAS_DIRECTORY);
        String directoryText = kind.equals("local") ? node.require(ContractKeys.SCHEMAS_DIRECTORY, "with source: local, "
                + decapital(ContractKeys.SCHEMAS_DIRECTORY.hint())) : node.text(ContractKeys.SCHEMAS_DIRECTORY);
        Path directory = directoryText == null ? null : base.resolve(directoryText).normalize();
        if (directory != null && !Files.isDirectory(directory)) {
            throw new ContractException(directoryNode.path(), "not a directory: " + directory + "; point it at the schemas/ directory");
        }
        Node idMapNode = node.get(ContractKeys.SCHEMAS_ID_MAP);
        Node registryNode = node.get(ContractKeys.SCHEMAS_REGISTRY_URL);
        Node clientNode = node.get(ContractKeys.SCHEMAS_CLIENT_PROPERTIES);
        String clientText = node.text(ContractKeys.SCHEMAS_CLIENT_PROPERTIES);
        Path clientProperties = clientText == null ? null : base.resolve(clientText).normalize();
        List<Contract.EventMapping> events = events(node.items(ContractKeys.SCHEMAS_EVENTS), base, kind.equals("registry"), encoding);
        if (kind.equals("local")) {
            if (!registryNode.isMissing()) {
                throw new ContractException(registryNode.path(), "is read only with source: registry; add source: registry "
                        + "to resolve schema ids there, or remove registry_url");
            }
            if (clientProperties != null) {
                throw new ContractException(clientNode.path(), "is read only with source: registry; add source: registry, or remove it");
            }
            Path idMap = null;
            String confluentOutput = projectionEncoding == Contract.ValueEncoding.CONFLUENT ? "projection.encoding"
                    : evidenceEncoding == Contract.ValueEncoding.CONFLUENT ? "evidence.encoding" : null;
            if (encoding == Contract.Encoding.CONFLUENT || confluentOutput != null) {
                String hint = encoding == Contract.Encoding.CONFLUENT
                        ? "with source: local and the confluent encoding, name the file that maps schema ids to .avsc files"
                        : "with source: local and " + confluentOutput + ": confluent, name the file that maps schema ids to .avsc files "
                        + "(the ids your Schema Registry gives them), or set source: registry to register the schemas there, "
                        + "or choose " + confluentOutput + ": single-object or json";
                idMap = base.resolve(node.require(ContractKeys.SCHEMAS_ID_MAP, hint)).normalize();
                if (!Files.isRegularFile(idMap)) {
                    throw new ContractException(idMapNode.path(), "file not found: " + idMap
                            + "; point id_map at the file that maps schema ids to .avsc files (relative to the contract's directory)");
                }
            } else {
                node.text(ContractKeys.SCHEMAS_ID_MAP);
            }
            return new Contract.SchemaSource(Contract.SchemaSource.Kind.LOCAL, directory, idMap, null, events, null);
        }
        if (!idMapNode.isMissing()) {
            throw new ContractException(idMapNode.path(), "is read only with source: local; remove it, or set source: local");
        }
        String url = node.require(ContractKeys.SCHEMAS_REGISTRY_URL);
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ContractException(registryNode.path(), "not a URL: '" + url + "'");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new ContractException(registryNode.path(), "expected an http:// or https:// URL, got '" + url + "'");
        }
        if (uri.getUserInfo() != null) {
            throw new ContractException(registryNode.path(), "holds credentials (user:password@); the contract is no place for secrets. "
                    + "Put them in the file history.schemas.client_properties names (basic.auth.credentials.source=USER_INFO and "
                    + "basic.auth.user.info=user:password) and remove them from the URL");
        }
        return new Contract.SchemaSource(Contract.SchemaSource.Kind.REGISTRY, directory, null, uri, events, clientProperties);
    }

    private static List<Contract.EventMapping> events(List<Node> items, Path base, boolean registry, Contract.Encoding encoding) {
        List<Contract.EventMapping> out = new java.util.ArrayList<>();
        for (Node item : items) {
            String type = item.text(ContractKeys.EVENT_TYPE);
            int version = item.whole(ContractKeys.EVENT_VERSION);
            String schemaName = item.text(ContractKeys.EVENT_SCHEMA_NAME);
            String subject = item.text(ContractKeys.EVENT_SUBJECT);
            Integer subjectVersion = item.whole(ContractKeys.EVENT_SUBJECT_VERSION);
            String file = item.text(ContractKeys.EVENT_SCHEMA_FILE);
            if (subject != null && !registry) {
                throw new ContractException(item.get(ContractKeys.EVENT_SUBJECT).path(), "is read only with history.schemas.source: registry; "
                        + "name the schema with schema_name instead, or set source: registry");
            }
            if (subject != null && encoding != Contract.Encoding.CONFLUENT) {
                throw new ContractException(item.get(ContractKeys.EVENT_SUBJECT).path(), "needs history.encoding: confluent (records that "
                        + "carry a schema id); with single-object encoding name the schema with schema_name");
            }
            if (subjectVersion != null && subject == null) {
                throw new ContractException(item.get(ContractKeys.EVENT_SUBJECT_VERSION).path(), "is a version of the subject; add subject");
            }
            out.add(new Contract.EventMapping(type, version, schemaName, subject, subjectVersion,
                    file == null ? null : base.resolve(file).normalize(), item.path()));
        }
        return out;
    }

    private static String decapital(String text) {
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }

    private static List<Contract.Threshold> thresholds(List<Node> items, String tenantField) {
        List<Contract.Threshold> out = new java.util.ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (Node item : items) {
            String metric = item.choice(ContractKeys.THRESHOLD_METRIC);
            String action = item.choice(ContractKeys.THRESHOLD_ACTION);
            if (metric.equals("invariant_failures")) {
                for (ContractKeys.Key onlyForRatios : List.of(ContractKeys.THRESHOLD_ABOVE, ContractKeys.THRESHOLD_WINDOW)) {
                    if (!item.get(onlyForRatios).isMissing()) {
                        throw new ContractException(item.get(onlyForRatios).path(), "applies to metric dead_letter_ratio only; "
                                + "invariant_failures acts on the first failure. Remove it");
                    }
                }
            } else if (!item.get(ContractKeys.THRESHOLD_TENANTS).isMissing()) {
                throw new ContractException(item.get(ContractKeys.THRESHOLD_TENANTS).path(), "applies to metric invariant_failures only; remove it");
            }
            double above = metric.equals("dead_letter_ratio") ? item.ratio(ContractKeys.THRESHOLD_ABOVE) : 0;
            int window = item.whole(ContractKeys.THRESHOLD_WINDOW);
            List<String> tenants = item.names(ContractKeys.THRESHOLD_TENANTS);
            if (!tenants.isEmpty() && tenantField == null) {
                throw new ContractException(item.get(ContractKeys.THRESHOLD_TENANTS).path(), "needs scope.tenant_field to know an event's tenant");
            }
            // The default name (ContractKeys: metric-action) follows the threshold's own metric and action.
            Node nameNode = item.get(ContractKeys.THRESHOLD_NAME);
            String thresholdName = nameNode.isMissing() ? metric + "-" + action : item.text(ContractKeys.THRESHOLD_NAME);
            if (!names.add(thresholdName)) {
                throw new ContractException(nameNode.isMissing() ? item.path() : nameNode.path(),
                        "two thresholds are named '" + thresholdName + "'; give each its own name");
            }
            out.add(new Contract.Threshold(thresholdName, metric, above, window, action, new java.util.LinkedHashSet<>(tenants)));
        }
        return out;
    }

    /** Named CEL expressions; they are compiled once the projection's schema is known. */
    private static List<Contract.Check> checks(List<Node> items, ContractKeys.Key nameKey, ContractKeys.Key expressionKey) {
        List<Contract.Check> out = new java.util.ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (Node item : items) {
            String name = item.text(nameKey);
            String expression = item.text(expressionKey);
            if (!names.add(name)) {
                throw new ContractException(item.get(nameKey).path(), "two checks are named '" + name + "'; give each its own name");
            }
            out.add(new Contract.Check(name, expression, item.get(expressionKey).path()));
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
