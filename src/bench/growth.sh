#!/bin/bash
# growth.sh [-t restic|borg|both] [-k] FILE1 FILE2 [FILE3 ...]
#
# Repository growth for a series of versions of one backup file (dedup study), e.g.
#   growth.sh /work/benchdata/dump-1.sql /work/benchdata/dump-2.sql
#   growth.sh /work/benchdata/tree-v1.tar /work/benchdata/tree-v2.tar
#   growth.sh /work/benchdata/{dump-2,night-1,night-2,night-3,night-4,night-5,night-6,night-7}.sql
# For each tool (default: restic, then borg): a fresh encrypted repo; then for each FILEi in
# order, copy it to the same staging path (stage/<name of FILE1>), back that path up, and
# record the repo size (du -sb). The first row is the initial size (a full backup); each
# later row's "growth" is what that version cost on top of everything before it.
# restic 0.14: repo format 2 (zstd "auto" compression), 1 MiB average chunks (512 KiB–8 MiB).
# borg 1.2: repokey, lz4, buzhash chunker 19,23,21,4095 (2 MiB average).
# Also prints each tool's own figure for new data (restic data_added, borg deduplicated_size).
# Temp dir under ${TMPDIR:-/tmp}, removed at the end (-k keeps it).
set -euo pipefail

TOOLS=(restic borg)
KEEP=0
while getopts "t:kh" o; do
    case $o in
        t) case $OPTARG in restic | borg) TOOLS=("$OPTARG") ;; both) TOOLS=(restic borg) ;; *) exit 2 ;; esac ;;
        k) KEEP=1 ;;
        h) sed -n '2,17p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "usage: $0 [-t restic|borg|both] [-k] FILE1 FILE2 [FILE3 ...]" >&2; exit 2; }
for f in "$@"; do [ -f "$f" ] || { echo "$0: not a file: $f" >&2; exit 1; }; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pactfs-growth.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
export RESTIC_PASSWORD=pactfs-bench RESTIC_CACHE_DIR=$WORK/restic-cache
export BORG_PASSPHRASE=pactfs-bench BORG_BASE_DIR=$WORK/borg-base BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
STAGE=$WORK/stage
mkdir -p "$STAGE"
NAME=$(basename "$1")
NAME=backup.${NAME##*.}

hb() { numfmt --to=iec-i --suffix=B --format=%.1f "$1"; }
now() { date +%s.%N; }

echo "# growth.sh $(date -u '+%F %T') UTC; staging path stage/$NAME; $(restic version | cut -d' ' -f1-2); $(borg --version)"
for tool in "${TOOLS[@]}"; do
    repo=$WORK/$tool-repo
    case $tool in
        restic) restic -q -r "$repo" init >/dev/null ;;
        borg) borg init -e repokey "$repo" >/dev/null 2>&1 ;;
    esac
    echo
    echo "## $tool"
    printf '%-3s %-22s %14s %14s %14s %8s %14s %7s\n' "#" "file" "file bytes" "repo bytes" "growth bytes" "growth%" "tool: new" "wall s"
    prev=$(du -sb "$repo" | cut -f1)
    printf '%-3s %-22s %14s %14s %14s %8s %14s %7s\n' 0 "(empty repo)" - "$prev" - - - -
    i=0
    for f in "$@"; do
        i=$((i + 1))
        cp "$f" "$STAGE/$NAME"
        sync
        t0=$(now)
        case $tool in
            restic)
                out=$(restic -r "$repo" backup --host bench --json "$STAGE/$NAME")
                new=$(echo "$out" | grep '"message_type":"summary"' | sed -n 's/.*"data_added":\([0-9]*\).*/\1/p') ;;
            borg)
                out=$(borg create --json "$repo::v$i" "$STAGE/$NAME")
                new=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["archive"]["stats"]["deduplicated_size"])') ;;
        esac
        t1=$(now)
        size=$(stat -c %s "$f")
        cur=$(du -sb "$repo" | cut -f1)
        printf '%-3s %-22s %14s %14s %14s %8s %14s %7s\n' "$i" "$(basename "$f")" "$size" "$cur" "$((cur - prev))" \
            "$(awk -v g=$((cur - prev)) -v s="$size" 'BEGIN{printf "%.2f", 100*g/s}')" "${new:-?}" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')"
        prev=$cur
    done
    rm -rf "$repo"
done
echo
echo "# growth = change of du -sb of the repo (includes indexes, snapshots/archives metadata);"
echo "# growth% = growth / size of that version; 'tool: new' = restic data_added (before compression in 0.14)"
echo "# or borg deduplicated_size (after lz4 compression) for that backup."
