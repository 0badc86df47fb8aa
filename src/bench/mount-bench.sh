#!/bin/bash
# mount-bench.sh [-n RUNS] [-k] [FILE] — pactfs through a real mount against a plain directory,
# gocryptfs and restic, on the same file, in one run (docs/benchmarks.md, issue "The mount").
#
# FILE defaults to /work/benchdata/usrlib.tar (src/bench/make-data.sh); without it, a tar of /usr/lib
# is made once under ${TMPDIR:-/tmp}. For each of RUNS rounds (default 3; also env RUNS):
#   dd if=FILE bs=1M conv=fsync into a plain directory            (disk ceiling)
#   dd ... into a fresh pactfs mount, as full-1.tar               (first backup; daemon RSS sampled)
#   dd ... into the same mount again, as full-2.tar               (second full backup of unchanged data)
#   unmount, mount, drop caches, cat full-1.tar > /dev/null       (cold read)
#   dd ... into a fresh gocryptfs mount; remount + cat cold       (encrypted FUSE reference)
#   restic backup FILE (fresh repo), restic backup --force FILE, cat FILE through `restic mount` (cold)
# and prints one table of medians plus the issue's targets:
#   first write >= 0.8 x restic first backup; rewrite >= 0.8 x restic --force;
#   cold read >= 1.5 x cat through restic mount; daemon RSS < 1 GiB while writing.
# MB = 10^6 B; MB/s = FILE size / wall time. The page cache is dropped before every timed command
# when allowed (root). pactfs runs through mount-scripts/pactfs (or $PACTFS). Everything lives in a
# fresh directory under ${TMPDIR:-/tmp}, removed at the end (-k keeps it); mounts are always removed.
set -euo pipefail

RUNS=${RUNS:-3}
KEEP=0
while getopts "n:kh" o; do
    case $o in
        n) RUNS=$OPTARG ;;
        k) KEEP=1 ;;
        h) sed -n '2,19p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || { echo "usage: $0 [-n RUNS] [-k] [FILE]" >&2; exit 2; }

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/../.." && pwd)
PACTFS=${PACTFS:-$root/mount-scripts/pactfs}
export PACTFS_PASSPHRASE=${PACTFS_PASSPHRASE:-pactfs-bench}
export RESTIC_PASSWORD=pactfs-bench

