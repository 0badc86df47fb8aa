#!/bin/bash
# partner-nightly.sh [-r RATE] [-k] NIGHT1 NIGHT2 ...
#
# Bytes sent to the partner per night beside restic's and borg's repository growth for the same nights, the
# replication rate under a bandwidth cap, and recover time and rate, e.g.
#   src/bench/partner-nightly.sh /work/benchdata/{dump-2,night-1,night-2,night-3,night-4,night-5,night-6,night-7}.sql
# pactfs: one repo with a partner directory; each night `pactfs put FILE backup.sql` (replaces the previous
# night's file, as a nightly dump would), `pactfs snapshot create` and `pactfs replicate --once --bandwidth RATE`
# (default 100Mbit). "sent" is the growth of the copy's file bytes (packs + index files + snapshot records);
# "pass MB/s" is the pack and index bytes replicate reports / the pass's own time (what the cap governs),
# "wall s" the whole command (JVM start, key, catalog open). Then `pactfs recover` from
# the partner copy alone, RUNS times (env, default 3; each into a fresh directory), and a restore of the last
# night's snapshot from the recovered repo, compared byte for byte with the file put.
# restic and borg: src/bench/growth.sh on the same files (encrypted repos), in the same run.
# Temp dir under ${TMPDIR:-/tmp}, removed at the end (-k keeps it).
set -euo pipefail
RATE=100Mbit
KEEP=0
RUNS=${RUNS:-3}
while getopts "r:kh" o; do
    case $o in
        r) RATE=$OPTARG ;;
        k) KEEP=1 ;;
        h) sed -n '2,15p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "usage: [RUNS=N] $0 [-r RATE] [-k] NIGHT1 NIGHT2 [...] (growth.sh needs two or more)" >&2; exit 2; }
for f in "$@"; do [ -f "$f" ] || { echo "$0: not a file: $f" >&2; exit 1; }; done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "$0: RUNS must be a positive integer: $RUNS" >&2; exit 2; }
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
PACTFS=${PACTFS:-$here/../../mount-scripts/pactfs}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pactfs-partner.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
now() { date +%s.%N; }
# Bytes of the files under a directory (not du: directory entries are not data sent).
filebytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}'; }

repo=$WORK/repo
partner=$WORK/partner
key=$WORK/pactfs.key
mkdir -p "$partner"
"$PACTFS" init --repo "$repo" --partner "$partner" --key-file "$key" >/dev/null 2>&1
copy=$(echo "$partner"/pactfs-*)
cap=$(awk -v r="$RATE" 'BEGIN{n=r+0; u=substr(r, length(n "")+1); m=1; if (u ~ /^[kK]/) m=1e3; if (u ~ /^M/) m=1e6; if (u ~ /^G/) m=1e9; if (u ~ /bit/) m=m/8; printf "%.2f", n*m/1e6}')

echo "# partner-nightly.sh $(date -u '+%F %T') UTC; cap $RATE ($cap MB/s); RUNS=$RUNS; $(nproc) cores;$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## pactfs replication (each night: put, snapshot create, replicate --once --bandwidth $RATE)"
printf '%-3s %-16s %12s %12s %7s %9s %9s %7s %7s\n' "#" "file" "file bytes" "sent bytes" "sent%" "pass s" "pass MB/s" "%cap" "wall s"
prev=$(filebytes "$copy")
sent_all=()
i=0
for f in "$@"; do
    i=$((i + 1))
    "$PACTFS" put --repo "$repo" --key-file "$key" "$f" backup.sql >/dev/null 2>&1
    "$PACTFS" snapshot create --repo "$repo" --key-file "$key" --name "night-$i" --tag nightly >/dev/null 2>&1
    t0=$(now)
    out=$("$PACTFS" replicate --repo "$repo" --key-file "$key" --once --bandwidth "$RATE")
    t1=$(now)
    # "replicated N blobs (B bytes) in P packs, S snapshot records; ... (MS ms)"
    packed=$(sed -n 's/^replicated [0-9]* blobs (\([0-9]*\) bytes).*/\1/p' <<<"$out")
    ms=$(sed -n 's/.*(\([0-9]*\) ms)$/\1/p' <<<"$out")
    [ -n "$packed" ] && [ -n "$ms" ] || { echo "$0: cannot read replicate's output: $out" >&2; exit 1; }
    cur=$(filebytes "$copy")
    sent=$((cur - prev))
    size=$(stat -c %s "$f")
    sent_all+=("$sent")
    printf '%-3s %-16s %12s %12s %7s %9s %9s %7s %7s\n' "$i" "$(basename "$f")" "$size" "$sent" \
        "$(awk -v g="$sent" -v s="$size" 'BEGIN{printf "%.2f", 100*g/s}')" \
        "$(awk -v m="$ms" 'BEGIN{printf "%.1f", m/1000}')" \
        "$(awk -v m="$ms" -v g="$packed" 'BEGIN{if (m > 0) printf "%.2f", g/m/1e3; else print "-"}')" \
        "$(awk -v m="$ms" -v g="$packed" -v c="$cap" 'BEGIN{if (m > 0) printf "%.0f", 100*g/m/1e3/c; else print "-"}')" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')"
    prev=$cur
