#!/usr/bin/env bash
# The pipeline on a Flink 1.19 cluster, submitted from this machine with the bundled jar through
# the JobManager's REST API.
# Usage: runners/flink-cluster/submit.sh <jobmanager-host:rest-port> --stateBackendStoragePath=hdfs://.../checkpoints --bootstrapServers=... --project=... --dataset=... [options]
# Resume after a crash:  add --savepointPath=<retained checkpoint or savepoint directory>
# Into the BigQuery stand-in (drills): add --tablesDir=<dir every TaskManager reaches>; local
#   mode's LocalFlinkLaunch then runs, with the harness staged beside the bundle.
# With Flink's own CLI instead:  flink run [-s <savepoint>] runners/flink/target/payments-runner-flink-*-bundled.jar --runner=FlinkRunner ...
set -euo pipefail
if [[ $# -lt 1 || "$1" != *:* ]]; then
  echo "usage: $0 <jobmanager-host:rest-port> [pipeline options]" >&2
  exit 2
fi
master="$1"
shift
cd "$(dirname "$0")/../.."
harness=0
for arg in "$@"; do
  [[ "$arg" == --tablesDir=* ]] && harness=1
done
if [[ $harness == 1 ]]; then
  [[ -f local/local-mode/target/harness-classpath.txt ]] || mvn -B -ntp -q package -DskipTests -pl local/local-mode -am
else
  mvn -B -ntp -q package -DskipTests -pl runners/flink -am
fi
bundle=$(ls "$PWD"/runners/flink/target/payments-runner-flink-*-bundled.jar)
if [[ $harness == 0 ]]; then
  exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$bundle" \
    --flinkMaster="$master" --filesToStage="$bundle" "$@"
fi
# The harness (stand-in, drain signal) travels with the job: Beam stages the classes directory as a jar.
staged="$bundle,$PWD/local/local-mode/target/classes,$(tr ':' ',' < local/local-mode/target/harness-classpath.txt)"
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$bundle:$PWD/local/local-mode/target/classes:$(cat local/local-mode/target/harness-classpath.txt)" \
  dev.exactlyonce.payments.local.flink.LocalFlinkLaunch \
  --flinkMaster="$master" --filesToStage="$staged" "$@"
