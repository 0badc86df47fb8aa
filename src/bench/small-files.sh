#!/bin/bash
# small-files.sh [-n RUNS] [-k] [-o OUT] [-t TARGETS] — trees of small files and metadata through pactfs, beside
# gocryptfs (an encrypted FUSE passthrough to ext4) and a plain directory (the ceiling), in one run (issue 15).
#
# Data: `cp -a /usr/share/doc /usr/lib/python3 WORK/src/` (made once per run of the script, on the disk that holds
# WORK; SRC_DIRS overrides the list, a small one for a quick try), and `tar -cf WORK/doc.tar -C WORK/src/doc .`.
# Rows, each timed with the page cache dropped first (root):
#   cp       cp -a WORK/src/. T/cp/, then sync                      (a tree of real small files into the mount)
#   ls+cat   remount, ls -lR T/cp, cat every file under T/cp        (reading them back without any cache)
#   rsync    rsync -aHAX WORK/src/doc/ T/rsync/                     (what rsync-based backups do)
#   rsync2   rsync -a WORK/src/doc/ T/rsync/ again, nothing changed  (the nightly stat walk)
#   tar      tar -xf WORK/doc.tar -C T/tar                          (a restore)
#   append   2 000 x `echo line >> T/app.log` (open, append, close) (a vendor agent's log)
# TARGETS (default "ext4 gocryptfs pactfs"; "null" adds src/bench/NullFloorFs.java, the API's floor): ext4 is a
# directory under WORK. Every row runs on every target before
# the next row starts, so the targets of one row are measured side by side; each of RUNS rounds (default 3) starts
# from fresh mounts. Prints medians and pactfs's speed against gocryptfs (gocryptfs time / pactfs time).
#
# pactfs is mounted with --metrics on 127.0.0.1 and its Prometheus endpoint is scraped before and after every row:
# the raw output lists, per row, each FUSE operation's count, total time and mean (in the daemon, from the call
# to the reply) and the catalog's transactions and commit time. At every unmount the daemon also logs the table
# of the whole mount (mount.log), copied into the output.
#
# OUT (default docs/bench-results/small-files-DATE.txt): the raw output, also printed. pactfs runs through
# mount-scripts/pactfs (or $PACTFS); extra JVM options for the daemon in PACTFS_JAVA_OPTS (e.g. a JFR recording).
# Everything lives in a fresh directory under ${TMPDIR:-/var/tmp} (ext4 here), removed at the end (-k keeps it).
set -euo pipefail
export LC_ALL=C   # join and sort agree on the order; decimal points in awk

RUNS=${RUNS:-3}
KEEP=0
OUT=
TARGETS="ext4 gocryptfs pactfs"
while getopts "n:ko:t:h" o; do
    case $o in
        n) RUNS=$OPTARG ;;
        k) KEEP=1 ;;
        o) OUT=$OPTARG ;;
        t) TARGETS=$OPTARG ;;
        h) sed -n '2,29p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "usage: $0 [-n RUNS] [-k] [-o OUT] [-t 'ext4 gocryptfs pactfs']" >&2; exit 2; }

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/../.." && pwd)
PACTFS=${PACTFS:-$root/mount-scripts/pactfs}
export PACTFS_PASSPHRASE=${PACTFS_PASSPHRASE:-pactfs-bench}
METRICS_PORT=${METRICS_PORT:-19464}
SRC_DIRS=${SRC_DIRS:-/usr/share/doc /usr/lib/python3}   # the first one alone is the rsync and tar rows' tree
DOC=$(basename "${SRC_DIRS%% *}")
[ -n "$OUT" ] || OUT=$root/docs/bench-results/small-files-$(date -u +%F).txt
mkdir -p "$(dirname "$OUT")"

