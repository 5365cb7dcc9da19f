package dev.reprise.plan;

import dev.reprise.codec.EventDecoder;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.RegistryClient;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.codec.SchemaIds;
import dev.reprise.codec.SchemaResolver;
import dev.reprise.codec.ValueFormat;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import dev.reprise.projection.ProjectionRegistry;
import dev.reprise.reconcile.CelChecks;
import dev.reprise.upcast.UpcasterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;

import java.util.List;

/**
 * A contract compiled for a run: everything that turns bytes into events and events into state for it — the schema
 * catalog, the writer-schema resolver, the upcaster chains, the projection and the contract's compiled invariants.
 * Built once per command from the contract, its schemas and the plugins ({@code ContractLoader}, {@code Plugins}).
 */
public record CompiledContract(Contract.Encoding encoding, SchemaCatalog catalog, SchemaResolver resolver, UpcasterRegistry upcasters,
                     Projection<?> projection, List<? extends Invariant<?>> contractInvariants, SchemaIds schemaIds,
                     Contract.ValueEncoding projectionEncoding, String projectionTopic) {

    public CompiledContract {
        contractInvariants = List.copyOf(contractInvariants);
    }

    /** This compiled contract running another projection (with the state class the contract's checks were compiled for). */
    public CompiledContract withProjection(Projection<?> other, List<? extends Invariant<?>> invariants) {
        return new CompiledContract(encoding, catalog, resolver, upcasters, other, invariants, schemaIds, projectionEncoding, projectionTopic);
    }

    /**
     * How states are written to the projection topic ({@code projection.encoding}). For the Confluent format with a
     * registry, the schema is registered at the first value or at {@link ValueFormat#prepare()}.
     */
    public ValueFormat projectionFormat() {
        return ValueFormat.of(projectionEncoding, SpecificData.get().getSchema(projection.stateClass()), projectionTopic, schemaIds);
    }

    /** Where writer schemas come from, and where the ids of Reprise's own Confluent-framed outputs come from. */
    public record SchemaSources(SchemaCatalog catalog, SchemaResolver resolver, SchemaIds ids) {
    }

    /**
     * The schema catalog, the resolver of schema ids and the source of ids for a contract, without loading its
     * projection: what a reader of Reprise's outputs needs.
     *
     * @throws ContractException naming the field and the fix
     */
    public static SchemaSources schemaSources(Contract contract) {
        Contract.SchemaSource source = contract.history().schemas();
        SchemaCatalog catalog;
        try {
            catalog = source.directory() == null ? SchemaCatalog.of(List.of()) : SchemaCatalog.load(source.directory());
        } catch (IllegalArgumentException e) {
            throw new ContractException("history.schemas.directory", e.getMessage() + "; fix the schema or move it out of the directory");
        } catch (java.io.UncheckedIOException e) {
            throw new ContractException("history.schemas.directory", "cannot read the schemas in " + source.directory() + ": "
                    + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()));
        }
        if (source.kind() == Contract.SchemaSource.Kind.REGISTRY) {
            // Read here, before any request: a settings file that cannot be used stops the command with exit 2, naming the setting.
            dev.reprise.codec.RegistrySettings settings = source.clientProperties() == null ? dev.reprise.codec.RegistrySettings.NONE
                    : dev.reprise.codec.RegistrySettings.load(source.clientProperties(), source.registryUrl());
            RegistryClient registry = new RegistryClient(source.registryUrl(), settings);
            return new SchemaSources(catalog, registry, registry);
        }
        if (source.idMap() != null) {
            try {
                LocalIdMap ids = LocalIdMap.load(source.idMap(), catalog);
                return new SchemaSources(catalog, ids, ids);
            } catch (IllegalArgumentException e) {
                throw new ContractException("history.schemas.id_map", e.getMessage());
            } catch (java.io.UncheckedIOException e) {
                throw new ContractException("history.schemas.id_map", "cannot read " + source.idMap() + " as YAML ("
                        + firstLine(e.getCause() == null ? e.getMessage() : e.getCause().getMessage())
                        + "); it maps each schema id to an .avsc file under the schemas directory, e.g. '1: inventory/stock-movement-v1.avsc'");
            }
        }
        SchemaResolver none = id -> {
            throw new dev.reprise.codec.PoisonRecordException("unknown-schema-id", "no id map is configured for schema id " + id);
        };
        return new SchemaSources(catalog, none, SchemaIds.NONE);
    }

    /** Every invariant a rebuilt state must satisfy: the projection's own, then the contract's CEL invariants. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <S extends org.apache.avro.specific.SpecificRecord> List<Invariant<S>> invariants() {
        List<Invariant<S>> all = new java.util.ArrayList<>((List) projection.invariants());
        contractInvariants.forEach(i -> all.add((Invariant<S>) i));
        return List.copyOf(all);
    }

    /**
     * Loads schemas, upcasters (ServiceLoader) and the named projection (ServiceLoader) for a contract, and
     * checks everything in the contract that needs them before anything starts: the fields it names exist
     * in the events' latest schemas ({@link ContractFields}), and every CEL check, invariants and totals,
     * compiles and is true-or-false over what it runs on.
     *
     * @throws ContractException naming the field and the fix
     */
    public static CompiledContract forContract(Contract contract) {
        SchemaSources sources = schemaSources(contract);
        RegistryClient registry = sources.resolver() instanceof RegistryClient r ? r : null;
        if (registry != null) {
            // Before anything is written: TLS, credentials and rights are the settings' to fix (exit 2), not a run's to find.
            registry.checkAccess();
        }
        SchemaCatalog catalog = EventSchemas.resolve(contract, sources.catalog(), registry);
        ContractFields.check(contract, catalog);
        Projection<?> projection = ProjectionRegistry.named(contract.projection().name());
        Schema stateSchema = SpecificData.get().getSchema(projection.stateClass());
        // Compiled here, not only when the evidence is built: a malformed total must stop the run before it starts.
        CelChecks.totals(contract);
        CompiledContract codecs = new CompiledContract(contract.history().encoding(), catalog, sources.resolver(), UpcasterRegistry.fromServiceLoader(catalog),
                projection, CelChecks.invariants(contract, stateSchema), sources.ids(), contract.projection().encoding(), contract.projection().topic());
        try {
            // A local id map is asked here, before anything starts; a registry when the run starts.
            codecs.projectionFormat();
        } catch (IllegalArgumentException e) {
            throw new ContractException("projection.encoding", "confluent: " + e.getMessage() + ", or set history.schemas.source: registry "
                    + "to register it there, or choose projection.encoding: single-object or json");
        }
        return codecs;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "unreadable";
        }
        int end = text.indexOf('\n');
        String line = (end < 0 ? text : text.substring(0, end)).trim();
        if (line.contains("Invalid UTF-8") || line.contains("CharConversion")) {
            return "it is not UTF-8 text";
        }
        // Parser messages may start with a Java class name; an operator needs the words after it.
        return line.replaceAll("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error): ?", "");
    }

    /** A decoder for one processor: decoders reuse buffers and are not thread-safe. */
    public EventDecoder newDecoder() {
        return new EventDecoder(encoding, resolver, catalog);
    }

    /** A decoder for one processor that asks the registry again as {@code retry} says ({@code reprise.registry.retry.*}). */
    public EventDecoder newDecoder(dev.reprise.codec.RegistryRetry retry) {
        return new EventDecoder(encoding, resolver, catalog, retry);
    }
}
