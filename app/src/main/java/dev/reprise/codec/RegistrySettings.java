package dev.reprise.codec;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the registry client authenticates and which TLS it trusts, read from a properties file with the keys Confluent's
 * serializers take, so a team reuses the file its producers have:
 * <pre>
 * basic.auth.credentials.source=USER_INFO          # or URL (user info of schema.registry.url in this file)
 * basic.auth.user.info=reprise:secret
 * bearer.auth.credentials.source=STATIC_TOKEN      # instead of basic auth
 * bearer.auth.token=...
 * schema.registry.ssl.truststore.location=/etc/reprise/registry-ca.p12   # JKS, PKCS12 or PEM
 * schema.registry.ssl.truststore.password=...
 * schema.registry.ssl.truststore.type=PKCS12
 * schema.registry.ssl.keystore.location=/etc/reprise/reprise.p12          # a client certificate, if the registry asks
 * schema.registry.ssl.keystore.password=...
 * schema.registry.ssl.keystore.type=PKCS12
 * schema.registry.ssl.key.password=...
 * </pre>
 * Secrets are read from the file and kept here only: {@link #toString()} and every message name the settings and the
 * file, never a value. Any other key in the file (Kafka's own client settings, say) is left alone.
 */
public final class RegistrySettings {
    public static final String BASIC_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_USER_INFO = "basic.auth.user.info";
    public static final String BEARER_SOURCE = "bearer.auth.credentials.source";
    public static final String BEARER_TOKEN = "bearer.auth.token";
    public static final String REGISTRY_URL = "schema.registry.url";
    public static final String TRUSTSTORE = "schema.registry.ssl.truststore.";
    public static final String KEYSTORE = "schema.registry.ssl.keystore.";
    public static final String KEY_PASSWORD = "schema.registry.ssl.key.password";

    /** No credentials, the JDK's default trust: a registry as a URL only. */
    public static final RegistrySettings NONE = new RegistrySettings(null, null, null, "no registry client settings");

    private final String authorization;
    /** Which setting carries the credentials, for messages: e.g. "basic.auth.user.info in /etc/reprise/registry.properties". */
    private final String credentialsSetting;
    private final SSLContext ssl;
    private final String origin;

    private RegistrySettings(String authorization, String credentialsSetting, SSLContext ssl, String origin) {
        this.authorization = authorization;
        this.credentialsSetting = credentialsSetting;
        this.ssl = ssl;
        this.origin = origin;
    }

    /**
     * Reads the settings from {@code file}.
     *
     * @param registryUrl the registry the contract names (without credentials)
     * @throws RegistrySettingsException naming the setting and the file when the file or a setting cannot be used
     */
    public static RegistrySettings load(Path file, URI registryUrl) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new RegistrySettingsException("the registry client properties file " + file + " does not exist; point "
                    + "history.schemas.client_properties (or --command-config) at it");
        } catch (IOException | IllegalArgumentException e) {
            throw new RegistrySettingsException("cannot read the registry client properties file " + file + ": " + e.getMessage());
        }
        return of(p, file.toString(), registryUrl);
    }

    /** Settings from properties already read; {@code origin} names where they came from in messages. */
    public static RegistrySettings of(Properties p, String origin, URI registryUrl) {
        String where = " in " + origin;
        String authorization = null;
        String credentials = null;
        String basicSource = trimmed(p, BASIC_SOURCE);
        String userInfo = trimmed(p, BASIC_USER_INFO);
        String bearerSource = trimmed(p, BEARER_SOURCE);
        if (basicSource != null || userInfo != null) {
            String source = basicSource == null ? "USER_INFO" : basicSource.toUpperCase(Locale.ROOT);
            switch (source) {
                case "USER_INFO" -> {
                    if (userInfo == null || !userInfo.contains(":")) {
                        throw new RegistrySettingsException(BASIC_USER_INFO + where + " must be user:password with "
                                + BASIC_SOURCE + "=USER_INFO");
                    }
                    credentials = BASIC_USER_INFO + where;
                }
                case "URL" -> {
                    String url = trimmed(p, REGISTRY_URL);
                    URI withInfo = url == null ? null : URI.create(url);
                    if (withInfo == null || withInfo.getRawUserInfo() == null) {
                        throw new RegistrySettingsException(BASIC_SOURCE + "=URL" + where + " takes the credentials from " + REGISTRY_URL
                                + " (https://user:password@host/...) in the same file, which has none; set it, or use USER_INFO with "
                                + BASIC_USER_INFO);
                    }
                    if (!RegistryUnavailableException.redact(withInfo).equals(RegistryUnavailableException.redact(registryUrl))) {
                        throw new RegistrySettingsException(REGISTRY_URL + where + " names another registry than history.schemas.registry_url ("
                                + registryUrl + "); make them the same");
                    }
                    userInfo = java.net.URLDecoder.decode(withInfo.getRawUserInfo(), StandardCharsets.UTF_8);
                    credentials = REGISTRY_URL + where;
                }
                default -> throw new RegistrySettingsException(BASIC_SOURCE + "=" + basicSource + where + " is not supported; use USER_INFO "
                        + "(with " + BASIC_USER_INFO + "=user:password) or URL");
            }
            authorization = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        }
        if (bearerSource != null) {
            if (authorization != null) {
                throw new RegistrySettingsException(where.substring(4) + " sets both basic auth (" + BASIC_SOURCE + ") and a bearer token ("
                        + BEARER_SOURCE + "); keep one");
            }
            if (!bearerSource.equalsIgnoreCase("STATIC_TOKEN")) {
                throw new RegistrySettingsException(BEARER_SOURCE + "=" + bearerSource + where + " is not supported; use STATIC_TOKEN with "
                        + BEARER_TOKEN);
            }
            String token = trimmed(p, BEARER_TOKEN);
            if (token == null) {
                throw new RegistrySettingsException(BEARER_TOKEN + where + " is required with " + BEARER_SOURCE + "=STATIC_TOKEN");
            }
            authorization = "Bearer " + token;
            credentials = BEARER_TOKEN + where;
        }
        SSLContext ssl = null;
        if (trimmed(p, TRUSTSTORE + "location") != null || trimmed(p, KEYSTORE + "location") != null) {
            ssl = sslContext(p, where);
        }
        return new RegistrySettings(authorization, credentials, ssl, origin);
    }

    private static SSLContext sslContext(Properties p, String where) {
        try {
            TrustManagerFactory trust = null;
            if (trimmed(p, TRUSTSTORE + "location") != null) {
                KeyStore store = store(p, TRUSTSTORE, where, false);
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
            }
            KeyManagerFactory keys = null;
            if (trimmed(p, KEYSTORE + "location") != null) {
                KeyStore store = store(p, KEYSTORE, where, true);
                String keyPassword = trimmed(p, KEY_PASSWORD) != null ? trimmed(p, KEY_PASSWORD) : password(p, KEYSTORE);
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                try {
                    keys.init(store, keyPassword == null ? new char[0] : keyPassword.toCharArray());
                } catch (GeneralSecurityException e) {
                    throw new RegistrySettingsException("the key in " + KEYSTORE + "location" + where + " cannot be read with "
                            + KEY_PASSWORD + " (or " + KEYSTORE + "password): " + e.getMessage());
                }
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new RegistrySettingsException("cannot set up TLS for the registry from the settings" + where + ": " + e.getMessage());
        }
    }

    /** A trust or key store: JKS, PKCS12 (with its password) or PEM (certificates, and for a key store a PKCS#8 key). */
    private static KeyStore store(Properties p, String prefix, String where, boolean withKey) throws GeneralSecurityException {
        Path location = Path.of(trimmed(p, prefix + "location"));
        String type = trimmed(p, prefix + "type") == null ? "JKS" : trimmed(p, prefix + "type").toUpperCase(Locale.ROOT);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(location);
        } catch (IOException e) {
            throw new RegistrySettingsException(prefix + "location" + where + ": cannot read " + location + " (" + e.getMessage() + ")");
        }
        if (type.equals("PEM")) {
            return pem(bytes, prefix, where, withKey);
        }
        if (!type.equals("JKS") && !type.equals("PKCS12")) {
            throw new RegistrySettingsException(prefix + "type=" + type + where + " is not supported; use JKS, PKCS12 or PEM");
        }
        String password = password(p, prefix);
        KeyStore store = KeyStore.getInstance(type);
        try {
            store.load(new ByteArrayInputStream(bytes), password == null ? null : password.toCharArray());
        } catch (IOException e) {
            // A wrong password and a file of another type both read as an IOException here.
            throw new RegistrySettingsException(prefix + "location" + where + " (" + location + ") cannot be opened as " + type + " with "
                    + prefix + "password: " + e.getMessage() + "; check " + prefix + "password and " + prefix + "type");
        }
        return store;
    }

    private static final Pattern PEM_BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

    private static KeyStore pem(byte[] bytes, String prefix, String where, boolean withKey) throws GeneralSecurityException {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        List<Certificate> certificates = new ArrayList<>();
        PrivateKey key = null;
        Matcher m = PEM_BLOCK.matcher(text);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (m.group(1)) {
                case "CERTIFICATE" -> {
                    Collection<? extends Certificate> found = factory.generateCertificates(new ByteArrayInputStream(
                            m.group().getBytes(StandardCharsets.US_ASCII)));
                    certificates.addAll(found);
                }
                case "PRIVATE KEY" -> key = privateKey(der, prefix, where);
                default -> throw new RegistrySettingsException(prefix + "location" + where + " holds a PEM block " + m.group(1)
                        + "; Reprise reads CERTIFICATE and unencrypted PKCS#8 PRIVATE KEY blocks");
            }
        }
        if (certificates.isEmpty()) {
            throw new RegistrySettingsException(prefix + "location" + where + " holds no PEM certificate");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (withKey) {
            if (key == null) {
                throw new RegistrySettingsException(prefix + "location" + where + " holds no PRIVATE KEY block beside the certificate");
            }
            store.setKeyEntry("client", key, new char[0], certificates.toArray(Certificate[]::new));
        } else {
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
        }
        return store;
    }

    private static PrivateKey privateKey(byte[] der, String prefix, String where) {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException tryNext) {
                // another algorithm
            }
        }
        throw new RegistrySettingsException(prefix + "location" + where + ": the PRIVATE KEY is not an RSA, EC or Ed25519 PKCS#8 key");
    }

    private static String password(Properties p, String prefix) {
        return trimmed(p, prefix + "password");
    }

    private static String trimmed(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Whether {@code p} holds any setting of the registry client (so a --command-config file serves as its settings). */
    public static boolean mentionsRegistry(Properties p) {
        return p.stringPropertyNames().stream().anyMatch(k -> k.startsWith("basic.auth.") || k.startsWith("bearer.auth.")
                || k.startsWith("schema.registry.ssl."));
    }

    /** The value of the Authorization header, or {@code null}. */
    String authorization() {
        return authorization;
    }

    /** The TLS context, or {@code null} for the JDK's default trust. */
    SSLContext ssl() {
        return ssl;
    }

    /** The setting that carries the credentials and its file, or {@code null} when there are none. */
    public String credentialsSetting() {
        return credentialsSetting;
    }

    /** Where the settings came from: a file, or "no registry client settings". */
    public String origin() {
        return origin;
    }

    @Override
    public String toString() {
        return "registry client settings from " + origin + (credentialsSetting == null ? "" : " (credentials: " + credentialsSetting + ")");
    }
}
