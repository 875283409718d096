package dev.exactlyonce.payments.templates;

import com.google.api.services.dataflow.model.DataflowPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.dataflow.util.PackageUtil;
import org.apache.beam.runners.dataflow.util.Stager;
import org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory;
import org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Arguments that let the real DataflowRunner build and translate a job without Google Cloud: no
 * credentials, no Cloud Storage checks, staging that uploads nothing, and a job specification
 * written to a local file (the runner's classic-template branch) instead of being sent to the
 * Dataflow service.
 */
final class OfflineDataflow {
  static final String PROJECT = "my-project";
  static final String BUCKET = "gs://my-bucket";

  private OfflineDataflow() {}

  /** The arguments, with the job specification going to {@code jobFile}. */
  static List<String> args(Path dir, Path jobFile, BigQueryDatasetStub bigQuery) throws IOException {
    // Staging hashes every file it stages; one small file keeps that quick.
    Path toStage = Files.writeString(dir.resolve("staged.txt"), "not uploaded");
    return new ArrayList<>(
        List.of(
            "--runner=DataflowRunner",
            "--project=" + PROJECT,
            "--region=europe-west1",
            "--gcpTempLocation=" + BUCKET + "/tmp",
            "--credentialFactoryClass=" + NoopCredentialFactory.class.getName(),
            "--pathValidatorClass=" + NoopPathValidator.class.getName(),
            "--stagerClass=" + LocalStager.class.getName(),
            "--filesToStage=" + toStage,
            "--templateLocation=" + jobFile,
            "--bigQueryEndpoint=" + bigQuery.endpoint()));
  }

  /** Claims to have staged every file under the bucket; uploads nothing. */
  public static final class LocalStager implements Stager {
    public static LocalStager fromOptions(PipelineOptions options) {
      return new LocalStager();
    }

    @Override
    public List<DataflowPackage> stageFiles(List<PackageUtil.StagedFile> filesToStage) {
      List<DataflowPackage> packages = new ArrayList<>();
      for (PackageUtil.StagedFile file : filesToStage) {
        packages.add(staged(file.getDestination()));
      }
      return packages;
    }

    @Override
    public DataflowPackage stageToFile(byte[] bytes, String baseName) {
      return staged(baseName);
    }

    private static DataflowPackage staged(String name) {
      return new DataflowPackage().setName(name).setLocation(BUCKET + "/staging/" + name);
    }
  }
}
