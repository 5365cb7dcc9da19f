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
import java.util.List;
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

    private final RegistrySettings settings;
    /** subject → its versions, and "subject|version" → that version's id and schema: asked once per process. */
    private final Map<String, List<Integer>> subjectVersions = new ConcurrentHashMap<>();
    private final Map<String, SubjectSchema> subjectSchemas = new ConcurrentHashMap<>();

    public RegistryClient(URI base) {
        this(base, RegistrySettings.NONE);
    }

    /** @param settings credentials and TLS trust ({@link RegistrySettings}); {@link RegistrySettings#NONE} for a URL only */
    public RegistryClient(URI base, RegistrySettings settings) {
        this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
        this.printable = RegistryUnavailableException.redact(this.base);
        this.settings = settings;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT);
        if (settings.ssl() != null) {
            builder.sslContext(settings.ssl());
        }
        this.http = builder.build();
    }

    /** One version of a subject: the schema's id and the schema. */
    public record SubjectSchema(String subject, int version, int id, Schema schema) {
    }

    /**
     * Checks, before anything starts, that the registry answers with these settings: TLS trusted, credentials
     * accepted, reading allowed ({@code GET /subjects}).
     *
     * @throws RegistrySettingsException naming the setting to fix (exit 2)
     * @throws IllegalStateException     when the registry cannot be reached at all (exit 1: start again once it answers)
     */
    public void checkAccess() {
        get("subjects", "reading its subjects");
    }

    /**
     * The versions of a subject, or an empty list when the registry does not know the subject.
     *
     * @throws RegistrySettingsException for TLS, credentials or rights (before anything starts)
     */
    public List<Integer> versions(String subject) {
        return subjectVersions.computeIfAbsent(subject, s -> {
            HttpResponse<String> r = get("subjects/" + encode(s) + "/versions", "listing the versions of subject " + s);
            if (r.statusCode() == 404) {
                return List.of();
            }
            List<Integer> out = new java.util.ArrayList<>();
            body(r, "the versions of subject " + s).forEach(v -> out.add(v.asInt()));
            java.util.Collections.sort(out);
            return List.copyOf(out);
        });
    }

    /** One version of a subject, with its id; the schema is cached by id as well. */
    public SubjectSchema version(String subject, int version) {
        return subjectSchemas.computeIfAbsent(subject + "|" + version, k -> {
            HttpResponse<String> r = get("subjects/" + encode(subject) + "/versions/" + version, "reading subject " + subject + " version " + version);
            if (r.statusCode() == 404) {
                throw new RegistrySettingsException("the registry at " + printable + " has no version " + version + " of subject " + subject);
            }
            JsonNode body = body(r, "subject " + subject + " version " + version);
            String type = body.path("schemaType").asText("AVRO");
            if (!type.equals("AVRO")) {
                throw new RegistrySettingsException("subject " + subject + " version " + version + " in the registry at " + printable + " is a "
                        + type + " schema; Reprise reads Avro events");
            }
            int id = body.path("id").asInt();
            Schema schema = cache.computeIfAbsent(id, i -> new Schema.Parser().parse(body.path("schema").asText()));
            return new SubjectSchema(subject, version, id, schema);
        });
    }

    private static String encode(String subject) {
        return java.net.URLEncoder.encode(subject, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode body(HttpResponse<String> r, String what) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("schema registry " + printable + " answered " + what + " with something that is not its JSON ("
                    + brief(r.body()) + ")");
        }
    }

    /**
     * A GET made before anything starts, whose failures are the settings' (exit 2) or the registry's (exit 1); 200 and
     * 404 are returned to the caller.
     */
    private HttpResponse<String> get(String path, String what) {
        HttpResponse<String> response;
        try {
            response = send(request(base.resolve(path)).GET().build());
        } catch (IOException e) {
            Throwable tls = e;
            while (tls != null && !(tls instanceof javax.net.ssl.SSLException)) {
                tls = tls.getCause();
            }
            if (tls != null) {
                throw new RegistrySettingsException("the TLS handshake with the schema registry at " + printable + " failed ("
                        + PoisonRecordException.describe(tls) + "): its certificate is not trusted, or it wants a client certificate. Set "
                        + RegistrySettings.TRUSTSTORE + "location (with .password and .type: JKS, PKCS12 or PEM) to a trust store holding "
                        + "the registry's CA" + (settings.ssl() == null ? "" : " (now from " + settings.origin() + ")")
                        + ", and " + RegistrySettings.KEYSTORE + "location if it asks for a client certificate", e);
            }
            throw new IllegalStateException("schema registry " + printable + " is unreachable while " + what + " ("
                    + PoisonRecordException.describe(e) + "); nothing was started. Start again once it answers", e);
        }
        int status = response.statusCode();
        if (status == 401) {
            throw new RegistrySettingsException("the schema registry at " + printable + " refused the credentials (401 Unauthorized) while "
                    + what + ": " + (settings.credentialsSetting() == null
                    ? "it requires them. Set " + RegistrySettings.BASIC_SOURCE + "=USER_INFO and " + RegistrySettings.BASIC_USER_INFO
                    + "=user:password (or " + RegistrySettings.BEARER_SOURCE + "=STATIC_TOKEN and " + RegistrySettings.BEARER_TOKEN
                    + ") in the file history.schemas.client_properties names"
                    : "check " + settings.credentialsSetting() + " (user name and password, or token)"));
        }
        if (status == 403) {
            throw new RegistrySettingsException("the schema registry at " + printable + " denied " + what + " (403 Forbidden) to "
                    + (settings.credentialsSetting() == null ? "an anonymous client" : "the credentials of " + settings.credentialsSetting())
                    + ": grant them read access to the subjects of the history");
        }
        if (status != 200 && status != 404) {
            throw new IllegalStateException("schema registry " + printable + " answered " + status + " while " + what + " ("
                    + brief(response.body()) + "); nothing was started. Start again once it answers");
        }
        return response;
    }

    /** A request to the registry with the settings' credentials, if any. */
    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json");
        if (settings.authorization() != null) {
            b.header("Authorization", settings.authorization());
        }
        return b;
    }

    @Override
    public Schema byId(int id) {
        return cache.computeIfAbsent(id, this::fetch);
    }

    private Schema fetch(int id) {
        HttpResponse<String> response;
        try {
            response = send(request(base.resolve("schemas/ids/" + id)).GET().build());
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
            response = send(request(base.resolve("subjects/" + encode(subject) + "/versions"))
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
