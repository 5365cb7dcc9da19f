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
 */
public final class RegistryClient implements SchemaResolver, SchemaIds {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final HttpClient http;
    private final Map<Integer, Schema> cache = new ConcurrentHashMap<>();
    /** "subject|fingerprint" → id: registering the same schema again returns the same id, so once per process is enough. */
    private final Map<String, Integer> registered = new ConcurrentHashMap<>();

    public RegistryClient(URI base) {
        this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public Schema byId(int id) {
        return cache.computeIfAbsent(id, this::fetch);
    }

    private Schema fetch(int id) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("schemas/ids/" + id)).GET()
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json").build());
        if (response.statusCode() == 404) {
            throw new PoisonRecordException("unknown-schema-id", "schema id " + id + " is not known to the registry at " + base);
        }
        if (response.statusCode() != 200) {
            // Not a property of the record: the registry is down or refuses us. Failing the run is right;
            // dead-lettering every record during an outage would empty the projection.
            throw new IllegalStateException("schema registry " + base + " answered " + response.statusCode() + " for schema id " + id + ": " + response.body());
        }
        try {
            JsonNode body = JSON.readTree(response.body());
            return new Schema.Parser().parse(body.get("schema").asText());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("schema registry " + base + " returned an unreadable schema for id " + id + ": " + e.getMessage(), e);
        }
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
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        if (response.statusCode() != 200) {
            String why = response.statusCode() == 409 ? " (the subject's compatibility rule refuses this schema: let the subject accept it,"
                    + " or write to another topic)" : response.statusCode() == 401 || response.statusCode() == 403
                    ? " (Reprise may not register schemas there: grant it, or register the schema under this subject beforehand)" : "";
            throw new IllegalStateException("schema registry " + base + " refused to register " + schema.getFullName() + " under " + subject
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

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("schema registry " + base + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling the schema registry", e);
        }
    }
}
