#!/bin/bash
# small-files-profile.sh [OUTDIR] — where a pactfs daemon spends `cp -a` and `rsync -aHAX` of small files (issue 15).
#
# Makes the same data as small-files.sh (`cp -a /usr/share/doc /usr/lib/python3 WORK/src/`; SRC_DIRS overrides),
# mounts a fresh repo, and for each of the two rows records the daemon with JFR (`jcmd PID JFR.start
# settings=profile` before, `JFR.stop filename=...` after; Java and native method samples every 10/20 ms), page
# cache dropped first. Then prints, per row, jfr-summary.py's breakdown (thread groups, top frames, the share of the
# FUSE threads' samples inside each phase: catalog transaction, its commit, path resolution, chunk store...) and
# the daemon's own per-operation table, logged at unmount. The .jfr files stay in OUTDIR (default: a new directory
# under ${TMPDIR:-/var/tmp}) for `jfr print` or JDK Mission Control. Root (FUSE, drop_caches).
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/../.." && pwd)
PACTFS=${PACTFS:-$root/mount-scripts/pactfs}
export PACTFS_PASSPHRASE=${PACTFS_PASSPHRASE:-pactfs-bench}
SRC_DIRS=${SRC_DIRS:-/usr/share/doc /usr/lib/python3}
DOC=$(basename "${SRC_DIRS%% *}")
OUTDIR=${1:-$(mktemp -d "${TMPDIR:-/var/tmp}/pactfs-profile.XXXXXX")}
mkdir -p "$OUTDIR"
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/pactfs-profile-work.XXXXXX")
cleanup() {
    grep -q " $WORK/mnt " /proc/mounts && { "$PACTFS" umount "$WORK/mnt" >/dev/null 2>&1 || fusermount -u -z "$WORK/mnt"; }
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }

mkdir -p "$WORK/src" "$WORK/mnt"
# shellcheck disable=SC2086
cp -a $SRC_DIRS "$WORK/src/"
"$PACTFS" init --repo "$WORK/repo" >/dev/null 2>&1
"$PACTFS" mount --repo "$WORK/repo" "$WORK/mnt" >/dev/null 2>&1
pid=$(cat "$WORK/repo/mount.pid")
echo "# small-files-profile.sh, $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), daemon $pid, $(find "$WORK/src" -type f | wc -l) files"

profile() {
    local name=$1; shift
    drop
    jcmd "$pid" JFR.start name="$name" settings=profile >/dev/null
    local t0 t1
    t0=$(date +%s.%N)
    "$@"
    t1=$(date +%s.%N)
    jcmd "$pid" JFR.stop name="$name" filename="$OUTDIR/$name.jfr" >/dev/null
    echo
    echo "## $name: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}') s wall, load $(cut -d' ' -f1 /proc/loadavg)"
    python3 "$here/jfr-summary.py" "$OUTDIR/$name.jfr" 20
}
profile cp bash -c "cp -a '$WORK/src/.' '$WORK/mnt/cp/' && sync"
profile rsync rsync -aHAX "$WORK/src/$DOC/" "$WORK/mnt/rsync/"
"$PACTFS" umount "$WORK/mnt" >/dev/null
echo
echo "## the daemon's table of the whole mount (both rows), from mount.log"
sed -n '/FUSE operations served by this mount/,/compaction check/p' "$WORK/repo/mount.log"
echo "# recordings in $OUTDIR"
