#!/usr/bin/env bash
# Installs what pactfs and its tests need on a Debian 12 machine that already has Java 17 and Maven:
# libfuse2 (jnr-fuse binds it), a fusermount (fuse3 on bookworm, which ships /usr/bin/fusermount; an installed
# fuse 2 is accepted as it is), the real tools the mount tests drive, and sshd + sshfs (a test uses an SSHFS
# mount over loopback as the partner).
#
# It installs only what is missing and never removes a package (apt-get --no-remove): on bookworm fuse3 Breaks
# fuse, so on a machine that has fuse 2 it keeps fuse 2 and leaves sshfs out, saying so (the SSHFS test then
# reports itself skipped). `setup-debian.sh --packages` prints the package list it would ask apt for and exits.
set -euo pipefail

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

want=(libfuse2 rsync sqlite3 attr acl tar coreutils util-linux openssh-server)
if installed fuse3 || ! installed fuse; then
  want+=(fuse3 sshfs)
else
  echo "setup: fuse (2) is installed and sshfs needs fuse3, which would remove it: keeping fuse, not installing sshfs (the SSHFS partner test will be skipped)" >&2
fi

if [ "${1:-}" = "--packages" ]; then
  echo "${want[*]}"
  exit 0
fi

need=()
for pkg in "${want[@]}"; do
  installed "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-remove "${need[@]}" >/tmp/pactfs-setup-apt.log 2>&1; then
    echo "setup: apt-get could not install ${need[*]} without removing a package: see /tmp/pactfs-setup-apt.log" >&2
    exit 1
  fi
fi
# apt's package lists, when a machine has none (a cleaned image): the set-up test simulates installs with them.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] && apt-get update -qq || true
fi
command -v fusermount >/dev/null || command -v fusermount3 >/dev/null \
  || { echo "setup: no fusermount after installing: install fuse3" >&2; exit 1; }
[ -e /dev/fuse ] || { echo "pactfs: /dev/fuse is missing: load the fuse module (modprobe fuse)" >&2; exit 1; }
