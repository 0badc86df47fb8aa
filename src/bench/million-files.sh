#!/bin/bash
# million-files.sh [-t SECONDS] [-j WRITERS] [-o OUT] [N] — the mount daemon's memory while N (default 1 000 000)
# small files are written through it (issue 15: "the daemon's memory stays under 1 GiB while writing 1 million
# small files").
#
# A fresh repo and mount (the launcher's defaults: -Xmx640m, G1). The files: 1 000 per directory (MNT/m/dNNNN/),
# 64 B–4 KiB each of random bytes (nothing dedups), written by WRITERS (default 4) python processes, one directory
# at a time each (open O_CREAT|O_EXCL, write, close: what cp, rsync and tar -x do per file). Every 10 s a line:
# files written, rate over the interval, the daemon's VmRSS and VmHWM (/proc/PID/status), the heap in use and
# committed (jcmd GC.heap_info), the heap after the last GC (the daemon runs with -Xlog:gc to WORK/gc-PID.log,
# through PACTFS_JAVA_OPTS; after a young GC this still counts old-generation garbage) and, every 5 minutes and at
# the end, the live set (jcmd GC.class_histogram: a full GC, then the bytes of every live object), the repo's
# size. -t stops the writers after SECONDS (whatever N they reached); the summary then says how far it got.
# Output to OUT (default docs/bench-results/million-files-DATE.txt) and stdout. Work directory under
# ${WORKDIR:-/var/tmp} (the repo needs ~4 KiB per file), removed at the end unless -k.
set -euo pipefail
KEEP=0; LIMIT=0; WRITERS=4; OUT=
while getopts "kt:j:o:" o; do
    case $o in
        k) KEEP=1 ;; t) LIMIT=$OPTARG ;; j) WRITERS=$OPTARG ;; o) OUT=$OPTARG ;;
        *) echo "usage: $0 [-k] [-t SECONDS] [-j WRITERS] [-o OUT] [N]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
