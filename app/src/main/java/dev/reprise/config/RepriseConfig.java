package dev.reprise.config;

import dev.reprise.contract.DidYouMean;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.util.HashMap;
import java.util.Map;

/**
 * Every {@code reprise.*} property, declared once with its type, default, validation and documentation, as Kafka's
 * own configs are ({@link ConfigDef}). They are given like Kafka Streams properties (in the {@code --command-config}
 * file); docs/reference.md and {@code reprise reference} are generated from this declaration, and a wrong
 * value is refused before anything starts with the property's name and what it accepts.
 */
public final class RepriseConfig extends AbstractConfig {
    /** The command that prints every property; error messages point to it. */
    public static final String REFERENCE_COMMAND = "reprise reference properties";
    public static final String ROCKSDB_MEMORY_BYTES = "reprise.rocksdb.memory.bytes";
    private static final String ROCKSDB_MEMORY_BYTES_DOC = "Memory of all RocksDB stores of the process together: one block cache with "
            + "memtables, indexes and filters charged to it (half of it may hold memtables). Below 128 MiB RocksDB stalls writes on large runs.";
    public static final String APPLY_RECENT_STATES = "reprise.apply.recent.states";
    private static final String APPLY_RECENT_STATES_DOC = "Projection states each apply task keeps in memory (least recently used first "
            + "evicted, written to its store once per commit); a key whose state is not in memory is read back from RocksDB when its next "
            + "event comes. 0: as many as fit in a tenth of the heap shared by the apply tasks (a state is charged its key, 4 times its "
            + "Avro binary and 160 bytes), so the count follows -Xmx and the key space; a number fixes the count per task whatever the heap.";

    public static final String STALL_TIMEOUT_MS = "reprise.stall.timeout.ms";
    private static final String STALL_TIMEOUT_MS_DOC = "How long a bounded run may have nothing left to read (every source partition "
            + "consumed to its planned end, every internal topic read to its end) without ending before it aborts itself as stalled, "
            + "untrusted: the last records of a partition never reached it.";

    public static final String REGISTRY_RETRY_ATTEMPTS = "reprise.registry.retry.attempts";
    private static final String REGISTRY_RETRY_ATTEMPTS_DOC = "How many times a schema id is asked of the schema registry when the registry "
            + "does not give it (unreachable, a timeout, HTTP 5xx, 429, 401, 403), waiting 250 ms, 500 ms, 1 s… (at most 5 s) between attempts. "
            + "After the last one the run stops (exit 1) without dead-lettering the record, and resumes from its last commit when started again. "
            + "Only a 404 for the id makes the record poison.";
    public static final String REGISTRY_RETRY_TIMEOUT_MS = "reprise.registry.retry.timeout.ms";
    private static final String REGISTRY_RETRY_TIMEOUT_MS_DOC = "How long after the first attempt the schema registry is still asked for a schema "
            + "id (see " + REGISTRY_RETRY_ATTEMPTS + "): no attempt starts later; one request may take up to 10 s more. Under exactly_once_v2 a "
            + "stream thread that waits longer than its producer's transaction.timeout.ms (10 s in Kafka Streams) has its transaction aborted "
            + "and its task redone from the last commit: still exact, only slower.";
    public static final String EVIDENCE_SIGNING_KEY_FILE = "reprise.evidence.signing.key.file";
    private static final String EVIDENCE_SIGNING_KEY_FILE_DOC = "Path of the Ed25519 private key (PKCS#8 PEM, as 'reprise keys generate' "
            + "writes it) that signs every evidence record this process writes (headers reprise.signature and reprise.signature.key-id, "
            + "docs/evidence-signature.md); needs reprise.evidence.public.key.file, the matching public key. Give it to every instance of "
            + "a run. Empty: environment variable REPRISE_EVIDENCE_SIGNING_KEY_FILE, else the evidence is unsigned and 'reprise promote "
            + "--execute' refuses it without --allow-unsigned-evidence. Never put the key itself in a contract; Reprise never logs it.";
    public static final String EVIDENCE_PUBLIC_KEY_FILE = "reprise.evidence.public.key.file";
    private static final String EVIDENCE_PUBLIC_KEY_FILE_DOC = "Path of the Ed25519 public key (X.509 PEM) that evidence must be signed "
            + "with: 'reprise evidence', 'verify', 'promote' and 'status' then ignore (and count) every evidence record whose signature does "
            + "not verify with it, and a running instance takes only its run's records signed with it as its end. Empty: option "
            + "--evidence-public-key, else environment variable REPRISE_EVIDENCE_PUBLIC_KEY_FILE, else evidence is reported unverified.";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(ROCKSDB_MEMORY_BYTES, ConfigDef.Type.LONG, 192L * 1024 * 1024, ConfigDef.Range.atLeast(32L * 1024 * 1024),
                    ConfigDef.Importance.MEDIUM, ROCKSDB_MEMORY_BYTES_DOC)
            .define(APPLY_RECENT_STATES, ConfigDef.Type.INT, 0, ConfigDef.Range.atLeast(0), ConfigDef.Importance.LOW, APPLY_RECENT_STATES_DOC)
            .define(STALL_TIMEOUT_MS, ConfigDef.Type.LONG, 30_000L, ConfigDef.Range.atLeast(1_000L), ConfigDef.Importance.LOW, STALL_TIMEOUT_MS_DOC)
            .define(REGISTRY_RETRY_ATTEMPTS, ConfigDef.Type.INT, dev.reprise.codec.RegistryRetry.DEFAULT.attempts(), ConfigDef.Range.between(1, 100),
                    ConfigDef.Importance.LOW, REGISTRY_RETRY_ATTEMPTS_DOC)
            .define(REGISTRY_RETRY_TIMEOUT_MS, ConfigDef.Type.LONG, dev.reprise.codec.RegistryRetry.DEFAULT.timeout().toMillis(),
                    ConfigDef.Range.between(0L, 600_000L), ConfigDef.Importance.LOW, REGISTRY_RETRY_TIMEOUT_MS_DOC)
            .define(EVIDENCE_SIGNING_KEY_FILE, ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH, EVIDENCE_SIGNING_KEY_FILE_DOC)
            .define(EVIDENCE_PUBLIC_KEY_FILE, ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH, EVIDENCE_PUBLIC_KEY_FILE_DOC);

