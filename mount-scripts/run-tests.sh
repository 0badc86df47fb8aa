#!/usr/bin/env bash
# The whole test suite: installs what a fresh Debian machine lacks, builds the jar the launcher runs,
# then runs every test (unit, store, and real FUSE mounts driven by real tools). Run as root (FUSE mounts).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
"$root/mount-scripts/setup-debian.sh"
cd "$root"
# The mount tests compare UTF-8 file names: run the JVMs in a UTF-8 locale whatever CI sets.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
mvn -B -q -DskipTests package
mvn -B test "$@"
