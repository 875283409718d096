#!/usr/bin/env bash
# Builds the launcher image and the flex template spec.
#   PROJECT   Google Cloud project that builds and holds the template
#   REGION    region of the Cloud Build run
#   BUCKET    Cloud Storage bucket (name only) for the template spec
#   IMAGE     full path of the image in your Artifact Registry repository, with a tag
#             (the repository's path as Artifact Registry shows it, then /payments-template:1)
#   TEMPLATE_PATH  optional; default gs://$BUCKET/templates/payments.json
#   BUILDER   optional; "cloud-build" (default, no local Docker needed) or "docker"
# Run templates/build-jar.sh first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"

require_env PROJECT REGION BUCKET IMAGE
template_path="${TEMPLATE_PATH:-gs://$BUCKET/templates/payments.json}"
builder="${BUILDER:-cloud-build}"

jar="$here/target/payments-dataflow-bundle.jar"
[[ -f "$jar" ]] || { echo "error: $jar is missing; run $here/build-jar.sh first" >&2; exit 2; }

# Only the Dockerfile and the bundle go into the build context, not the whole target/ folder.
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$here/Dockerfile" "$jar" "$context/"

case "$builder" in
  cloud-build)
    gcloud builds submit "$context" --project "$PROJECT" --region "$REGION" --tag "$IMAGE" ;;
  docker)
    docker build -t "$IMAGE" "$context"
    docker push "$IMAGE" ;;
  *)
    echo "error: BUILDER must be cloud-build or docker, was $builder" >&2
    exit 2 ;;
esac

gcloud dataflow flex-template build "$template_path" \
  --project "$PROJECT" \
  --image "$IMAGE" \
  --sdk-language JAVA \
  --metadata-file "$here/metadata.json"
echo "template: $template_path"
