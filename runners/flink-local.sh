#!/usr/bin/env bash
# The pipeline on Flink's embedded cluster ([local]) with the launch defaults of FlinkLaunch
# (RocksDB checkpoints every 10 s, retained; UPSERT writes).
# Into BigQuery:               runners/flink-local.sh --bootstrapServers=broker:9092 --project=my-project --dataset=payments
# Into the BigQuery stand-in:  runners/flink-local.sh --bootstrapServers=127.0.0.1:9092 --tablesDir=local-run/flink-tables --stopWhenIdleSeconds=15
#   (--tablesDir runs local mode's LocalFlinkLaunch: the same launch, with the harness beside it)
# On a cluster:                add --flinkMaster=host:port (the default, [auto], is the embedded cluster here)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q install -DskipTests
main=dev.exactlyonce.payments.runners.flink.FlinkLaunch
classpath="runners/flink/target/classes:$(cat runners/flink/target/launch-classpath.txt)"
for arg in "$@"; do
  if [[ "$arg" == --tablesDir=* ]]; then
    main=dev.exactlyonce.payments.local.flink.LocalFlinkLaunch
    classpath="local/local-mode/target/classes:$(cat local/local-mode/target/local-classpath.txt)"
  fi
done
exec java -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath" "$main" "$@"