for t in restic gocryptfs fusermount dd; do
    command -v "$t" >/dev/null || { echo "$0: $t not installed (apt-get install -y restic gocryptfs fuse)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "$0: run as root (FUSE mounts, drop_caches)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pactfs-mount-bench.XXXXXX")
export RESTIC_CACHE_DIR=$WORK/restic-cache
MOUNTS=()
cleanup() {
    local m
    for m in "${MOUNTS[@]}"; do
        if grep -q " $m " /proc/mounts; then
            "$PACTFS" umount "$m" >/dev/null 2>&1 || fusermount -u "$m" 2>/dev/null || fusermount -u -z "$m" 2>/dev/null || true
        fi
    done
    [ -n "${RESTIC_MOUNT_PID:-}" ] && kill "$RESTIC_MOUNT_PID" 2>/dev/null || true
    if [ "$KEEP" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf --one-file-system "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ $# -eq 1 ]; then
    FILE=$(readlink -f "$1")
elif [ -f /work/benchdata/usrlib.tar ]; then
    FILE=/work/benchdata/usrlib.tar
else
    FILE=${TMPDIR:-/tmp}/pactfs-bench-usrlib.tar
    if [ ! -f "$FILE" ]; then
        echo "making $FILE (uncompressed tar of /usr/lib) ..." >&2
        tar -cf "$FILE.tmp" -C / usr/lib 2>/dev/null || [ -s "$FILE.tmp" ]
        mv "$FILE.tmp" "$FILE"
    fi
fi
[ -f "$FILE" ] || { echo "$0: not a file: $FILE" >&2; exit 1; }
SIZE=$(stat -c %s "$FILE")
[ "$SIZE" -ge $((1 << 30)) ] || echo "$0: warning: $FILE is smaller than 1 GiB" >&2

if sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
    DROP="yes (before every timed command)"
    drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
else
    DROP="NO: /proc/sys/vm/drop_caches not writable, reads may come from the page cache"
    drop() { sync; }
fi

declare -A R W RSS
NAMES=()
# timed NAME CMD... : drop caches, run CMD, record MB/s and wall seconds
timed() {
    local name=$1; shift
    [[ " ${NAMES[*]} " == *" $name "* ]] || NAMES+=("$name")
    drop
    local t0 t1
    t0=$(date +%s.%N)
    if ! "$@" >"$WORK/cmd.out" 2>&1; then
        echo "$0: command failed: $*" >&2; cat "$WORK/cmd.out" >&2; exit 1
    fi
    t1=$(date +%s.%N)
    W[$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}') "
    R[$name]+="$(awk -v s="$SIZE" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", s / 1e6 / (b - a)}') "
}
median() {
    tr ' ' '\n' | grep -v '^$' | sort -g | awk -v f="${1:-%.10g}" '{a[NR]=$1} END{if (NR==0) {print "-"; exit}
    printf f "\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}
ddto() { dd if="$FILE" of="$1" bs=1M conv=fsync status=none; }
catfile() { cat "$1" >/dev/null; }

# The FUSE daemon of a mountpoint: the process with /dev/fuse open whose command line names it.
daemon_pid() {
    local p
    for p in $(pgrep -f -- "$1" || true); do
        if ls -l "/proc/$p/fd" 2>/dev/null | grep -q ' -> /dev/fuse$'; then echo "$p"; return 0; fi
    done
    return 1
}
# sample_rss PID OUTFILE: max VmRSS (KiB) of PID every 0.2 s until killed
sample_rss() {
    local pid=$1 out=$2 max=0 r
    while kill -0 "$pid" 2>/dev/null; do
        r=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ') || true
        [ -n "$r" ] && [ "$r" -gt "$max" ] && { max=$r; echo "$max" >"$out"; }
        sleep 0.2
    done
}
# rss_during NAME MNT CMD...: run "timed NAME CMD..." while sampling the pactfs daemon's RSS
rss_during() {
    local name=$1 mnt=$2; shift 2
    local pid sp
    pid=$(daemon_pid "$mnt") || { echo "$0: no daemon for $mnt" >&2; exit 1; }
    echo 0 >"$WORK/rss"
    sample_rss "$pid" "$WORK/rss" & sp=$!
    timed "$name" "$@"
    kill "$sp" 2>/dev/null || true; wait "$sp" 2>/dev/null || true
    RSS[$name]+="$(( $(cat "$WORK/rss") / 1024 )) "
}
pactfs_mount() { "$PACTFS" mount --repo "$1" "$2" >"$WORK/mount.out" 2>&1 || { cat "$WORK/mount.out" >&2; exit 1; }; }

echo "mount-bench.sh: $FILE, $SIZE bytes, $RUNS run(s), work dir $WORK" >&2
mkdir -p "$WORK/plain"
for ((i = 1; i <= RUNS; i++)); do
    echo "  run $i/$RUNS ..." >&2

    rm -f "$WORK/plain/a"
    timed "dd into a plain directory" ddto "$WORK/plain/a"
    rm -f "$WORK/plain/a"

    # pactfs
    repo=$WORK/pactfs-repo; mnt=$WORK/pactfs-mnt
    rm -rf "$repo"; mkdir -p "$mnt"; MOUNTS+=("$mnt")
    "$PACTFS" init --repo "$repo" >"$WORK/init.out" 2>&1 || { cat "$WORK/init.out" >&2; exit 1; }
    pactfs_mount "$repo" "$mnt"
    rss_during "pactfs: dd, first write" "$mnt" ddto "$mnt/full-1.tar"
    rss_during "pactfs: dd, same content again" "$mnt" ddto "$mnt/full-2.tar"
    "$PACTFS" umount "$mnt"
    pactfs_mount "$repo" "$mnt"
    timed "pactfs: cat after remount (cold)" catfile "$mnt/full-1.tar"
    cmp -s "$FILE" "$mnt/full-2.tar" || { echo "$0: pactfs read back different bytes" >&2; exit 1; }
    "$PACTFS" umount "$mnt"
    REPO_BYTES=$(du -sb "$repo" | cut -f1)
    rm -rf "$repo"

    # gocryptfs
    cdir=$WORK/gocryptfs-cipher; gmnt=$WORK/gocryptfs-mnt
    rm -rf "$cdir"; mkdir -p "$cdir" "$gmnt"; MOUNTS+=("$gmnt")
    echo pactfs-bench >"$WORK/gocryptfs.pw"
    gocryptfs -q -init -passfile "$WORK/gocryptfs.pw" "$cdir" >/dev/null
    gocryptfs -q -passfile "$WORK/gocryptfs.pw" "$cdir" "$gmnt"
    timed "gocryptfs: dd, first write" ddto "$gmnt/full-1.tar"
    fusermount -u "$gmnt"
    gocryptfs -q -passfile "$WORK/gocryptfs.pw" "$cdir" "$gmnt"
    timed "gocryptfs: cat after remount (cold)" catfile "$gmnt/full-1.tar"
    fusermount -u "$gmnt"
    rm -rf "$cdir"

    # restic
    rrepo=$WORK/restic-repo; rmnt=$WORK/restic-mnt
    rm -rf "$rrepo" "$RESTIC_CACHE_DIR"; mkdir -p "$rmnt"; MOUNTS+=("$rmnt")
    restic -q -r "$rrepo" init >/dev/null
    timed "restic backup (first)" restic -q -r "$rrepo" backup --host bench "$FILE"
    timed "restic backup --force (2nd)" restic -q -r "$rrepo" backup --host bench --force "$FILE"
    restic -q -r "$rrepo" mount "$rmnt" >"$WORK/restic-mount.out" 2>&1 & RESTIC_MOUNT_PID=$!
    for _ in $(seq 1 300); do [ -e "$rmnt/snapshots/latest$FILE" ] && break; sleep 0.1; done
    [ -e "$rmnt/snapshots/latest$FILE" ] || { echo "$0: restic mount did not come up" >&2; cat "$WORK/restic-mount.out" >&2; exit 1; }
    timed "restic mount: cat (cold)" catfile "$rmnt/snapshots/latest$FILE"
    kill -INT "$RESTIC_MOUNT_PID"; wait "$RESTIC_MOUNT_PID" 2>/dev/null || true; RESTIC_MOUNT_PID=
    grep -q " $rmnt " /proc/mounts && fusermount -u "$rmnt"
    rm -rf "$rrepo" "$RESTIC_CACHE_DIR"
done

m() { echo "${R[$1]}" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (b > 0 && a != "-") printf "%.2f", a / b; else print "-"}'; }
echo "# mount-bench.sh $(date -u '+%F %T') UTC on $(hostname) ($(nproc) CPU, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo))"
echo "# file: $FILE ($SIZE bytes = $(awk -v b="$SIZE" 'BEGIN{printf "%.1f MB", b/1e6}')); runs: $RUNS, medians; MB/s = file size / wall time"
echo "# drop caches: $DROP"
echo "# $(restic version | cut -d' ' -f1-2), $(gocryptfs -version 2>/dev/null | head -1 | cut -d';' -f1), pactfs repo after 2 writes: $REPO_BYTES bytes"
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %9s %9s %14s   %s\n' "measurement" "MB/s" "wall s" "max RSS MiB" "MB/s per run"
for n in "${NAMES[@]}"; do
    printf '%-40s %9s %9s %14s   %s\n' "$n" "$(m "$n")" "$(echo "${W[$n]}" | median)" \
        "$(echo "${RSS[$n]:-}" | median %.0f)" "${R[$n]% }"
done
echo
first=$(ratio "$(m 'pactfs: dd, first write')" "$(m 'restic backup (first)')")
again=$(ratio "$(m 'pactfs: dd, same content again')" "$(m 'restic backup --force (2nd)')")
cold=$(ratio "$(m 'pactfs: cat after remount (cold)')" "$(m 'restic mount: cat (cold)')")
rss=$(echo "${RSS['pactfs: dd, first write']} ${RSS['pactfs: dd, same content again']}" | tr ' ' '\n' | sort -g | tail -1)
verdict() { awk -v v="$1" -v t="$2" 'BEGIN{print (v != "-" && v + 0 >= t) ? "ok" : "MISSED"}'; }
printf '%-58s %8s %8s %s\n' "target" "value" "needed" ""
printf '%-58s %8s %8s %s\n' "first write / restic first backup" "$first" "0.8" "$(verdict "$first" 0.8)"
printf '%-58s %8s %8s %s\n' "same content again / restic backup --force" "$again" "0.8" "$(verdict "$again" 0.8)"
printf '%-58s %8s %8s %s\n' "cold read / cat through restic mount" "$cold" "1.5" "$(verdict "$cold" 1.5)"
printf '%-58s %8s %8s %s\n' "daemon max RSS while writing (MiB)" "$rss" "<1024" \
    "$(awk -v r="$rss" 'BEGIN{print (r + 0 < 1024) ? "ok" : "MISSED"}')"
