#!/bin/bash
# rss-20g.sh [GIB] — the mount daemon's resident memory while writing GIB (default 20) GiB of new data through it
# (issue "The mount": "the daemon's resident size stays under 1 GiB while writing 20 GiB").
#
# The data: /work/benchdata/usrlib.tar (or $SRC), passed through AES-CTR under a different IV each round, so every
# round is new to the store (nothing dedups; zstd finds nothing to compress, the feature index grows), written
# with dd bs=1M into one file of a fresh mount. Then the same GIB again under another name (all of it dedups).
# The daemon's VmRSS is sampled every second; VmHWM (the kernel's high-water mark) is reported at the end.
# Work directory under ${WORKDIR:-/var/tmp} (needs GIB GiB free); removed at the end unless -k.
set -euo pipefail
KEEP=0; [ "${1:-}" = "-k" ] && { KEEP=1; shift; }
GIB=${1:-20}
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
PACTFS=${PACTFS:-$here/../../mount-scripts/pactfs}
SRC=${SRC:-/work/benchdata/usrlib.tar}
command -v openssl >/dev/null || { echo "$0: needs openssl" >&2; exit 1; }
export PACTFS_PASSPHRASE=rss-bench
work=$(mktemp -d "${WORKDIR:-/var/tmp}/pactfs-rss.XXXXXX")
mnt=$work/mnt; mkdir -p "$mnt"
cleanup() {
    [ -z "${sampler:-}" ] || kill "$sampler" 2>/dev/null || true
    "$PACTFS" umount "$mnt" 2>/dev/null || fusermount -u -z "$mnt" 2>/dev/null || true
    [ $KEEP = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
"$PACTFS" init --repo "$work/repo" --key-file "$work/key" >/dev/null
"$PACTFS" mount --repo "$work/repo" --key-file "$work/key" "$mnt" >"$work/mount.out" 2>&1 || { cat "$work/mount.out" >&2; exit 1; }
pid=$(pgrep -f -- "mount --foreground --repo $work/repo" | head -1)
[ -n "$pid" ] || { echo "$0: no daemon pid" >&2; exit 1; }
src_bytes=$(stat -c %s "$SRC")
rounds=$(( (GIB * 1073741824 + src_bytes - 1) / src_bytes ))
stream() { # the same GIB of pseudo-random data each time it is called; head ends the last openssl early
    ( set +o pipefail
      for i in $(seq 1 "$rounds"); do
          openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv "$(printf '%032x' "$i")" \
              -in "$SRC" 2>/dev/null || true
      done | head -c $((GIB * 1073741824)) )
}
( max=0; while kill -0 "$pid" 2>/dev/null; do
      r=$(awk '/VmRSS/{print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
      [ "${r:-0}" -gt "$max" ] && max=$r
      echo "$max" > "$work/rss.max"; sleep 1
  done ) & sampler=$!
echo "# rss-20g.sh $(date -u '+%F %T') UTC, $GIB GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
for name in first second; do
    t0=$(date +%s.%N)
    stream | dd of="$mnt/$name.bin" bs=1M iflag=fullblock conv=fsync status=none
    t1=$(date +%s.%N)
    printf '%-7s write: %d GiB in %.0f s (%.0f MB/s), daemon max VmRSS so far %d MiB\n' "$name" "$GIB" \
        "$(echo "$t1 - $t0" | bc)" "$(echo "$GIB * 1073.741824 / ($t1 - $t0)" | bc -l)" $(( $(cat "$work/rss.max") / 1024 ))
done
hwm=$(awk '/VmHWM/{print $2}' /proc/"$pid"/status)
echo "daemon VmHWM (peak resident) after $((2 * GIB)) GiB written: $((hwm / 1024)) MiB (bar < 1024), load $(cut -d' ' -f1-3 /proc/loadavg)"
du -sh "$work/repo" | sed 's/^/repo on disk: /'
