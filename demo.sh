#!/usr/bin/env bash
# The main job, from a clean clone with only a JDK 17 and Maven: builds what it needs, starts an
# embedded Kafka, simulates payments with duplicates, runs the pipeline on Flink's embedded cluster
# (--runner=direct: the DirectRunner) until the input is idle, reconciles the tables against what
# was sent, and shuts everything down. Options: ./demo.sh --help
set -euo pipefail
cd "$(dirname "$0")"
echo "building (mvn install, tests skipped)..."
mvn -B -ntp -q install -DskipTests
# Kafka's clients warn while the broker starts, and KafkaIO warns when an offset commit races a
# reader it is closing (the next checkpoint commits again); Flink warns that Beam's step names are
# longer than its metric names may be. None is a problem in a local run.
exec java -Xmx4g \
  -Dpayments.broker.home=local/embedded-kafka/target \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.org.apache.kafka=error \
  -Dorg.slf4j.simpleLogger.log.org.apache.beam.sdk.io.kafka=error \
  -Dorg.slf4j.simpleLogger.log.org.apache.flink=error -Dorg.slf4j.simpleLogger.log.org.apache.beam.runners.flink=error \
  -cp "local/local-mode/target/classes:$(cat local/local-mode/target/local-classpath.txt)" \
  dev.exactlyonce.payments.local.LocalMode demo "$@"
