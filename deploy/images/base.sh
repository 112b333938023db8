#!/usr/bin/env bash
# Builds the local base image both edgemix images start from, from Debian packages
# alone (no image registry): a minimal Debian trixie root filesystem with Node.js 20
# (Debian's nodejs, kept up to date by Debian security) made by debootstrap, imported
# into podman as $BASE_IMAGE. The root filesystem tarball is cached under
# $EDGEMIX_CACHE (default ~/.cache/edgemix/images), keyed by this script's content, so
# a warm run only imports it (or does nothing when the image exists).
#
#   deploy/images/base.sh            # prints the image name
#
# Needs root, debootstrap and podman (scripts/ci-deploy.sh installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite=trixie
packages=nodejs
key="$(sha256sum "$0" | cut -c1-12)"
image="local/edgemix-base:${suite}-${key}"
cache="${EDGEMIX_CACHE:-$HOME/.cache/edgemix/images}"
tarball="$cache/edgemix-base-${suite}-${key}.tar"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  echo "base.sh: debootstrap $suite (+ $packages) into $rootfs" >&2
  debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" http://deb.debian.org/debian >&2
  # Package lists and caches are not needed at run time.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
fi
podman import --quiet - "$image" < "$tarball" >&2
echo "$image"
