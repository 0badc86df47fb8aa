#!/bin/bash
# check-trees.sh [-k] [FILES [DIRS [SNAPSHOTS [CHANGED]]]] — what decoding every tree costs (issue 12):
# `check` beside `check --read-trees`, and `recover` (which decodes every tree of every snapshot).
#
# In a fresh repo with a partner directory under ${TMPDIR:-/tmp}: FILES small files (default 20000) in DIRS
# directories (default 200) written through a real mount, then SNAPSHOTS snapshots (default 10), before each of
# which CHANGED directories (default 20) get one file rewritten, so every snapshot has new tree blobs as a
# nightly backup would; umount, `replicate --once`. Then RUNS times (env, default 3): `check`,
# `check --read-trees`, and `recover --key-file` into a fresh directory; the median of each.
# pactfs runs through mount-scripts/pactfs (or $PACTFS). -k keeps the work directory.
set -euo pipefail

KEEP=0
[ "${1:-}" = "-k" ] && { KEEP=1; shift; }
FILES=${1:-20000}
DIRS=${2:-200}
SNAPS=${3:-10}
CHANGED=${4:-20}
RUNS=${RUNS:-3}
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/../.." && pwd)
PACTFS=${PACTFS:-$root/mount-scripts/pactfs}
work=$(mktemp -d "${TMPDIR:-/tmp}/checktrees.XXXXXX")
mnt=$work/mnt
key=$work/machine.key

cleanup() {
    timeout 60 fusermount -u "$mnt" 2>/dev/null || timeout 10 fusermount -u -z "$mnt" 2>/dev/null || true
    if [ $KEEP -eq 1 ]; then echo "kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
secs() { local t0 t1; t0=$(date +%s.%N); "$@" > "$work/last.out"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

mkdir -p "$mnt" "$work/partner"
"$PACTFS" init --repo "$work/repo" --partner "$work/partner" --key-file "$key" > /dev/null
"$PACTFS" mount --repo "$work/repo" --key-file "$key" "$mnt"
python3 - "$mnt/data" "$FILES" "$DIRS" <<'PY'
import os, sys
root, n, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    d = os.path.join(root, "d%04d" % (i % dirs))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d" % i), "wb") as f:
        f.write(os.urandom(1024 + i % 8192))
PY
for s in $(seq 1 "$SNAPS"); do
    for c in $(seq 1 "$CHANGED"); do
        d=$(( (s * CHANGED + c) % DIRS ))
        head -c 3000 /dev/urandom > "$mnt/data/$(printf 'd%04d' "$d")/changed"
    done
    "$PACTFS" snapshot create --repo "$work/repo" --name "night-$s" > /dev/null
done
"$PACTFS" umount "$mnt"
"$PACTFS" replicate --once --repo "$work/repo" --key-file "$key" > /dev/null
trees=$(grep -o '[0-9]* trees decoded' <("$PACTFS" check --repo "$work/repo" --key-file "$key" --read-trees) | cut -d' ' -f1)
echo "files=$FILES dirs=$DIRS snapshots=$SNAPS changed_dirs_per_snapshot=$CHANGED distinct_trees=$trees" \
     "repo_bytes=$(du -sb "$work/repo" | cut -f1) partner_bytes=$(du -sb "$work/partner" | cut -f1)"
c=(); t=(); r=()
for i in $(seq 1 "$RUNS"); do
    c+=("$(secs "$PACTFS" check --repo "$work/repo" --key-file "$key")")
    t+=("$(secs "$PACTFS" check --repo "$work/repo" --key-file "$key" --read-trees)")
    rm -rf "$work/rec"
    r+=("$(secs "$PACTFS" recover --partner "$work/partner" --repo "$work/rec" --key-file "$key")")
    echo "run $i: check ${c[-1]} s, check --read-trees ${t[-1]} s, recover ${r[-1]} s"
done
echo "median: check $(median "${c[@]}") s, check --read-trees $(median "${t[@]}") s, recover $(median "${r[@]}") s"
