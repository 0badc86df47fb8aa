#!/bin/bash
# partner-nightly.sh [-r RATE] [-k] NIGHT1 NIGHT2 ...
#
# Bytes sent to the partner per night, beside restic's and borg's repository growth for the same nights,
# replication rate under a bandwidth cap, and recover time, e.g.
#   src/bench/partner-nightly.sh /work/benchdata/{dump-2,night-1,night-2,night-3,night-4,night-5,night-6,night-7}.sql
# pactfs: one repo with a partner directory; each night `pactfs put FILE backup.sql` (replaces the previous
# night's file, as a nightly dump would) and `pactfs replicate --once --bandwidth RATE` (default 100Mbit);
# "sent" is the growth of du -sb of the partner copy (packs + index files + snapshot records), the rate is
# sent bytes / replicate wall time. Then `pactfs recover` from the partner copy alone, timed.
# restic and borg: src/bench/growth.sh on the same files (encrypted repos).
# Temp dir under ${TMPDIR:-/tmp}, removed at the end (-k keeps it).
set -euo pipefail
RATE=100Mbit
KEEP=0
while getopts "r:kh" o; do
    case $o in
        r) RATE=$OPTARG ;;
        k) KEEP=1 ;;
        h) sed -n '2,12p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-r RATE] [-k] NIGHT1 [NIGHT2 ...]" >&2; exit 2; }
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
PACTFS=${PACTFS:-$here/../../mount-scripts/pactfs}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pactfs-partner.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
now() { date +%s.%N; }

repo=$WORK/repo
partner=$WORK/partner
key=$WORK/pactfs.key
mkdir -p "$partner"
"$PACTFS" init --repo "$repo" --partner "$partner" --key-file "$key" >/dev/null 2>&1
copy=$(echo "$partner"/pactfs-*)

echo "# partner-nightly.sh $(date -u '+%F %T') UTC; cap $RATE; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo
echo "## pactfs (bytes sent to the partner)"
printf '%-3s %-22s %14s %14s %8s %9s %12s\n' "#" "file" "file bytes" "sent bytes" "sent%" "repl s" "rate MB/s"
prev=$(du -sb "$copy" | cut -f1)
i=0
for f in "$@"; do
    i=$((i + 1))
    "$PACTFS" put --repo "$repo" --key-file "$key" "$f" backup.sql 2>/dev/null
    t0=$(now)
    "$PACTFS" replicate --repo "$repo" --key-file "$key" --once --bandwidth "$RATE" >/dev/null
    t1=$(now)
    cur=$(du -sb "$copy" | cut -f1)
    sent=$((cur - prev))
    size=$(stat -c %s "$f")
    printf '%-3s %-22s %14s %14s %8s %9s %12s\n' "$i" "$(basename "$f")" "$size" "$sent" \
        "$(awk -v g=$sent -v s="$size" 'BEGIN{printf "%.2f", 100*g/s}')" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" \
        "$(awk -v a="$t0" -v b="$t1" -v g=$sent 'BEGIN{printf "%.1f", g/(b-a)/1e6}')"
    prev=$cur
done
cap=$(awk -v r="$RATE" 'BEGIN{n=r+0; u=substr(r, length(n "")+1); m=1; if (u ~ /^[kK]/) m=1e3; if (u ~ /^M/) m=1e6; if (u ~ /^G/) m=1e9; if (u ~ /bit/) m=m/8; printf "%.1f", n*m/1e6}')
echo "# cap = $cap MB/s; rate includes the pass's fixed costs (JVM start, catalog open, ownership check)"
echo
echo "## pactfs recover (from the partner copy alone, key file)"
t0=$(now)
"$PACTFS" recover --partner "$partner" --repo "$WORK/recovered" --key-file "$key" >/dev/null
t1=$(now)
total=$(du -sb "$copy" | cut -f1)
echo "recovered $total partner bytes in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s" \
     "($(awk -v a="$t0" -v b="$t1" -v g="$total" 'BEGIN{printf "%.1f", g/(b-a)/1e6}') MB/s)"
echo "# (the nightly file is in the live tree, not in a snapshot, until the snapshot layer lands: recover rebuilds"
echo "#  the blob index and fetches every payload, which is what is timed)"
echo
"$here/growth.sh" "$@" | sed -n '/^## /,$p'