done
echo "# sent = growth of the copy's file bytes (packs, index files, snapshot records); pass MB/s = the pack and index"
echo "# bytes replicate reports / its pass time; %cap = pass MB/s / cap (small passes: fixed costs dominate)."
echo

echo "## pactfs recover (from the partner copy alone, key file; $RUNS runs)"
total=$(filebytes "$copy")
times=()
for r in $(seq 1 "$RUNS"); do
    t0=$(now)
    "$PACTFS" recover --partner "$partner" --repo "$WORK/recovered-$r" --key-file "$key" >/dev/null
    t1=$(now)
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
    times+=("$s")
    echo "run $r: $total partner bytes in $s s ($(awk -v s="$s" -v g="$total" 'BEGIN{printf "%.1f", g/s/1e6}') MB/s)"
    [ "$r" = "$RUNS" ] || rm -rf "$WORK/recovered-$r"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
echo "median: $median s ($(awk -v s="$median" -v g="$total" 'BEGIN{printf "%.1f", g/s/1e6}') MB/s)"
last="${!#}"
"$PACTFS" restore --repo "$WORK/recovered-$RUNS" --key-file "$key" "night-$i:backup.sql" "$WORK/restored" >/dev/null
if cmp -s "$last" "$WORK/restored"; then
    echo "# the last night restored from the recovered repo is byte-identical to $(basename "$last")"
else
    echo "$0: the last night restored from the recovered repo differs from $last" >&2
    exit 1
fi
echo

growth=$("$here/growth.sh" "$@")
echo "## bytes per night: pactfs sent beside restic and borg repository growth (same files, same run)"
printf '%-3s %-16s %12s %12s %12s %8s %8s\n' "#" "file" "pactfs sent" "restic grow" "borg grow" "/restic" "/borg"
# growth.sh prints, per tool, rows "i file size repo growth growth% new wall" under "## restic" / "## borg".
for n in $(seq 1 $#); do
    r=$(awk -v n="$n" '/^## /{t=$2} t=="restic" && $1==n {print $5}' <<<"$growth")
    b=$(awk -v n="$n" '/^## /{t=$2} t=="borg" && $1==n {print $5}' <<<"$growth")
    s=${sent_all[$((n - 1))]}
    printf '%-3s %-16s %12s %12s %12s %8s %8s\n' "$n" "$(basename "${!n}")" "$s" "${r:--}" "${b:--}" \
        "$(awk -v s="$s" -v g="${r:-0}" 'BEGIN{if (g > 0) printf "%.2f", s/g; else print "-"}')" \
        "$(awk -v s="$s" -v g="${b:-0}" 'BEGIN{if (g > 0) printf "%.2f", s/g; else print "-"}')"
done
echo "# target: pactfs sent <= restic and borg growth for every night (ratios <= 1); restic/borg growth is du -sb"
echo "# (directory entries included, a few KiB), pactfs sent is file bytes only"
echo
sed -n '/^## /,$p' <<<"$growth"
