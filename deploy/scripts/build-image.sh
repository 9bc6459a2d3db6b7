#!/usr/bin/env bash
# Build an rtscore image with whatever builder works here: a Docker engine if one
# answers, else buildah (daemonless, rootful or rootless), else podman.
#
# Usage: deploy/scripts/build-image.sh cpu|gpu TAG [extra build args...]
#   deploy/scripts/build-image.sh cpu registry.example.com/rtscore:0.1.0
#   deploy/scripts/build-image.sh cpu rtscore:dev --build-arg BAKE_MODELS=false
#   deploy/scripts/build-image.sh gpu registry.example.com/rtscore:0.1.0-cuda12
# Env: BUILDER=docker|buildah|podman to choose; STORAGE_DRIVER (buildah/podman,
# default vfs: works without overlay support, e.g. inside a container or CI sandbox).
# buildah/podman write Docker-format images: the OCI format has no HEALTHCHECK.
set -euo pipefail

variant="${1:?usage: build-image.sh cpu|gpu TAG [build args...]}"
tag="${2:?usage: build-image.sh cpu|gpu TAG [build args...]}"
shift 2
case "$variant" in
  cpu) dockerfile=deploy/docker/Dockerfile ;;
  gpu) dockerfile=deploy/docker/Dockerfile.gpu ;;
  *) echo "variant must be cpu or gpu, not $variant" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."

builder="${BUILDER:-}"
if [ -z "$builder" ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then builder=docker
  elif command -v buildah >/dev/null 2>&1; then builder=buildah
  elif command -v podman >/dev/null 2>&1; then builder=podman
  else
    echo "no image builder: need a Docker engine, buildah or podman (apt-get install -y buildah)" >&2
    exit 3
  fi
fi

storage="${STORAGE_DRIVER:-vfs}"
echo "building $tag from $dockerfile with $builder" >&2
case "$builder" in
  docker) exec docker build -f "$dockerfile" -t "$tag" "$@" . ;;
  buildah) exec buildah --storage-driver "$storage" bud --isolation "${BUILDAH_ISOLATION:-chroot}" --layers --format docker -f "$dockerfile" -t "$tag" "$@" . ;;
  podman) exec podman --storage-driver "$storage" build --isolation "${BUILDAH_ISOLATION:-chroot}" --format docker -f "$dockerfile" -t "$tag" "$@" . ;;
  *) echo "unknown BUILDER $builder" >&2; exit 2 ;;
esac
