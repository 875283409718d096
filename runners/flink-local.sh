#!/usr/bin/env bash
# The pipeline on Flink's embedded cluster ([local]) with the launch defaults of FlinkLaunch
# (RocksDB checkpoints every 10 s, retained; UPSERT writes).
# Into the BigQuery stand-in:  runners/flink-local.sh --bootstrapServers=127.0.0.1:9092 --tablesDir=local-run/flink-tables --stopWhenIdleSeconds=15
# Into BigQuery:               runners/flink-local.sh --bootstrapServers=broker:9092 --project=my-project --dataset=payments
# On a cluster:                add --flinkMaster=host:port (the default, [auto], is the embedded cluster here)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q install -DskipTests
exec java -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "runners/flink/target/classes:$(cat runners/flink/target/launch-classpath.txt)" \
  dev.exactlyonce.payments.runners.flink.FlinkLaunch "$@"
