package dev.reprise.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves schema ids against a Confluent-compatible Schema Registry over its REST API
 * ({@code GET /schemas/ids/{id}}, {@code POST /subjects/{subject}/versions}), caching every answer:
 * an id's schema never changes. Uses the JDK's HTTP client, since Confluent's client jar is not on
 * Maven Central and the two calls need nothing more.
 *
 * <p>This is the one place that decides what a registry's answer means for the record that names the id: a 404
 * (no such id) or a schema that is not Avro is the record's ({@link PoisonRecordException}); anything else that
 * is not a schema (no connection, a timeout, HTTP 5xx, 429, 401, 403, a body that is not the registry's JSON) is
 * the registry's ({@link RegistryUnavailableException}), asked again by the caller and then stopping the run.
 */
public final class RegistryClient implements SchemaResolver, SchemaIds {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long one request may take: a registry that accepts the connection and never answers must not hold a stream thread. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private final URI base;
    /** The base URL as it may be printed: without credentials. */
    private final String printable;
    private final HttpClient http;
    private final Map<Integer, Schema> cache = new ConcurrentHashMap<>();
    /** "subject|fingerprint" → id: registering the same schema again returns the same id, so once per process is enough. */
    private final Map<String, Integer> registered = new ConcurrentHashMap<>();

    public RegistryClient(URI base) {
        this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
        this.printable = RegistryUnavailableException.redact(this.base);
        this.http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
    }

    @Override
    public Schema byId(int id) {
        return cache.computeIfAbsent(id, this::fetch);
    }

    private Schema fetch(int id) {
        HttpResponse<String> response;
        try {
            response = send(HttpRequest.newBuilder(base.resolve("schemas/ids/" + id)).GET().timeout(REQUEST_TIMEOUT)
                    .header("Accept", "application/vnd.schemaregistry.v1+json, application/json").build());
        } catch (IOException unreachable) {
            // Connection refused, a timeout, a reset: the registry's or the network's, never the record's.
            throw new RegistryUnavailableException(printable, id, "is unreachable (" + PoisonRecordException.describe(unreachable) + ")", unreachable);
        }
        if (response.statusCode() == 404) {
            throw new PoisonRecordException("unknown-schema-id", "schema id " + id + " is not known to the registry at " + printable);
        }
        if (response.statusCode() != 200) {
            // Not a property of the record: the registry is down, overloaded or refuses us. Dead-lettering every record
            // during an outage would empty the projection, so the caller asks again, then the run stops.
            throw new RegistryUnavailableException(printable, id, "answered " + response.statusCode() + " (" + brief(response.body()) + ")", null);
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject() || !body.path("schema").isTextual()) {
            // A proxy's error page, a truncated answer: the registry's (or the network's) failure, not the record's.
            throw new RegistryUnavailableException(printable, id, "answered 200 with something that is not a schema (" + brief(response.body()) + ")", null);
        }
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new PoisonRecordException("not-an-avro-schema", "schema id " + id + " is a " + type + " schema in the registry at " + printable
                    + "; Reprise reads Avro events");
        }
        try {
            return new Schema.Parser().parse(body.get("schema").asText());
        } catch (RuntimeException e) {
            // The registry gave the id's schema and it is not one Avro can read (schema references, say): the same in every run.
            throw new PoisonRecordException("unreadable-schema", "schema id " + id + " in the registry at " + printable + " is not a readable Avro schema: "
                    + PoisonRecordException.describe(e), e);
        }
    }

    private static String brief(String body) {
        String text = body == null || body.isBlank() ? "no body" : body.strip().replaceAll("\\s+", " ");
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }

    /** Registers the schema under the subject once per process (the registry answers the same id every time). */
    @Override
    public int idFor(String subject, Schema schema) {
        return registered.computeIfAbsent(subject + "|" + SingleObjectFormat.fingerprint(schema), k -> register(subject, schema));
    }

    @Override
    public boolean isLocal() {
        return false;
    }

    /** Registers a schema under a subject and returns its id. */
    public int register(String subject, Schema schema) {
        String body;
        try {
            body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpResponse<String> response;
        try {
            response = send(HttpRequest.newBuilder(base.resolve("subjects/" + subject + "/versions")).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        } catch (IOException e) {
            throw new IllegalStateException("schema registry " + printable + " is unreachable: " + PoisonRecordException.describe(e), e);
        }
        if (response.statusCode() != 200) {
            String why = response.statusCode() == 409 ? " (the subject's compatibility rule refuses this schema: let the subject accept it,"
                    + " or write to another topic)" : response.statusCode() == 401 || response.statusCode() == 403
                    ? " (Reprise may not register schemas there: grant it, or register the schema under this subject beforehand)" : "";
            throw new IllegalStateException("schema registry " + printable + " refused to register " + schema.getFullName() + " under " + subject
                    + ": " + response.statusCode() + " " + response.body() + why);
        }
        try {
            int id = JSON.readTree(response.body()).get("id").asInt();
            cache.put(id, schema);
            return id;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while asking the registry");
        }
    }
}
