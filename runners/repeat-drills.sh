#!/usr/bin/env bash
# Runs the Flink restore drills again and again with a CPU burner beside them, as a busy CI
# machine would, and prints a tally per test class. Not part of the suite: a drill that fails
# sometimes is a bug to find, and this is how to find it.
#
#   runners/repeat-drills.sh [rounds] [test classes, comma-separated]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
tests=${2:-FlinkFailureDrillTest,FlinkProcessCrashTest,FlinkLostCheckpointTest}
mvn -B -ntp -q install -DskipTests

yes > /dev/null &
burner=$!
trap 'kill "$burner" 2>/dev/null || true' EXIT

declare -A passed failed
reports=local/local-mode/target/surefire-reports
rm -f local/local-mode/target/repeat-drills-round-*.log
for round in $(seq 1 "$rounds"); do
  rm -rf "$reports"
  started=$(date +%s)
  if mvn -B -ntp -q -o -pl local/local-mode surefire:test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
      > "local/local-mode/target/repeat-drills-round-$round.log" 2>&1; then :; fi
  for report in "$reports"/TEST-*.xml; do
    [ -e "$report" ] || continue
    class=$(basename "$report" .xml); class=${class##*.}
    header=$(grep -m1 '<testsuite' "$report")
    count() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<< "$header"; }
    total=$(count tests); bad=$(( $(count failures) + $(count errors) ))
    passed[$class]=$(( ${passed[$class]:-0} + total - bad ))
    failed[$class]=$(( ${failed[$class]:-0} + bad ))
  done
  echo "round $round/$rounds done in $(( $(date +%s) - started )) s"
done

status=0
for class in "${!passed[@]}"; do
  echo "$class: ${passed[$class]} passed, ${failed[$class]} failed"
  [ "${failed[$class]}" -eq 0 ] || status=1
done
echo "logs: local/local-mode/target/repeat-drills-round-*.log"
exit $status
