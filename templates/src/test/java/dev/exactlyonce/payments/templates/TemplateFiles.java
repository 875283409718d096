package dev.exactlyonce.payments.templates;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;

/** The template's files in this module, read the way the image build and the launcher read them. */
final class TemplateFiles {
  private TemplateFiles() {}

  /** A file of this module; Maven runs tests with the module as working directory. */
  static Path path(String relative) {
    return Path.of(System.getProperty("basedir", ".")).resolve(relative).toAbsolutePath().normalize();
  }

  static String read(String relative) {
    try {
      return Files.readString(path(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value of {@code ENV name=value} in the Dockerfile, without quotes. */
  static String dockerfileEnv(String name) {
    return single("(?m)^ENV\\s+" + Pattern.quote(name) + "=\"?([^\"\\s]+)\"?\\s*$", read("Dockerfile"), name);
  }

  /** Where the Dockerfile's only {@code COPY} puts its only source: the file's path in the image. */
  static String dockerfileCopyTarget() {
    String copy = single("(?m)^COPY\\s+(\\S+\\s+\\S+)\\s*$", read("Dockerfile"), "COPY");
    String[] sourceAndTarget = copy.split("\\s+");
    return sourceAndTarget[1].endsWith("/") ? sourceAndTarget[1] + sourceAndTarget[0] : sourceAndTarget[1];
  }

  /** The source of the Dockerfile's only {@code COPY}: a file of the build context. */
  static String dockerfileCopySource() {
    return single("(?m)^COPY\\s+(\\S+)\\s+\\S+\\s*$", read("Dockerfile"), "COPY");
  }

  /** The bundle's file name as the pom makes it: the shade plugin's outputFile, resolved. */
  static String bundleFileName() {
    try {
      Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(path("pom.xml").toFile());
      String outputFile = pom.getElementsByTagName("outputFile").item(0).getTextContent().strip();
      String bundleName = pom.getElementsByTagName("bundle.name").item(0).getTextContent().strip();
      String resolved = outputFile.replace("${bundle.name}", bundleName);
      return resolved.substring(resolved.lastIndexOf('/') + 1);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the bundle's name from pom.xml", e);
    }
  }

  private static String single(String regex, String text, String what) {
    Matcher matcher = Pattern.compile(regex).matcher(text);
    if (!matcher.find()) {
      throw new AssertionError("no " + what + " in the Dockerfile");
    }
    String value = matcher.group(1);
    if (matcher.find()) {
      throw new AssertionError("more than one " + what + " in the Dockerfile");
    }
    return value;
  }
}
