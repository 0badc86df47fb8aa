#!/bin/bash
# baseline.sh [-n RUNS] [-k] FILE — reference throughput figures for FILE on this machine, in one run.
#
# For each of RUNS rounds (default 3; also env RUNS):
#   sha256sum FILE                         (read + hash, coreutils)
#   cat FILE > /dev/null                   (plain sequential read)
#   restic: fresh repo (encrypted, always), first `restic backup FILE`,
#           then `restic backup --force FILE` (re-reads and re-chunks everything, all dedups)
#   pactfs: fresh repo, `pactfs put FILE` (never-seen data), then again under another name (already stored)
#   borg:   fresh `borg init -e repokey` repo, first `borg create`, then a second
#           `borg create` of the same file. NB: borg's files cache never trusts the file(s)
#           carrying the newest timestamp of an archive (borg FAQ, "'A' status for unchanged
#           file"), so with a single file the second run re-reads and re-chunks everything,
#           all of which dedups: the analogue of `restic backup --force`.
# and prints one table of medians. MB = 10^6 bytes; MB/s = size of FILE / wall time.
# The page cache is dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every timed
# command when that is allowed (root, not in a restricted container); the header says which.
# Temporary repos live in a fresh directory under ${TMPDIR:-/tmp} and are removed at the end
# (-k keeps them and prints the path). restic/borg caches are kept inside that directory too,
# so nothing in ~/.cache or ~/.config is used or left behind.
set -euo pipefail

RUNS=${RUNS:-3}
KEEP=0
# The pactfs launcher to measure beside restic and borg; PACTFS= (empty) leaves pactfs out.
PACTFS=${PACTFS-$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)/mount-scripts/pactfs}
while getopts "n:kh" o; do
    case $o in
        n) RUNS=$OPTARG ;;
        k) KEEP=1 ;;
        h) sed -n '2,20p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-n RUNS] [-k] FILE" >&2; exit 2; }
FILE=$(readlink -f "$1")
[ -f "$FILE" ] || { echo "$0: not a file: $1" >&2; exit 1; }
for t in restic borg /usr/bin/time sha256sum; do
    command -v "$t" >/dev/null || { echo "$0: $t not installed (apt-get install -y restic borgbackup time)" >&2; exit 1; }
done

SIZE=$(stat -c %s "$FILE")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pactfs-baseline.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

export RESTIC_PASSWORD=pactfs-bench RESTIC_CACHE_DIR=$WORK/restic-cache
export BORG_PASSPHRASE=pactfs-bench BORG_BASE_DIR=$WORK/borg-base
export BORG_RELOCATED_REPO_ACCESS_IS_OK=yes BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=no

if sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
    DROP="yes (before every timed command)"
    drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
else
    DROP="NO: /proc/sys/vm/drop_caches not writable here, so reads may come from the page cache"
    drop() { sync; }
fi