for t in gocryptfs fusermount rsync tar curl; do
    command -v "$t" >/dev/null || { echo "$0: $t not installed (apt-get install -y --no-remove gocryptfs rsync curl)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "$0: run as root (FUSE mounts, drop_caches)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/pactfs-small-files.XXXXXX")
MOUNTS=()
cleanup() {
    local m
    for m in "${MOUNTS[@]}"; do
        if grep -q " $m " /proc/mounts; then
            "$PACTFS" umount "$m" >/dev/null 2>&1 || fusermount -u "$m" 2>/dev/null || fusermount -u -z "$m" 2>/dev/null || true
        fi
    done
    if [ "$KEEP" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf --one-file-system "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

exec > >(tee "$OUT") 2>&1

drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
declare -A T   # T[row/target] = "s s s"
ROWS=(cp ls+cat rsync rsync2 tar append)

# timed ROW TARGET CMD...: drop caches, run CMD, record wall seconds
timed() {
    local row=$1 tgt=$2; shift 2
    drop
    local t0 t1
    t0=$(date +%s.%N)
    if ! "$@" >"$WORK/cmd.out" 2>&1; then
        echo "$0: $row on $tgt failed: $*" >&2; tail -20 "$WORK/cmd.out" >&2; exit 1
    fi
    t1=$(date +%s.%N)
    local s
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}')
    T[$row/$tgt]+="$s "
    printf '  %-7s %-10s %8s s\n' "$row" "$tgt" "$s"
}
median() {
    tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{if (NR==0) {print "-"; exit}
    printf "%.2f\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

# ---- the rows, as commands on a directory
row_cp() { mkdir -p "$1/cp" && cp -a "$WORK/src/." "$1/cp/" && sync; }
row_lscat() { ls -lR "$1/cp" >/dev/null && find "$1/cp" -type f -exec cat {} + >/dev/null; }
row_rsync() { rsync -aHAX "$WORK/src/$DOC/" "$1/rsync/"; }
row_rsync2() { rsync -a "$WORK/src/$DOC/" "$1/rsync/"; }
row_tar() { mkdir -p "$1/tar" && tar -xf "$WORK/doc.tar" -C "$1/tar"; }
row_append() { local i; for ((i = 0; i < 2000; i++)); do echo line >>"$1/app.log"; done; }

# ---- targets: DIR[target] is where the rows run
declare -A DIR
ext4_up() { rm -rf "$WORK/ext4"; mkdir -p "$WORK/ext4"; DIR[ext4]=$WORK/ext4; }
ext4_remount() { :; }
ext4_down() { rm -rf "$WORK/ext4"; }

goc_mount() { gocryptfs -q -passfile "$WORK/gocryptfs.pw" "$WORK/goc-cipher" "$WORK/goc-mnt" 2>/dev/null; }
gocryptfs_up() {
    rm -rf "$WORK/goc-cipher"; mkdir -p "$WORK/goc-cipher" "$WORK/goc-mnt"; MOUNTS+=("$WORK/goc-mnt")
    echo pactfs-bench >"$WORK/gocryptfs.pw"
    gocryptfs -q -init -passfile "$WORK/gocryptfs.pw" "$WORK/goc-cipher" >/dev/null
    goc_mount; DIR[gocryptfs]=$WORK/goc-mnt
}
gocryptfs_remount() { fusermount -u "$WORK/goc-mnt"; goc_mount; }
gocryptfs_down() { fusermount -u "$WORK/goc-mnt"; rm -rf "$WORK/goc-cipher"; }

# null: src/bench/NullFloorFs.java (names and attributes in memory, bytes dropped), the floor of the jnr-fuse /
# libfuse 2 high-level API with pactfs's mount options. Its "remount" keeps the mount (the tree lives in its memory);
# the dropped page cache and pactfs's zero timeouts still send every lookup to it. NULLFS_OPTS adds libfuse options
# (later ones win), e.g. "-o entry_timeout=1 -o attr_timeout=1" for what kernel caching would buy.
null_up() {
    mkdir -p "$WORK/null-mnt"; MOUNTS+=("$WORK/null-mnt")
    # shellcheck disable=SC2086
    java -cp "${NULLFS_JAR:-$root/target/pactfs.jar}" "$here/NullFloorFs.java" "$WORK/null-mnt" ${NULLFS_OPTS:-} \
        >"$WORK/null.out" 2>&1 &
    local i
    for ((i = 0; i < 300; i++)); do grep -q " $WORK/null-mnt fuse" /proc/mounts && break; sleep 0.2; done
    grep -q " $WORK/null-mnt fuse" /proc/mounts || { cat "$WORK/null.out" >&2; exit 1; }
    DIR[null]=$WORK/null-mnt
}
null_remount() { :; }
null_down() { fusermount -u "$WORK/null-mnt"; }

pactfs_mount() {
    "$PACTFS" mount --repo "$WORK/pactfs-repo" --metrics "$METRICS_PORT" "$WORK/pactfs-mnt" >"$WORK/mount.out" 2>&1 \
        || { cat "$WORK/mount.out" >&2; exit 1; }
}
pactfs_umount() {
    "$PACTFS" umount "$WORK/pactfs-mnt" >/dev/null
    # the daemon's table of the whole mount, logged once it has closed the repo (its pid file goes last)
    local i
    for ((i = 0; i < 600; i++)); do [ -e "$WORK/pactfs-repo/mount.pid" ] || break; sleep 0.1; done
    awk '/FUSE operations served by this mount/ {b = ""; on = 1} on {b = b $0 "\n"} /compaction check/ {on = 0}
         END {printf "%s", b}' "$WORK/pactfs-repo/mount.log" | sed 's/^/    | /' >>"$WORK/pactfs-tables"
    echo "    | catalog file after this mount: $(stat -c %s "$WORK/pactfs-repo/catalog.mv.db") bytes" >>"$WORK/pactfs-tables"
}
pactfs_up() {
    rm -rf "$WORK/pactfs-repo"; mkdir -p "$WORK/pactfs-mnt"; MOUNTS+=("$WORK/pactfs-mnt")
    "$PACTFS" init --repo "$WORK/pactfs-repo" >"$WORK/init.out" 2>&1 || { cat "$WORK/init.out" >&2; exit 1; }
    pactfs_mount; DIR[pactfs]=$WORK/pactfs-mnt
}
pactfs_remount() { pactfs_umount; pactfs_mount; }
pactfs_down() { pactfs_umount; rm -rf "$WORK/pactfs-repo"; }

# Prometheus text -> "op count sum_seconds" lines, plus catalog figures
scrape() {
    curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk '
        /^pactfs_fuse_operation_duration_seconds_count\{/ { match($0, /op="[^"]*"/); op = substr($0, RSTART + 4, RLENGTH - 5); c[op] = $NF }
        /^pactfs_fuse_operation_duration_seconds_sum\{/   { match($0, /op="[^"]*"/); op = substr($0, RSTART + 4, RLENGTH - 5); s[op] = $NF }
        /^pactfs_catalog_transactions_total\{kind="write"/ { print "~catalog-write-tx", $NF, 0 }
        /^pactfs_catalog_transactions_total\{kind="read"/  { print "~catalog-read-tx", $NF, 0 }
        /^pactfs_catalog_commit_seconds_total / { print "~catalog-commit", 0, $NF }
        END { for (op in c) print op, c[op], s[op] }' | sort
}
# ops_between BEFORE AFTER ROW SECONDS: per-op deltas of one row, largest total first
ops_between() {
    join -a 2 -e 0 -o 0,1.2,1.3,2.2,2.3 "$1" "$2" | awk -v row="$3" -v wall="$4" '
        { n = $4 - $2; t = $5 - $3; if ($1 ~ /^~/) { cat[$1] = (n != 0 ? n : t); next }
          if (n > 0) { lines[$1] = sprintf("%-12s %9d %10.1f %9.1f", $1, n, t * 1000, t * 1e6 / n); tot[$1] = t; all += t; cnt += n } }
        END {
          printf "  pactfs, %s (%s s wall): FUSE ops, time in the daemon\n", row, wall
          printf "    %-12s %9s %10s %9s %6s\n", "op", "count", "total ms", "mean µs", "share"
          for (op in tot) printf "%.9f    %s %5.0f%%\n", tot[op], lines[op], 100 * tot[op] / all | "sort -rg | cut -d\" \" -f2-"
          close("sort -rg | cut -d\" \" -f2-")
          printf "    %-12s %9d %10.1f   (%.0f%% of the wall time)\n", "all", cnt, all * 1000, 100 * all / wall
          printf "    catalog: %d writing transactions, %d read-only; commits of the writing ones %.1f ms (%.0f µs each)\n",
                 cat["~catalog-write-tx"], cat["~catalog-read-tx"], cat["~catalog-commit"] * 1000,
                 cat["~catalog-write-tx"] ? cat["~catalog-commit"] * 1e6 / cat["~catalog-write-tx"] : 0 }'
}

# run_row ROW FN: the row on every target, side by side
run_row() {
    local row=$1 fn=$2 tgt
    for tgt in $TARGETS; do
        [ "$row" = ls+cat ] && "${tgt}_remount"
        if [ "$tgt" = pactfs ]; then
            scrape >"$WORK/before"
            timed "$row" "$tgt" "$fn" "${DIR[$tgt]}"
            scrape >"$WORK/after"
            ops_between "$WORK/before" "$WORK/after" "$row" "$(echo "${T[$row/$tgt]}" | awk '{print $NF}')" \
                >>"$WORK/pactfs-ops"
        else
            timed "$row" "$tgt" "$fn" "${DIR[$tgt]}"
        fi
    done
}

echo "# small-files.sh, $(date -u '+%F %H:%M UTC'), $RUNS run(s), targets: $TARGETS"
echo "# $(uname -r), $(nproc) CPUs, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# pactfs $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $(gocryptfs -version 2>/dev/null | head -1 | cut -d';' -f1), $(rsync --version | awk 'NR == 1 {print $1, $3}')"
mkdir -p "$WORK/src"
# shellcheck disable=SC2086
cp -a $SRC_DIRS "$WORK/src/"
tar -cf "$WORK/doc.tar" -C "$WORK/src/$DOC" .
echo "# data: cp -a $SRC_DIRS (cp, ls+cat rows): $(find "$WORK/src" -type f | wc -l) files, \
$(find "$WORK/src" | wc -l) entries, $(du -sb "$WORK/src" | cut -f1) bytes; ${SRC_DIRS%% *} alone (rsync, tar rows): \
$(find "$WORK/src/$DOC" -type f | wc -l) files, $(du -sb "$WORK/src/$DOC" | cut -f1) bytes"

for ((i = 1; i <= RUNS; i++)); do
    echo "run $i/$RUNS (load $(cut -d' ' -f1 /proc/loadavg))"
    : >"$WORK/pactfs-tables"
    echo "## run $i" >>"$WORK/pactfs-ops"
    for tgt in $TARGETS; do "${tgt}_up"; done
    run_row cp row_cp
    run_row ls+cat row_lscat
    run_row rsync row_rsync
    run_row rsync2 row_rsync2
    run_row tar row_tar
    run_row append row_append
    for tgt in $TARGETS; do "${tgt}_down"; done
    if [[ " $TARGETS " == *" pactfs "* ]]; then
        echo "  pactfs daemon's tables at each unmount (after cp; after the other rows):"
        cat "$WORK/pactfs-tables"
    fi
done

echo
echo "## per-row FUSE operations of pactfs (Prometheus deltas)"
cat "$WORK/pactfs-ops" 2>/dev/null || true

echo
echo "## medians of $RUNS run(s), seconds (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
hdr="| row |"; sep="|---|"
for tgt in $TARGETS; do hdr+=" $tgt |"; sep+="---:|"; done
both=0; [[ " $TARGETS " == *" pactfs "* && " $TARGETS " == *" gocryptfs "* ]] && both=1
[ $both = 1 ] && { hdr+=" pactfs speed vs gocryptfs | per run |"; sep+="---:|---|"; }
echo "$hdr"; echo "$sep"
for row in "${ROWS[@]}"; do
    line="| $row |"
    for tgt in $TARGETS; do line+=" $(echo "${T[$row/$tgt]}" | median) |"; done
    if [ $both = 1 ]; then
        g=$(echo "${T[$row/gocryptfs]}" | median); p=$(echo "${T[$row/pactfs]}" | median)
        per=$(paste -d' ' <(echo "${T[$row/gocryptfs]}" | tr ' ' '\n' | grep -v '^$') \
                          <(echo "${T[$row/pactfs]}" | tr ' ' '\n' | grep -v '^$') | awk '{printf "%.2f ", $1 / $2}')
        line+=" $(awk -v g="$g" -v p="$p" 'BEGIN{printf "%.2f×", g / p}') | ${per% } |"
    fi
    echo "$line"
done
for tgt in $TARGETS; do echo "# $tgt per run: $(for row in "${ROWS[@]}"; do printf '%s=[%s] ' "$row" "${T[$row/$tgt]% }"; done)"; done