N=${1:-1000000}
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
root=$(cd "$here/../.." && pwd)
PACTFS=${PACTFS:-$root/mount-scripts/pactfs}
OUT=${OUT:-$root/docs/bench-results/million-files-$(date -u +%F).txt}
command -v jcmd >/dev/null || { echo "$0: needs jcmd (a JDK)" >&2; exit 1; }
work=$(mktemp -d "${WORKDIR:-/var/tmp}/pactfs-million.XXXXXX")
mnt=$work/mnt; mkdir -p "$mnt"
cleanup() {
    [ -z "${writer:-}" ] || kill "$writer" 2>/dev/null || true
    if grep -qs " $mnt fuse" /proc/mounts; then
        timeout 600 "$PACTFS" umount "$mnt" >/dev/null 2>&1 || fusermount -u -z "$mnt" 2>/dev/null || true
    fi
    [ $KEEP = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
: > "$OUT"
say() { echo "$*" | tee -a "$OUT"; }

"$PACTFS" init --repo "$work/repo" --key-file "$work/key" >/dev/null
# The daemon (a re-run of the same JVM arguments) logs each GC's heap before -> after to its own file.
PACTFS_JAVA_OPTS="${PACTFS_JAVA_OPTS:-} -Xlog:gc:file=$work/gc-%p.log" \
    "$PACTFS" mount --repo "$work/repo" --key-file "$work/key" --warm-up=0 "$mnt" >"$work/mount.out" 2>&1 ||
    { cat "$work/mount.out" >&2; exit 1; }
pid=$(pgrep -f -- "mount --foreground .*$work/mnt" | head -1 || true)
[ -n "$pid" ] || { echo "$0: no daemon pid" >&2; exit 1; }

# The writer: one directory of 1 000 files per task; prints the total after each directory.
cat > "$work/writer.py" <<'EOF'
import os, sys, time, multiprocessing as mp
top, n, writers, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
PER_DIR = 1000
def one_dir(d):
    rnd = os.urandom(4096 + PER_DIR)
    path = os.path.join(top, "d%04d" % d)
    os.mkdir(path)
    count = min(PER_DIR, n - d * PER_DIR)
    for i in range(count):
        size = 64 + (d * 7919 + i * 104729) % (4096 - 64)
        fd = os.open(os.path.join(path, "f%04d" % i), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.write(fd, b"%d/%d\n" % (d, i) + rnd[i:i + size])
        os.close(fd)
    return count
if __name__ == "__main__":
    os.mkdir(top)
    t0 = time.time()
    dirs = (n + PER_DIR - 1) // PER_DIR
    done = 0
    # Rounds of one directory per writer, so that the time limit is checked between rounds (imap would take the
    # whole task list at once).
    with mp.Pool(writers) as pool:
        for first in range(0, dirs, writers):
            if limit > 0 and time.time() - t0 > limit:
                break
            for c in pool.imap_unordered(one_dir, range(first, min(dirs, first + writers))):
                done += c
                print(done, flush=True)
EOF
say "# million-files.sh $(date -u '+%F %T') UTC: N=$N, $WRITERS writers, limit ${LIMIT}s, $(nproc) cores," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
say "# daemon pid $pid: $(tr '\0' ' ' < /proc/$pid/cmdline | grep -o -- '-Xmx[^ ]*\|-XX:MaxDirectMemorySize=[^ ]*\|-XX:+Use[A-Za-z0-9]*GC' | tr '\n' ' ')"
t0=$(date +%s)
python3 "$work/writer.py" "$mnt/m" "$N" "$WRITERS" "$LIMIT" > "$work/progress" 2>"$work/writer.err" & writer=$!

gc_after() { # heap after the last GC, MiB, from the daemon's GC log ("... 312M->87M(400M) ...")
    local f=$work/gc-$pid.log
    [ -f "$f" ] && grep -o '[0-9]*M->[0-9]*M' "$f" | tail -1 | sed 's/.*->\([0-9]*\)M/\1/' || echo -
}
gc_after_max() {
    local f=$work/gc-$pid.log
    [ -f "$f" ] && grep -o '[0-9]*M->[0-9]*M' "$f" | sed 's/.*->\([0-9]*\)M/\1/' | sort -n | tail -1 || echo -
}
heap_info() { # used/committed MiB of the G1 heap right now
    jcmd "$pid" GC.heap_info 2>/dev/null | awk '/garbage-first heap/ {
        for (i = 1; i <= NF; i++) { if ($i == "total") t = $(i+1); if ($i == "used") u = $(i+1) }
        gsub(/[K,]/, "", t); gsub(/[K,]/, "", u); printf "%d/%d", u / 1024, t / 1024 }'
}
live_set() { # MiB of live objects after a full GC
    jcmd "$pid" GC.class_histogram 2>/dev/null | awk '/^Total/ { printf "%d", $3 / 1048576 }'
}
sample() {
    local now files rss hwm live=-
    now=$(( $(date +%s) - t0 ))
    files=$(tail -1 "$work/progress" 2>/dev/null); files=${files:-0}
    rss=$(awk '/VmRSS/{print int($2/1024)}' /proc/"$pid"/status 2>/dev/null || echo -)
    hwm=$(awk '/VmHWM/{print int($2/1024)}' /proc/"$pid"/status 2>/dev/null || echo -)
    if [ "${1:-}" = live ] || [ $(( now / 300 )) -gt "${last_live:-0}" ]; then
        live=$(live_set); last_live=$(( now / 300 ))
    fi
    printf '%6d %8d %7.0f %6s %6s %9s %6s %5s %7d %s\n' "$now" "$files" \
        "$(echo "($files - ${last_files:-0}) / ($now - ${last_now:-0} + 0.001)" | bc -l)" "$rss" "$hwm" \
        "$(heap_info)" "$(gc_after)" "$live" "$(( $(du -sm "$work/repo" | cut -f1) ))" "$(cut -d' ' -f1 /proc/loadavg)" |
        tee -a "$OUT"
    last_files=$files; last_now=$now
}
say "# time_s    files  files/s rss_MiB hwm_MiB heap_used/committed_MiB heap_after_gc_MiB live_MiB repo_MiB load"
while kill -0 "$writer" 2>/dev/null; do
    sleep 10
    sample
done
wait "$writer" || { cat "$work/writer.err" >&2; say "# the writer failed: $(tail -1 "$work/writer.err")"; }
hwm=$(awk '/VmHWM/{print int($2/1024)}' /proc/"$pid"/status) # before the full GC of the last sample
sample live
t1=$(date +%s)
files=$(tail -1 "$work/progress" 2>/dev/null); files=${files:-0}
say "# written: $files of $N files in $((t1 - t0)) s ($(( files / (t1 - t0 > 0 ? t1 - t0 : 1) )) files/s);" \
    "daemon VmHWM (peak resident) $hwm MiB (bar < 1024); heap after GC: last $(gc_after) MiB, max $(gc_after_max) MiB;" \
    "repo $(du -sm "$work/repo" | cut -f1) MiB (catalog $(du -cm "$work"/repo/*.mv.db 2>/dev/null | tail -1 | cut -f1) MiB)"
u0=$(date +%s)
timeout 600 "$PACTFS" umount "$mnt" >/dev/null 2>&1 && say "# umount (catalog close and compaction) took $(( $(date +%s) - u0 )) s" ||
    say "# umount failed or took over 600 s"
