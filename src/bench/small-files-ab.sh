#!/bin/bash
# small-files-ab.sh [-n ROUNDS] [-r ROWS] [-o OUT] OLD_LAUNCHER NEW_LAUNCHER — small-files.sh's rows (default
# "cp rsync") through two pactfs builds, alternating in one run (old, new; then new, old; ...), each invocation a
# fresh repo with the page cache dropped before every row (small-files.sh -t pactfs -n 1). A launcher is a
# mount-scripts/pactfs of a checkout with its target/pactfs.jar built, e.g. a scratch clone of main:
#   git clone -q . /tmp/base && git -C /tmp/base checkout -q main && (cd /tmp/base && mvn -q -DskipTests package)
#   src/bench/small-files-ab.sh -n 3 /tmp/base/mount-scripts/pactfs mount-scripts/pactfs
# Prints each invocation's raw output, then per build and row: the wall seconds of every round and their median,
# and the daemon's mean µs per FUSE operation (flush, create, utimens, chmod, rename, getattr; medians over rounds).
set -euo pipefail
export LC_ALL=C
ROUNDS=3; ONLY="cp rsync"; OUT=
while getopts "n:r:o:h" o; do
    case $o in
        n) ROUNDS=$OPTARG ;;
        r) ONLY=$OPTARG ;;
        o) OUT=$OPTARG ;;
        h) sed -n '2,9p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "usage: $0 [-n ROUNDS] [-r 'cp rsync'] [-o OUT] OLD_LAUNCHER NEW_LAUNCHER" >&2; exit 2; }
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
declare -A L=([old]=$(readlink -f "$1") [new]=$(readlink -f "$2"))
[ -n "$OUT" ] || OUT=$(cd "$here/../.." && pwd)/docs/bench-results/small-files-ab-$(date -u +%F).txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec > >(tee "$OUT") 2>&1
echo "# small-files-ab.sh, $(date -u '+%F %H:%M UTC'), $ROUNDS round(s), rows: $ONLY; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for b in old new; do
    echo "# $b: ${L[$b]} ($(git -C "$(dirname "${L[$b]}")" log --oneline -1 2>/dev/null || echo '?'))"
done
for ((i = 1; i <= ROUNDS; i++)); do
    order="old new"; [ $((i % 2)) = 0 ] && order="new old"
    for b in $order; do
        echo "=== round $i, $b (load $(cut -d' ' -f1 /proc/loadavg))"
        PACTFS=${L[$b]} "$here/small-files.sh" -t pactfs -n 1 -r "$ONLY" -o "$tmp/$b-$i.txt" >/dev/null
        cat "$tmp/$b-$i.txt"
    done
done
echo
echo "## summary: wall seconds per round and median; daemon's mean µs per op (median over rounds)"
for b in old new; do
    for row in $ONLY; do
        walls=$(for ((i = 1; i <= ROUNDS; i++)); do awk -v r="$row" '$1 == r && $2 == "pactfs" && $4 == "s" {print $3}' "$tmp/$b-$i.txt"; done | tr '\n' ' ')
        med=$(echo "$walls" | tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{printf "%.2f", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
        ops=$(for op in flush create utimens chmod rename getattr; do
            m=$(for ((i = 1; i <= ROUNDS; i++)); do
                awk -v r="$row" -v op="$op" '/^  pactfs, / {on = ($2 == r ",")} on && $1 == op {print $4}' "$tmp/$b-$i.txt"
            done | sort -g | awk '{a[NR]=$1} END{if (NR) printf "%.0f", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; else printf "-"}')
            printf '%s=%s ' "$op" "$m"
        done)
        echo "$b $row: [$walls] median $med s | $ops"
    done
done
