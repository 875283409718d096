package dev.exactlyonce.payments.pipeline.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CdcOptionsTest {
  @Test
  void theChangeTopicAndGroupAreNeverThePaymentsPipelinesByDefault() {
    CdcConfig config = CdcConfig.from(CdcPipeline.parseOptions("--bootstrapServers=b:9092", "--project=my-project-1"));
    assertEquals("articles.cdc", config.options().getTopic());
    assertEquals("articles-cdc-pipeline", config.options().getConsumerGroup());
    assertEquals(List.of("article_id"), config.table().primaryKey());
    assertEquals("articles", config.table().name());
    assertEquals(10, config.collapseWindow().getStandardSeconds());
  }

  @Test
  void givenTopicKeyAndColumnsAreKept() {
    CdcConfig config = CdcConfig.from(CdcPipeline.parseOptions("--bootstrapServers=b:9092", "--project=my-project-1",
        "--topic=db.shop.orders", "--changeTable=orders", "--primaryKey=region,order_id",
        "--columns=region:STRING,order_id:INT64,total:NUMERIC"));
    assertEquals("db.shop.orders", config.options().getTopic());
    assertEquals(List.of("region", "order_id"), config.table().primaryKey());
  }

  @Test
  void aBadOptionStopsTheLaunchWithOneLineNamingIt() {
    for (String[] bad : List.of(
        new String[] {"--primaryKey=isbn"},
        new String[] {"--columns=article_id:VARCHAR"},
        new String[] {"--collapseWindowSeconds=0"},
        // Beam's own message for a value of the wrong type names the value, not the option.
        new String[] {"--collapseWindowSeconds=often"},
        new String[] {"--changeTable=bad/name"})) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      String[] args = new String[bad.length + 2];
      args[0] = "--bootstrapServers=b:9092";
      args[1] = "--project=my-project-1";
      System.arraycopy(bad, 0, args, 2, bad.length);
      int status = CdcPipeline.launcher().launch(args, new PrintStream(err, true, StandardCharsets.UTF_8));
      String message = err.toString(StandardCharsets.UTF_8);
      assertEquals(2, status, message);
      assertTrue(message.startsWith("error: --"), message);
    }
  }
}
