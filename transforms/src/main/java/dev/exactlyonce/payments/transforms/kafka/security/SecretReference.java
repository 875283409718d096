package dev.exactlyonce.payments.transforms.kafka.security;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a secret is kept, never the secret itself, so it can travel in pipeline options, logs and
 * job graphs: {@code env:NAME} (an environment variable of the process that reads it), {@code
 * file:PATH} (a file's content, without its final line break), or a Secret Manager secret version
 * {@code projects/P/secrets/S/versions/V}. Read with {@link #resolve} where the secret is used: on
 * the worker that opens the Kafka connection, not at launch.
 */
public final class SecretReference implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  static final Pattern SECRET_VERSION =
      Pattern.compile("projects/[^/\\s]+/secrets/[^/\\s]+/versions/[^/\\s]+");

  /** How the secret is kept. */
  public enum Kind {
    ENV,
    FILE,
    SECRET_MANAGER
  }

  private final Kind kind;
  private final String location;

  private SecretReference(Kind kind, String location) {
    this.kind = kind;
    this.location = location;
  }

  /**
   * Parses a reference. The message of a refusal says what is accepted and never repeats the
   * value: a user who passed the password itself must not find it in the error.
   */
  public static SecretReference parse(String reference) {
    String text = reference == null ? "" : reference.strip();
    if (text.startsWith("env:") && ENV_NAME.matcher(text.substring(4)).matches()) {
      return new SecretReference(Kind.ENV, text.substring(4));
    }
    if (text.startsWith("file:") && text.length() > 5) {
      return new SecretReference(Kind.FILE, text.substring(5));
    }
    if (SECRET_VERSION.matcher(text).matches()) {
      return new SecretReference(Kind.SECRET_MANAGER, text);
    }
    throw new IllegalArgumentException(
        "must name where the secret is kept: env:NAME, file:PATH or a Secret Manager version "
            + "projects/P/secrets/S/versions/V (the secret itself is never taken as an option value)");
  }

  public Kind kind() {
    return kind;
  }

  /** Reads the secret; Secret Manager versions through {@code secretManager}. */
  public String resolve(SecretVersionReader secretManager) throws IOException {
    switch (kind) {
      case ENV:
        String value = System.getenv(location);
        if (value == null) {
          throw new IOException("environment variable " + location + " is not set");
        }
        return value;
      case FILE:
        Path file = Path.of(location);
        if (!Files.isReadable(file)) {
          throw new IOException("cannot read " + file);
        }
        return stripFinalLineBreak(Files.readString(file, StandardCharsets.UTF_8));
      case SECRET_MANAGER:
        return secretManager.read(location);
      default:
        throw new IllegalStateException("unknown kind " + kind);
    }
  }

  private static String stripFinalLineBreak(String text) {
    if (text.endsWith("\r\n")) {
      return text.substring(0, text.length() - 2);
    }
    return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
  }

  /** The reference as given: where the secret is, safe to print. */
  @Override
  public String toString() {
    switch (kind) {
      case ENV:
        return "env:" + location;
      case FILE:
        return "file:" + location;
      default:
        return location;
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SecretReference that && kind == that.kind && location.equals(that.location);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, location);
  }
}
