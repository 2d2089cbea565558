#!/usr/bin/env bash
# Build the local Debian base image for `make compose-smoke` (no image registry is reachable here).
#
# debootstrap writes a minimal Debian bookworm into a folder, `docker import` turns it into an image.
# Bookworm's python3 is 3.11, the version of python:3.11-slim; python3-venv gives `python3 -m venv`,
# which the service Dockerfiles use on both bases. Cached: nothing is done when the image exists.
set -euo pipefail
IMAGE=${1:?usage: base_image.sh IMAGE_NAME}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE exists (docker rmi it to rebuild)"
  exit 0
fi
root=$(mktemp -d /var/tmp/newswatch-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrap bookworm into $root (a few minutes) ..."
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$root" "$MIRROR" >"$root.log" 2>&1 || { tail -30 "$root.log"; exit 1; }
rm -f "$root.log"
# Like Debian's official images: no apt caches, no recommends, no man pages.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/*
# Trust what this machine trusts: builds reach PyPI through the same network (and any TLS-inspecting
# proxy) as the host, so the host's CA bundle replaces the image's, and pip is pointed at it.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
  >"$root/etc/apt/apt.conf.d/99newswatch-no-recommends"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
  --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "base image $IMAGE built"
