package dev.exactlyonce.payments.transforms.kafka.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Secret Manager client against a fake of the service, over an in-process gRPC channel. */
class SecretManagerReaderTest {
  private static final String VERSION = "projects/my-project/secrets/kafka-password/versions/3";
  private static final String PASSWORD = "s3cr3t-from-secret-manager";

  private Server server;
  private ManagedChannel channel;
  private SecretManagerReader reader;

  /**
   * The one method of the service the reader calls, as the service declares it (the generated
   * server stubs are not served by the registry this builds from).
   */
  private static final MethodDescriptor<AccessSecretVersionRequest, AccessSecretVersionResponse> ACCESS =
      MethodDescriptor.<AccessSecretVersionRequest, AccessSecretVersionResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("google.cloud.secretmanager.v1.SecretManagerService/AccessSecretVersion")
          .setRequestMarshaller(ProtoUtils.marshaller(AccessSecretVersionRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(AccessSecretVersionResponse.getDefaultInstance()))
          .build();

  /** Knows one secret version; any other is NOT_FOUND, as the service answers. */
  private static final class FakeSecretManager {
    private final Map<String, String> versions = Map.of(VERSION, PASSWORD);

    ServerServiceDefinition service() {
      return ServerServiceDefinition.builder("google.cloud.secretmanager.v1.SecretManagerService")
          .addMethod(ACCESS, ServerCalls.asyncUnaryCall(this::accessSecretVersion))
          .build();
    }

    void accessSecretVersion(
        AccessSecretVersionRequest request, StreamObserver<AccessSecretVersionResponse> response) {
      String value = versions.get(request.getName());
      if (value == null) {
        response.onError(Status.NOT_FOUND.withDescription("Secret Version [" + request.getName() + "] not found.").asRuntimeException());
        return;
      }
      response.onNext(
          AccessSecretVersionResponse.newBuilder()
              .setName(request.getName())
              .setPayload(SecretPayload.newBuilder().setData(ByteString.copyFromUtf8(value)))
              .build());
      response.onCompleted();
    }
  }

  @BeforeEach
  void startFake() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new FakeSecretManager().service()).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    reader =
        SecretManagerReader.using(
            SecretManagerServiceSettings.newBuilder()
                .setTransportChannelProvider(FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                .setCredentialsProvider(NoCredentialsProvider.create())
                .build());
  }

  @AfterEach
  void stopFake() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aSecretVersionReferenceReadsItsPayload() throws IOException {
    assertEquals(PASSWORD, SecretReference.parse(VERSION).resolve(reader));
  }

  @Test
  void aMissingVersionFailsNamingItAndItsStatus() {
    IOException error =
        assertThrows(IOException.class, () -> reader.read("projects/my-project/secrets/nope/versions/1"));
    assertTrue(error.getMessage().contains("projects/my-project/secrets/nope/versions/1"), error.getMessage());
    assertTrue(error.getMessage().contains("NOT_FOUND"), error.getMessage());
  }

  @Test
  void theJaasConfigCarriesTheSecretManagerPasswordAndOnlyTheReferenceIsPlain() throws IOException {
    KafkaClientSecurity security =
        KafkaClientSecurity.none()
            .withProtocol(KafkaClientSecurity.Protocol.SASL_SSL)
            .withSasl(KafkaClientSecurity.Mechanism.PLAIN, "api-key", SecretReference.parse(VERSION))
            .withSecretManager(reader);

    Map<String, Object> resolved = security.clientProperties(Map.of());

    assertTrue(resolved.get("sasl.jaas.config").toString().contains("password=\"" + PASSWORD + "\""));
    assertFalse(security.plainProperties().toString().contains(PASSWORD));
    assertFalse(security.toString().contains(PASSWORD));
  }
}
