#!/usr/bin/env bash
# The benchmark: embedded Kafka, simulated payments with duplicates, the pipeline next to a
# plain-Java baseline; figures go to docs/benchmarks.md by hand, with the machine and the date.
#   benchmarks/run.sh --runner=flink --payments=100000            throughput (topic loaded first)
#   benchmarks/run.sh --runner=flink --payments=300000 --rate=10000   latency at 10,000 records/s
#   benchmarks/run.sh --help                                        every option
set -euo pipefail
cd "$(dirname "$0")/.."
# The broker runs in a JVM of its own and is no dependency of the benchmark: built alongside.
# package, not install: a benchmark of a work tree leaves the local repository as it found it.
mvn -B -ntp -q package -DskipTests -pl benchmarks,local/embedded-kafka -am
# A million payments with the hour's horizon peak at about 5.3 GiB of heap state; BENCHMARK_HEAP
# overrides the maximum.
exec java "-Xmx${BENCHMARK_HEAP:-6g}" -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/launch-classpath.txt)" \
  dev.exactlyonce.payments.benchmarks.Benchmark "$@"
