#!/usr/bin/env bash
# Launches a Dataflow job from the flex template.
#   PROJECT, REGION     where the job runs
#   BUCKET              Cloud Storage bucket (name only) for temporary and staging files
#   BOOTSTRAP_SERVERS   Kafka bootstrap servers, host:port[,host:port...]; the launcher VM and the
#                       workers must reach them (see SUBNETWORK)
#   optional: TOPIC, CONSUMER_GROUP, DATASET, OUTPUT_PROJECT, JOB_NAME, SERVICE_ACCOUNT,
#             SUBNETWORK, TEMPLATE_PATH (default gs://$BUCKET/templates/payments.json)
# Further template parameters go as arguments: templates/run-template.sh dedupHorizonMinutes=30
set -euo pipefail
source "$(dirname "$0")/env.sh"

require_env PROJECT REGION BUCKET BOOTSTRAP_SERVERS
for arg in "$@"; do
  if [[ "$arg" != *=* || "$arg" == *"~"* ]]; then
    echo "error: extra arguments are template parameters name=value (without '~'), got: $arg" >&2
    exit 2
  fi
done

params=("bootstrapServers=$BOOTSTRAP_SERVERS")
[[ -n "${TOPIC:-}" ]] && params+=("topic=$TOPIC")
[[ -n "${CONSUMER_GROUP:-}" ]] && params+=("consumerGroup=$CONSUMER_GROUP")
[[ -n "${DATASET:-}" ]] && params+=("dataset=$DATASET")
[[ -n "${OUTPUT_PROJECT:-}" ]] && params+=("outputProject=$OUTPUT_PROJECT")
params+=("$@")
# bootstrapServers holds commas, gcloud's default separator: "^~^" makes "~" the separator.
joined="$(IFS='~'; echo "${params[*]}")"

# Expanded as ${extra[@]+...}: bash before 4.4 (macOS's 3.2) calls an empty array unbound under set -u.
extra=()
[[ -n "${SERVICE_ACCOUNT:-}" ]] && extra+=(--service-account-email "$SERVICE_ACCOUNT")
[[ -n "${SUBNETWORK:-}" ]] && extra+=(--subnetwork "$SUBNETWORK")

gcloud dataflow flex-template run "${JOB_NAME:-payments-$(date -u +%Y%m%d-%H%M%S)}" \
  --project "$PROJECT" \
  --region "$REGION" \
  --template-file-gcs-location "${TEMPLATE_PATH:-gs://$BUCKET/templates/payments.json}" \
  --temp-location "gs://$BUCKET/tmp" \
  --staging-location "gs://$BUCKET/staging" \
  --enable-streaming-engine \
  --parameters "^~^$joined" \
  ${extra[@]+"${extra[@]}"}
