#!/usr/bin/env bash
# Builds the flex template's bundle: templates/target/payments-dataflow-bundle.jar, every
# dependency and the Dataflow runner in one jar, service files merged.
# Usage: templates/build-jar.sh   (no arguments; needs a JDK 17 and Maven)
set -euo pipefail
if [[ $# -gt 0 ]]; then
  echo "usage: $0   (takes no arguments)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl templates -am package -DskipTests
jar=templates/target/payments-dataflow-bundle.jar
[[ -f "$jar" ]] || { echo "error: the build did not produce $jar" >&2; exit 1; }
echo "$jar"