declare -A R      # R[name]="v1 v2 ..." MB/s per run ; W wall, C cpu, M rss
declare -A W C M S
NAMES=()
# timed NAME CMD... : drop caches, run CMD under /usr/bin/time, record wall/cpu/rss
timed() {
    local name=$1; shift
    [[ " ${NAMES[*]} " == *" $name "* ]] || NAMES+=("$name")
    drop
    local tf=$WORK/time.out
    if ! /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >"$WORK/cmd.out" 2>&1; then
        echo "$0: command failed: $*" >&2; cat "$WORK/cmd.out" >&2; exit 1
    fi
    local e u s m
    read -r e u s m <"$tf"
    R[$name]+="$(awk -v b="$SIZE" -v e="$e" 'BEGIN{printf "%.0f", (e > 0 ? b / 1e6 / e : 0)}') "
    W[$name]+="$e "
    C[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}') "
    M[$name]+="$((m / 1024)) "
}
size_rec() { S[$1]+="$(du -sb "$2" | cut -f1) "; }
median() { # median [FMT]: median of whitespace-separated numbers on stdin
    tr ' ' '\n' | grep -v '^$' | sort -g | awk -v f="${1:-%.10g}" '{a[NR]=$1} END{if (NR==0) {print "-"; exit}
    printf f "\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "baseline.sh: $FILE, $SIZE bytes, $RUNS run(s)" >&2
for ((i = 1; i <= RUNS; i++)); do
    echo "  run $i/$RUNS ..." >&2
    timed "sha256sum" sha256sum "$FILE"
    timed "cat > /dev/null" sh -c 'cat "$1" >/dev/null' sh "$FILE"

    repo=$WORK/restic-repo
    rm -rf "$repo" "$RESTIC_CACHE_DIR"
    restic -q -r "$repo" init >/dev/null
    timed "restic backup (first)" restic -q -r "$repo" backup --host bench "$FILE"
    size_rec "restic repo after first" "$repo"
    timed "restic backup --force (2nd)" restic -q -r "$repo" backup --host bench --force "$FILE"
    size_rec "restic repo after 2nd" "$repo"
    RESTIC_REPO_VERSION=$(restic -r "$repo" cat config --no-lock 2>/dev/null | awk -F'[:,]' '/"version"/{gsub(/ /,"",$2); print $2}')
    rm -rf "$repo" "$RESTIC_CACHE_DIR"

    if [ -n "$PACTFS" ]; then
        # pactfs put: the whole engine (FastCDC, HMAC ids, dedup lookup, zstd, AES-GCM, local packs, catalog)
        # without FUSE; a machine key file, so the timing holds no Argon2 passphrase stretching.
        repo=$WORK/pactfs-repo
        rm -rf "$repo" "$WORK/pactfs.key"
        "$PACTFS" init --repo "$repo" --key-file "$WORK/pactfs.key" >/dev/null 2>&1
        timed "pactfs put (never-seen data)" "$PACTFS" put --repo "$repo" --key-file "$WORK/pactfs.key" "$FILE" first
        size_rec "pactfs repo after first" "$repo"
        timed "pactfs put (already stored)" "$PACTFS" put --repo "$repo" --key-file "$WORK/pactfs.key" "$FILE" second
        size_rec "pactfs repo after 2nd" "$repo"
        rm -rf "$repo"
    fi

    repo=$WORK/borg-repo
    rm -rf "$repo" "$BORG_BASE_DIR"
    borg init -e repokey "$repo" >/dev/null 2>&1
    timed "borg create (first)" borg create "$repo::first" "$FILE"
    size_rec "borg repo after first" "$repo"
    timed "borg create (2nd, same file)" borg create "$repo::second" "$FILE"
    size_rec "borg repo after 2nd" "$repo"
    rm -rf "$repo" "$BORG_BASE_DIR"
done

echo "# baseline.sh $(date -u '+%F %T') UTC on $(hostname) ($(nproc) CPU, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo))"
echo "# file: $FILE ($SIZE bytes = $(awk -v b="$SIZE" 'BEGIN{printf "%.1f MB", b/1e6}'))"
echo "# runs: $RUNS, medians; MB = 10^6 B; MB/s = file size / wall time; cpu = user+sys seconds"
echo "# drop caches: $DROP"
echo "# $(restic version | cut -d' ' -f1-2) (repo format v${RESTIC_REPO_VERSION:-?}, default compression auto), $(borg --version) (repokey, default lz4)"
echo "# load average (1/5/15 min) at start: $LOAD0, at end: $(cut -d' ' -f1-3 /proc/loadavg) (other users' jobs inflate wall times)"
printf '%-42s %9s %9s %9s %8s   %s\n' "measurement" "MB/s" "wall s" "cpu s" "RSS MiB" "MB/s per run"
for n in "${NAMES[@]}"; do
    printf '%-42s %9s %9s %9s %8s   %s\n' "$n" "$(echo "${R[$n]}" | median)" "$(echo "${W[$n]}" | median)" \
        "$(echo "${C[$n]}" | median)" "$(echo "${M[$n]}" | median)" "${R[$n]% }"
done
echo
printf '%-42s %14s %8s   %s\n' "repo size" "bytes" "% file" "bytes per run"
for n in "restic repo after first" "restic repo after 2nd" "borg repo after first" "borg repo after 2nd" \
         ${PACTFS:+"pactfs repo after first" "pactfs repo after 2nd"}; do
    m=$(echo "${S[$n]}" | median %.0f)
    printf '%-42s %14s %8s   %s\n' "$n" "$m" "$(awk -v a="$m" -v b="$SIZE" 'BEGIN{printf "%.1f", 100*a/b}')" "${S[$n]% }"
done
