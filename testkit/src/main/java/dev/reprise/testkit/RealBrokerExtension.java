package dev.reprise.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5: hands a test method (or constructor, or {@code @BeforeAll} method) a parameter of type {@link RealBroker}, the
 * JVM's {@linkplain RealBroker#shared() shared} broker, started on first use.
 *
 * <pre>{@code
 * @ExtendWith(RealBrokerExtension.class)
 * class OrdersOnABrokerTest {
 *     @Test
 *     void theHistoryReplaysTrusted(RealBroker broker) { ... broker.replay(kit, history) ... }
 * }
 * }</pre>
 */
public final class RealBrokerExtension implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RealBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return RealBroker.shared();
    }
}