    private RepriseConfig(Map<String, Object> props) {
        super(DEFINITION, props, false);
    }

    /**
     * The {@code reprise.*} entries of {@code props} (other keys belong to Kafka's clients), checked.
     *
     * @throws IllegalArgumentException naming the property and what it accepts, for a wrong value or an unknown {@code reprise.*} key
     */
    public static RepriseConfig of(Map<?, ?> props) {
        Map<String, Object> own = new HashMap<>();
        props.forEach((k, v) -> {
            String key = String.valueOf(k);
            if (key.startsWith("reprise.")) {
                if (!DEFINITION.names().contains(key)) {
                    throw new IllegalArgumentException("unknown property '" + key + "'; Reprise's properties are " + new java.util.TreeSet<>(DEFINITION.names())
                            + DidYouMean.suggest(key, DEFINITION.names()) + " ('" + REFERENCE_COMMAND + "' says what each one does)");
                }
                own.put(key, v);
            }
        });
        try {
            return new RepriseConfig(own);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("property " + e.getMessage() + "; '" + REFERENCE_COMMAND + "' lists what each property accepts", e);
        }
    }

    public long rocksDbMemoryBytes() {
        return getLong(ROCKSDB_MEMORY_BYTES);
    }

    public int applyRecentStates() {
        return getInt(APPLY_RECENT_STATES);
    }

    public long stallTimeoutMs() {
        return getLong(STALL_TIMEOUT_MS);
    }

    /** How the source stage asks the schema registry again ({@link #REGISTRY_RETRY_ATTEMPTS}, {@link #REGISTRY_RETRY_TIMEOUT_MS}). */
    public dev.reprise.codec.RegistryRetry registryRetry() {
        return new dev.reprise.codec.RegistryRetry(getInt(REGISTRY_RETRY_ATTEMPTS), java.time.Duration.ofMillis(getLong(REGISTRY_RETRY_TIMEOUT_MS)));
    }

    /** The private key file that signs evidence, or empty when the property is not set. */
    public java.util.Optional<java.nio.file.Path> evidenceSigningKeyFile() {
        return path(EVIDENCE_SIGNING_KEY_FILE);
    }

    /** The public key file evidence is verified with, or empty when the property is not set. */
    public java.util.Optional<java.nio.file.Path> evidencePublicKeyFile() {
        return path(EVIDENCE_PUBLIC_KEY_FILE);
    }

    private java.util.Optional<java.nio.file.Path> path(String key) {
        String v = getString(key);
        return v == null || v.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(java.nio.file.Path.of(v.strip()));
    }

    /** The properties as a Markdown table: name, type, default, accepted values, what it does. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| property | type | default | accepts | what it does |\n|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey key : DEFINITION.configKeys().values()) {
            out.append("| `").append(key.name).append("` | ").append(key.type.name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                    .append(key.defaultValue).append(" | ").append(key.validator == null ? "" : key.validator.toString().replace("|", "\\|"))
                    .append(" | ").append(key.documentation.replace("|", "\\|")).append(" |\n");
        }
        return out.toString();
    }
}
