#!/usr/bin/env bash
# The whole test suite: installs what a fresh Debian machine lacks, builds the jar the launcher runs,
# then runs every test (unit, store, and real FUSE mounts driven by real tools). Run as root (FUSE mounts).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
"$root/mount-scripts/setup-debian.sh"
cd "$root"
mvn -B -q -DskipTests package
mvn -B test "$@"
