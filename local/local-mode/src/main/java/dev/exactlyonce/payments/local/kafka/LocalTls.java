package dev.exactlyonce.payments.local.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates and passwords for a secured local broker, made at start with the JDK's own {@code
 * keytool}: a certificate authority, the broker's key signed by it (for 127.0.0.1 and localhost),
 * a client key signed by it (mutual TLS), and a trust store holding the authority. Passwords are
 * random, each in a file readable by its owner only, so they are passed as {@code file:}
 * references and never appear on a command line.
 */
public final class LocalTls {
  private static final String STORE_TYPE = "PKCS12";
  private static final int VALID_DAYS = 30;

  private final Path dir;

  private LocalTls(Path dir) {
    this.dir = dir;
  }

  /** Makes everything in {@code dir}, or reuses what an earlier start made there. */
  public static LocalTls in(Path dir) throws IOException, InterruptedException {
    LocalTls tls = new LocalTls(dir);
    if (!Files.isRegularFile(tls.clientKeystore())) {
      Files.createDirectories(dir);
      tls.make();
    }
    return tls;
  }

  /** A certificate authority of its own and a trust store of it: one the broker's is not signed by. */
  public static Path untrustedTruststore(Path dir) throws IOException, InterruptedException {
    LocalTls other = new LocalTls(dir);
    Files.createDirectories(dir);
    other.writePassword("truststore.password");
    other.writePassword("ca.password");
    other.authority("other-ca");
    other.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", other.file("ca.pem"),
        "-keystore", other.file("truststore.p12"), "-storetype", STORE_TYPE, "-storepass", other.password("truststore.password"));
    return other.truststore();
  }

  public Path truststore() {
    return dir.resolve("truststore.p12");
  }

  public Path truststorePassword() {
    return dir.resolve("truststore.password");
  }

  public Path brokerKeystore() {
    return dir.resolve("broker.p12");
  }

  public Path brokerPassword() {
    return dir.resolve("broker.password");
  }

  public Path clientKeystore() {
    return dir.resolve("client.p12");
  }

  public Path clientPassword() {
    return dir.resolve("client.password");
  }

  /** A password file's content. */
  public String password(String name) throws IOException {
    return Files.readString(dir.resolve(name), StandardCharsets.UTF_8).strip();
  }

  private void make() throws IOException, InterruptedException {
    for (String name : List.of("ca.password", "truststore.password", "broker.password", "client.password")) {
      writePassword(name);
    }
    authority("payments-local-ca");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", file("ca.pem"),
        "-keystore", file("truststore.p12"), "-storetype", STORE_TYPE, "-storepass", password("truststore.password"));
    signedKey("broker", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
    signedKey("client", "CN=payments-pipeline", null);
  }

  private void authority(String name) throws IOException, InterruptedException {
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + name,
        "-ext", "bc:c", "-validity", Integer.toString(VALID_DAYS), "-keystore", file("ca.p12"), "-storetype", STORE_TYPE,
        "-storepass", password("ca.password"), "-keypass", password("ca.password"));
    keytool("-exportcert", "-alias", "ca", "-rfc", "-file", file("ca.pem"), "-keystore", file("ca.p12"),
        "-storepass", password("ca.password"));
  }

  private void signedKey(String name, String dname, String extension) throws IOException, InterruptedException {
    String store = file(name + ".p12");
    String pass = password(name + ".password");
    keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname,
        "-validity", Integer.toString(VALID_DAYS), "-keystore", store, "-storetype", STORE_TYPE, "-storepass", pass, "-keypass", pass);
    keytool("-certreq", "-alias", name, "-file", file(name + ".csr"), "-keystore", store, "-storepass", pass);
    List<String> sign = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-infile", file(name + ".csr"),
        "-outfile", file(name + ".pem"), "-rfc", "-validity", Integer.toString(VALID_DAYS),
        "-keystore", file("ca.p12"), "-storepass", password("ca.password")));
    if (extension != null) {
      sign.addAll(List.of("-ext", extension));
    }
    keytool(sign.toArray(new String[0]));
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", file("ca.pem"), "-keystore", store, "-storepass", pass);
    keytool("-importcert", "-alias", name, "-file", file(name + ".pem"), "-keystore", store, "-storepass", pass);
  }

  private void writePassword(String name) throws IOException {
    byte[] random = new byte[18];
    new SecureRandom().nextBytes(random);
    Path file = dir.resolve(name);
    Files.writeString(file, HexFormat.of().formatHex(random), StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the directory's own permissions protect it.
    }
  }

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  /** Runs the JDK's keytool; its passwords go on its command line, inside this machine only. */
  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("keytool " + args[0] + " failed making the local broker's certificates: " + output.strip());
    }
  }
}
