package dev.reprise.reconcile;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import dev.reprise.projection.Invariant;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.cel.runtime.CelVariableResolver;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The contract's checks, written in Google's Common Expression Language (CEL): invariants over a
 * projection state's fields and checks over the run's totals. Compiled once when the contract is
 * loaded for a run, so a malformed or ill-typed expression stops everything with the check's name and
 * the position of the mistake.
 */
public final class CelChecks {
    /** The variables of a totals check. */
    public static final List<String> TOTALS = dev.reprise.counts.Total.variables();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    private CelChecks() {
    }

    /** The contract's invariants over states of {@code stateSchema}, ready to run on every key. */
    public static <S extends IndexedRecord> List<Invariant<S>> invariants(Contract contract, Schema stateSchema) {
        CelCompilerBuilder builder = CelCompilerFactory.standardCelCompilerBuilder();
        for (Schema.Field f : stateSchema.getFields()) {
            builder.addVar(f.name(), celType(f.schema()));
        }
        CelCompiler compiler = builder.build();
        List<Invariant<S>> out = new ArrayList<>();
        for (Contract.Check check : contract.reconciliation().invariants()) {
            CelRuntime.Program program = compile(compiler, check, "the state's fields " + fieldNames(stateSchema));
            out.add(new Invariant<>(check.name(), check.expression(), state -> holds(program, variables(state))));
        }
        return out;
    }

    /** The contract's checks over totals, by name. */
    public static Map<String, Predicate<Map<String, Object>>> totals(Contract contract) {
        CelCompilerBuilder builder = CelCompilerFactory.standardCelCompilerBuilder();
        TOTALS.forEach(v -> builder.addVar(v, SimpleType.INT));
        CelCompiler compiler = builder.build();
        Map<String, Predicate<Map<String, Object>>> out = new LinkedHashMap<>();
        for (Contract.Check check : contract.reconciliation().totals()) {
            CelRuntime.Program program = compile(compiler, check, "the totals " + TOTALS);
            out.put(check.name(), totals -> holds(program, name -> Optional.ofNullable(totals.get(name))));
        }
        return out;
    }

    private static CelRuntime.Program compile(CelCompiler compiler, Contract.Check check, String variables) {
        CelAbstractSyntaxTree ast;
        try {
            ast = compiler.compile(check.expression()).getAst();
        } catch (CelValidationException e) {
            String where = e.getErrors().isEmpty() ? "" : " at line " + e.getErrors().get(0).getSourceLocation().getLine()
                    + ", column " + (e.getErrors().get(0).getSourceLocation().getColumn() + 1);
            String message = e.getErrors().isEmpty() ? e.getMessage() : e.getErrors().get(0).getMessage();
            throw new ContractException(check.field(), "check '" + check.name() + "' is not valid CEL" + where + ": " + message
                    + "; it may use " + variables);
        }
        if (!ast.getResultType().equals(SimpleType.BOOL)) {
            throw new ContractException(check.field(), "check '" + check.name() + "' must be true or false, but '" + check.expression()
                    + "' is of type " + ast.getResultType().name());
        }
        try {
            return RUNTIME.createProgram(ast);
        } catch (CelEvaluationException e) {
            throw new ContractException(check.field(), "check '" + check.name() + "' cannot run: " + e.getMessage());
        }
    }

    private static boolean holds(CelRuntime.Program program, CelVariableResolver variables) {
        try {
            return Boolean.TRUE.equals(program.eval(variables));
        } catch (CelEvaluationException e) {
            // An expression that cannot be evaluated on a state (overflow, division by zero) does not hold.
            return false;
        }
    }

    /**
     * A state's fields as CEL variables, read when the expression asks for them: an invariant runs on every key at the end
     * of a task (and on every event when thresholds are watched), and a map of every field, which CEL copies again, cost
     * more than the expression. A field the state lacks or holds null is no variable, as an absent map entry was.
     */
    private static CelVariableResolver variables(IndexedRecord state) {
        return name -> {
            Schema.Field field = state.getSchema().getField(name);
            return field == null ? Optional.empty() : Optional.ofNullable(celValue(state.get(field.pos())));
        };
    }

    private static Object celValue(Object v) {
        if (v instanceof Integer i) {
            return i.longValue();
        } else if (v instanceof Float x) {
            return x.doubleValue();
        } else if (v instanceof CharSequence cs) {
            return cs.toString();
        }
        return v;
    }

    private static CelType celType(Schema schema) {
        return switch (schema.getType()) {
            case INT, LONG -> SimpleType.INT;
            case FLOAT, DOUBLE -> SimpleType.DOUBLE;
            case STRING, ENUM -> SimpleType.STRING;
            case BOOLEAN -> SimpleType.BOOL;
            default -> SimpleType.DYN;
        };
    }

    private static List<String> fieldNames(Schema schema) {
        return schema.getFields().stream().map(Schema.Field::name).toList();
    }
}
