#!/usr/bin/env bash
# The pipeline on an on-prem Flink 1.19 cluster, submitted from this machine with the bundled jar.
# Usage: runners/flink-cluster.sh <jobmanager-host:rest-port> --stateBackendStoragePath=hdfs://.../checkpoints --bootstrapServers=... --project=... --dataset=... [options]
# Resume after a crash:  add --savepointPath=<retained checkpoint or savepoint directory>
# With Flink's own CLI instead:  flink run [-s <savepoint>] runners/flink/target/payments-runner-flink-*-bundled.jar --runner=FlinkRunner ...
set -euo pipefail
if [[ $# -lt 1 || "$1" != *:* ]]; then
  echo "usage: $0 <jobmanager-host:rest-port> [pipeline options]" >&2
  exit 2
fi
master="$1"
shift
cd "$(dirname "$0")/.."
mvn -B -ntp -q package -DskipTests -pl runners/flink -am
bundle=$(ls runners/flink/target/payments-runner-flink-*-bundled.jar)
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$bundle" \
  --flinkMaster="$master" --filesToStage="$bundle" "$@"
