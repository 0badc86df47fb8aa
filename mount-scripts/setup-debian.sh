#!/usr/bin/env bash
# Installs what pactfs and its tests need on a fresh Debian machine that already has Java 17 and Maven:
# libfuse2 (jnr-fuse binds it), fuse (fusermount), the real tools the mount tests drive, and sshd + sshfs
# (a test uses an SSHFS mount over loopback as the partner).
set -euo pipefail
need=()
for pkg in libfuse2 fuse rsync sqlite3 attr acl tar coreutils util-linux openssh-server sshfs; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -e /dev/fuse ] || { echo "pactfs: /dev/fuse is missing: load the fuse module (modprobe fuse)" >&2; exit 1; }
