package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.ops.Acls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "acls", mixinStandardHelpOptions = true,
        description = "Prints the least-privilege ACLs the contract's app needs: kafka-acls command lines, or JSON with --json.",
        footer = {"", "Example:", "  reprise acls --contract config/inventory.yaml --principal User:reprise | sed 's/$BOOTSTRAP/kafka:9092/' | sh"})
final class AclsCommand implements Callable<Integer> {
    @Option(names = "--contract", required = true, description = "The Recovery Contract (YAML).")
    Path contract;

    @Option(names = "--principal", defaultValue = "User:reprise", description = "The app's principal (default ${DEFAULT-VALUE}).")
    String principal;

    @Option(names = "--json", description = "Print a JSON array of ACL bindings.")
    boolean json;

    @Override
    public Integer call() {
        Contract c = ContractLoader.load(contract);
        List<Acls.AclEntry> acls = Acls.forContract(c, principal);
        if (json) {
            System.out.println(Json.of(acls.stream().map(a -> {
                Map<String, String> m = new LinkedHashMap<>();
                m.put("resource_type", a.resourceType());
                m.put("resource_name", a.resourceName());
                m.put("pattern_type", a.patternType());
                m.put("operation", a.operation());
                m.put("permission", a.permission());
                m.put("principal", a.principal());
                return m;
            }).toList()));
        } else {
            System.out.println("# Least-privilege ACLs for contract " + c.name() + " (application " + c.applicationId() + ", "
                    + c.processing().guarantee() + "); replace $BOOTSTRAP and add --command-config for a secured cluster.");
            System.out.println("# Internal topics, the group and transactional ids are prefixed by the application id.");
            acls.forEach(a -> System.out.println(a.commandLine()));
        }
        return ExitCodes.OK;
    }
}
