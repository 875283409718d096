package dev.exactlyonce.payments.transforms.kafka.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretReferenceTest {
  @TempDir Path dir;

  private static final SecretVersionReader NO_SECRET_MANAGER = name -> {
    throw new IOException("no Secret Manager in this test");
  };

  @Test
  void aFileReferenceReadsTheFileWithoutItsFinalLineBreak() throws IOException {
    Path file = dir.resolve("password");
    Files.writeString(file, "correct horse\n");

    assertEquals("correct horse", SecretReference.parse("file:" + file).resolve(NO_SECRET_MANAGER));
  }

  @Test
  void anEnvironmentReferenceReadsTheVariable() throws IOException {
    // PATH is set in every environment this runs in.
    assertEquals(System.getenv("PATH"), SecretReference.parse("env:PATH").resolve(NO_SECRET_MANAGER));
  }

  @Test
  void referencesPrintAsGiven() {
    assertEquals("env:KAFKA_PASSWORD", SecretReference.parse("env:KAFKA_PASSWORD").toString());
    assertEquals("file:/run/secrets/kafka", SecretReference.parse("file:/run/secrets/kafka").toString());
    assertEquals("projects/p/secrets/s/versions/latest", SecretReference.parse("projects/p/secrets/s/versions/latest").toString());
    assertEquals(SecretReference.Kind.SECRET_MANAGER, SecretReference.parse("projects/p/secrets/s/versions/2").kind());
  }

  @ParameterizedTest
  @ValueSource(strings = {"hunter2", "env:", "env:1BAD", "file:", "projects/p/secrets/s", ""})
  void aValueThatIsNoReferenceIsRefusedWithoutRepeatingIt(String value) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SecretReference.parse(value));
    // A prefix alone (env:, file:) is part of the message's own advice.
    if (value.length() > "file:".length()) {
      assertFalse(error.getMessage().contains(value), error.getMessage());
    }
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = dir.resolve("nope");
    IOException error = assertThrows(IOException.class, () -> SecretReference.parse("file:" + missing).resolve(NO_SECRET_MANAGER));
    assertEquals("cannot read " + missing, error.getMessage());
  }
}
