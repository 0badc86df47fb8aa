#!/bin/bash
# snapshot-bench.sh [-k] [FILES...] — snapshot costs through a real mount (docs/benchmarks.md, issue "Snapshots").
#
# For each file count N (default 10000 100000), in a fresh repo and mount under ${TMPDIR:-/tmp}:
#   make N small files (100 per directory) in the mount
#   time `pactfs snapshot create` (first) and again with nothing changed (second; stores no new blob)
#   ls -R and cat of every file: live tree vs .snapshots/second (page cache dropped before each when root)
# Then a 7-night series (a tar of an evolving tree + a 40 MB SQL-like dump per night, snapshot each night),
# forget --keep-last 3, and time `pactfs prune` with the repo's bytes on disk before and after.
# pactfs runs through mount-scripts/pactfs (or $PACTFS). -k keeps the work directory.
set -euo pipefail

KEEP=0
[ "${1:-}" = "-k" ] && { KEEP=1; shift; }
if [ $# -gt 0 ]; then COUNTS=("$@"); else COUNTS=(10000 100000); fi

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/../.." && pwd)
PACTFS=${PACTFS:-$root/mount-scripts/pactfs}
export PACTFS_PASSPHRASE=${PACTFS_PASSPHRASE:-pactfs-bench}
work=$(mktemp -d "${TMPDIR:-/tmp}/snapbench.XXXXXX")
mnt=$work/mnt

cleanup() {
    fusermount -u "$mnt" 2>/dev/null || fusermount -u -z "$mnt" 2>/dev/null || true
    [ $KEEP -eq 1 ] || rm -rf "$work"
}
trap cleanup EXIT

drop() { [ "$(id -u)" = 0 ] && sync && echo 3 > /proc/sys/vm/drop_caches || true; }
secs() { local t0=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $t0" | bc; }
fresh() {
    fusermount -u "$mnt" 2>/dev/null || true
    rm -rf "$work/repo" "$mnt"; mkdir -p "$mnt"
    "$PACTFS" init --repo "$work/repo" > /dev/null
    "$PACTFS" mount --repo "$work/repo" "$mnt"
}
bytes() { du -sb "$work/repo" | cut -f1; }

printf '%-8s %10s %10s %12s %12s %12s %12s\n' files first_s second_s lsR_live_s lsR_snap_s cat_live_MBs cat_snap_MBs
for n in "${COUNTS[@]}"; do
    fresh
    python3 - "$mnt/data" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%04d" % (i // 100))
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d" % i), "wb") as f:
        f.write(os.urandom(2048 + i % 4096))
PY
    first=$(secs "$PACTFS" snapshot create --repo "$work/repo" --name first)
    second=$(secs "$PACTFS" snapshot create --repo "$work/repo" --name second)
    drop; lsl=$(secs ls -R "$mnt/data")
    drop; lss=$(secs ls -R "$mnt/.snapshots/second/data")
    size=$(du -sb --apparent-size "$mnt/data" | cut -f1)
    drop; cl=$(secs sh -c "find '$mnt/data' -type f -exec cat {} + > /dev/null")
    drop; cs=$(secs sh -c "find '$mnt/.snapshots/second/data' -type f -exec cat {} + > /dev/null")
    printf '%-8s %10.2f %10.2f %12.2f %12.2f %12.1f %12.1f\n' "$n" "$first" "$second" "$lsl" "$lss" \
        "$(echo "$size / $cl / 1000000" | bc -l)" "$(echo "$size / $cs / 1000000" | bc -l)"
done

# 7-night series, forget --keep-last 3, prune
fresh
src=$work/src; mkdir -p "$src"
for night in 1 2 3 4 5 6 7; do
    python3 - "$src" "$night" <<'PY'
import os, random, sys
src, night = sys.argv[1], int(sys.argv[2])
rnd = random.Random(night)
for i in range(200):
    p = os.path.join(src, "t%02d" % (i % 20), "f%03d" % i)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if night == 1 or rnd.random() < 0.1:
        with open(p, "wb") as f:
            f.write(os.urandom(20000 + rnd.randrange(80000)))
PY
    tar -C "$src" -cf "$mnt/full.tar" .
    python3 -c "
import random,sys
r=random.Random($night)
with open('$mnt/db.sql','w') as f:
    for i in range(400000):
        f.write('INSERT INTO t VALUES (%d, %d, \'row %d\');\n' % (i, r.randrange(10**6) if r.random()<0.05 else i*7, i))
"
    "$PACTFS" snapshot create --repo "$work/repo" --name "night-$night" > /dev/null
done
before=$(bytes)
"$PACTFS" forget --repo "$work/repo" --keep-last 3 > /dev/null
t=$(secs "$PACTFS" prune --repo "$work/repo")
after=$(bytes)
echo
echo "7-night series: repo $before bytes; forget --keep-last 3 + prune: ${t} s, $after bytes, reclaimed $((before - after)) bytes"
"$PACTFS" check --repo "$work/repo"
