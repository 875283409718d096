#!/usr/bin/env bash
# The pipeline on the DirectRunner against a Kafka and a BigQuery you already have.
# Example: runners/direct.sh --bootstrapServers=broker:9092 --project=my-project --dataset=payments
# (development only: the DirectRunner keeps no durable state; see README "Guarantees")
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q install -DskipTests
exec java -Xmx4g -cp "pipeline/target/classes:$(cat pipeline/target/launch-classpath.txt)" \
  dev.exactlyonce.payments.pipeline.PaymentsPipeline --runner=DirectRunner "$@"
