#!/usr/bin/env bash
# A standalone Flink 1.19 session cluster on this machine: one JobManager and TaskManagers, each
# its own JVM, on the Flink jars Maven serves (flink-dist is not served; nothing else is needed).
#
# Usage: runners/flink-cluster/cluster.sh <command>
#   start                  the JobManager and $TASKMANAGERS TaskManagers; waits until all registered
#   stop                   every process of the cluster (SIGTERM, SIGKILL after 30 s)
#   status                 which processes live, the REST endpoint, each process's Prometheus port
#   start-taskmanager N    TaskManager N (another, or one again after it died)
#   kill-taskmanager N     SIGKILL to TaskManager N, as a machine failure would
#   submit [options]       the bundled jar through the REST API (runners/flink-cluster/submit.sh)
#
# Environment: FLINK_CLUSTER_DIR  config, logs, pids and checkpoints (runners/flink-cluster/target/cluster)
#              FLINK_REST_PORT    the JobManager's REST port (8081)
#              FLINK_RPC_PORT     the JobManager's RPC port (6123)
#              TASKMANAGERS       how many TaskManagers start brings up (2)
#              FLINK_PROMETHEUS_PORTS  the range each process takes a Prometheus port from (9249-9259)
set -euo pipefail
module="$(cd "$(dirname "$0")" && pwd)"
cluster_dir="${FLINK_CLUSTER_DIR:-$module/target/cluster}"
rest_port="${FLINK_REST_PORT:-8081}"
rpc_port="${FLINK_RPC_PORT:-6123}"
taskmanagers="${TASKMANAGERS:-2}"
prometheus_ports="${FLINK_PROMETHEUS_PORTS:-9249-9259}"
classpath_file="$module/target/cluster-classpath.txt"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

classpath() {
  if [[ ! -f "$classpath_file" ]]; then
    (cd "$module/../.." && mvn -B -ntp -q generate-resources -pl runners/flink-cluster)
  fi
  cat "$classpath_file"
}

pid_of() { cat "$cluster_dir/pids/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

# GET on the REST API with bash alone (no curl on a bare machine); prints the body.
rest_get() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$rest_port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
  reply=$(cat <&3)
  exec 3<&-
  printf '%s\n' "${reply#*$'\r\n\r\n'}"
}

registered_taskmanagers() {
  rest_get /overview 2>/dev/null | grep -o '"taskmanagers":[0-9]*' | cut -d: -f2 || true
}

write_config() {
  mkdir -p "$cluster_dir/conf" "$cluster_dir/log" "$cluster_dir/pids" "$cluster_dir/checkpoints" "$cluster_dir/work" "$cluster_dir/tmp" "$cluster_dir/blobs"
  # The template's reporter ports are replaced, not repeated: YAML keys are unique.
  {
    grep -v '^metrics.reporter.prom.port:' "$module/conf/config.yaml"
    echo
    echo "# This instance (cluster.sh)"
    echo "jobmanager.rpc.port: $rpc_port"
    echo "rest.port: $rest_port"
    echo "state.checkpoints.dir: file://$cluster_dir/checkpoints"
    # Working files (RocksDB's local state, uploaded jars, spills) stay in the cluster's directory.
    echo "process.working-dir: $cluster_dir/work"
    echo "io.tmp.dirs: $cluster_dir/tmp"
    echo "blob.storage.directory: $cluster_dir/blobs"
    echo "metrics.reporter.prom.port: $prometheus_ports"
  } > "$cluster_dir/conf/config.yaml"
}

launch() {
  local name="$1" main="$2"
  shift 2
  if alive "$name"; then
    echo "$name already runs (pid $(pid_of "$name"))" >&2
    return 1
  fi
  nohup java "$@" -Dorg.slf4j.simpleLogger.showDateTime=true \
    -cp "$(classpath)" "$main" --configDir "$cluster_dir/conf" \
    >"$cluster_dir/log/$name.log" 2>&1 </dev/null &
  echo $! > "$cluster_dir/pids/$name.pid"
  echo "$name: pid $!, log $cluster_dir/log/$name.log"
}

start_taskmanager() {
  local n="$1"
  [[ "$n" =~ ^[0-9]+$ ]] || usage
  # Heap and direct memory as conf/config.yaml sizes them (framework + task heap; off-heap + network).
  launch "taskmanager-$n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    -Xms640m -Xmx640m -XX:MaxDirectMemorySize=192m -XX:MaxMetaspaceSize=256m \
    -Dtaskmanager.resource-id="taskmanager-$n"
}

wait_for() {
  local what="$1" check="$2" seconds="${3:-120}"
  for ((i = 0; i < seconds * 2; i++)); do
    if eval "$check"; then
      return 0
    fi
    sleep 0.5
  done
  echo "$what did not happen within $seconds s; logs in $cluster_dir/log" >&2
  return 1
}

start() {
  command -v java >/dev/null || { echo "java is not on the PATH" >&2; exit 1; }
  if (exec 3<>"/dev/tcp/127.0.0.1/$rest_port") 2>/dev/null; then
    echo "port $rest_port is taken: another cluster or program answers there (FLINK_REST_PORT chooses another)" >&2
    exit 1
  fi
  write_config
  launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint -Xmx768m
  wait_for "the JobManager's REST API on port $rest_port" "rest_get /overview >/dev/null 2>&1"
  for ((n = 1; n <= taskmanagers; n++)); do
    start_taskmanager "$n"
  done
  wait_for "$taskmanagers TaskManagers registering" "[[ \"\$(registered_taskmanagers)\" == $taskmanagers ]]"
  echo "cluster up: REST http://127.0.0.1:$rest_port, $taskmanagers TaskManagers"
}

stop() {
  local pids=() name
  for file in "$cluster_dir"/pids/*.pid; do
    [[ -e "$file" ]] || continue
    name=$(basename "$file" .pid)
    if alive "$name"; then
      pids+=("$(pid_of "$name")")
      kill "$(pid_of "$name")" 2>/dev/null || true
    fi
    rm -f "$file"
  done
  for ((i = 0; i < 60; i++)); do
    local left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
    [[ $left == 0 ]] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  echo "cluster stopped (${#pids[@]} processes)"
}

status() {
  local any=0 name port
  for file in "$cluster_dir"/pids/*.pid; do
    [[ -e "$file" ]] || continue
    any=1
    name=$(basename "$file" .pid)
    port=$(grep -o 'Started PrometheusReporter HTTP server on port [0-9]*' "$cluster_dir/log/$name.log" 2>/dev/null | grep -o '[0-9]*$' | tail -1 || true)
    if alive "$name"; then
      echo "$name: running, pid $(pid_of "$name"), Prometheus on ${port:-?}"
    else
      echo "$name: dead (pid $(pid_of "$name"))"
    fi
  done
  [[ $any == 1 ]] || echo "no cluster in $cluster_dir"
  if rest_get /overview >/dev/null 2>&1; then
    echo "REST http://127.0.0.1:$rest_port: $(rest_get /overview)"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  start-taskmanager) [[ $# == 2 ]] || usage; start_taskmanager "$2" ;;
  kill-taskmanager)
    [[ $# == 2 ]] || usage
    alive "taskmanager-$2" || { echo "taskmanager-$2 is not running" >&2; exit 1; }
    kill -9 "$(pid_of "taskmanager-$2")"
    echo "taskmanager-$2 killed (SIGKILL)"
    ;;
  submit)
    shift
    exec "$module/submit.sh" "127.0.0.1:$rest_port" --stateBackendStoragePath="file://$cluster_dir/checkpoints" "$@"
    ;;
  *) usage ;;
esac
