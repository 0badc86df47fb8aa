#!/usr/bin/env bash
# What each night of a dump series costs pactfs, end to end through the CLI: `pactfs put` of night N under one
# name (put unlinks and re-creates it: the "replaced by rename" case, so only the feature index finds bases),
# `snapshot create`, `replicate --once` to a partner directory. Per night: new stored bytes (put's own count),
# delta counts, the growth of the partner copy (data + index + snapshot records + tree blobs: what crosses the
# WAN), the local repo growth, wall time and max RSS of the put.
# Usage: src/bench/delta-nights.sh WORKDIR FILE1 FILE2 ...   (PACTFS=launcher, default mount-scripts/pactfs)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
PACTFS=${PACTFS:-$here/mount-scripts/pactfs}
work=$1; shift
rm -rf "$work"; mkdir -p "$work/partner"
repo=$work/repo; key=$work/key
"$PACTFS" init --repo "$repo" --key-file "$key" --partner "$work/partner" >/dev/null 2>&1
echo "# delta-nights.sh $(date -u '+%F %T') UTC; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-4s %-14s %12s %12s %12s %12s %12s %7s %9s\n" "#" file "file bytes" "put new" "partner grow" "repo grow" "put: deltas" "wall s" "rss MiB"
prev_p=$(du -sb "$work/partner" | cut -f1); prev_r=$(du -sb "$repo" | cut -f1); i=0
for f in "$@"; do
  i=$((i+1))
  t0=$(date +%s.%N)
  out=$( { /usr/bin/time -f "RSS %M" "$PACTFS" put --repo "$repo" --key-file "$key" "$f" backup.sql; } 2>&1 )
  t1=$(date +%s.%N)
  "$PACTFS" snapshot create --repo "$repo" --key-file "$key" --name "night-$i" >/dev/null
  "$PACTFS" replicate --repo "$repo" --key-file "$key" --once >/dev/null
  p=$(du -sb "$work/partner" | cut -f1); r=$(du -sb "$repo" | cut -f1)
  new=$(sed -n 's/.*, \([0-9]*\) new bytes stored.*/\1/p' <<<"$out")
  deltas=$(sed -n 's/.*deltas: \([0-9]*\) .*/\1/p' <<<"$out")
  rss=$(sed -n 's/^RSS \([0-9]*\)/\1/p' <<<"$out")
  printf "%-4s %-14s %12d %12s %12d %12d %12s %7.1f %9d\n" "$i" "$(basename "$f")" "$(stat -c %s "$f")" "$new" \
      $((p-prev_p)) $((r-prev_r)) "${deltas:--}" "$(echo "$t1 - $t0" | bc)" $((rss/1024))
  prev_p=$p; prev_r=$r
done
