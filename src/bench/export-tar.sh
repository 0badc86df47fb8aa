#!/bin/bash
# export-tar's speed against GNU tar reading the mount's .snapshots (decision 0006). Needs root (FUSE) and a built
# jar. Data: 48 random files of 4 MB and 2000 of 2 kB (196 MB). Every archive goes through `| cat` because GNU tar
# skips reading files when its output is /dev/null. Usage: export-tar.sh [WORKDIR]
set -e
L=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)/mount-scripts/pactfs
B=${1:-/tmp/pactfs-bench-export}; R=$B/repo; M=$B/mnt; K=$B/k.key
rm -rf $R $M $K; mkdir -p $M
export PACTFS_PASSPHRASE=bench-passphrase-xyz
$L init --repo $R --key-file $K >/dev/null
$L mount --repo $R --key-file $K --warm-up=0 $M
trap "$L umount $M || true" EXIT
mkdir -p $M/d/small
for i in $(seq 1 48); do head -c 4000000 /dev/urandom > $M/d/big$i; done
for i in $(seq 1 2000); do head -c 2000 /dev/urandom > $M/d/small/f$i; done
$L snapshot create --repo $R --name s1 >/dev/null
sync; du -sb $M/d | cut -f1 > $B/size
t() { local s=$(date +%s.%N); "$@"; local e=$(date +%s.%N); echo "$(echo "$e - $s" | bc)"; }
for run in 1 2; do
echo "mounted export-tar - : $(t bash -c "$L export-tar --repo $R s1:/d - | cat > /dev/null")"
echo "tar of the mount .snapshots: $(t bash -c "tar -cf - -C $M/.snapshots/s1 d | cat > /dev/null")"
echo "mounted export-tar file: $(t bash -c "$L export-tar --repo $R s1:/d $B/out.tar >/dev/null; rm -f $B/out.tar")"
done
$L umount $M; trap - EXIT
for run in 1 2; do
echo "unmounted export-tar - : $(t bash -c "$L export-tar --repo $R --key-file $K s1:/d - | cat > /dev/null")"
done
echo "unmounted ls -R: $(t bash -c "$L ls --repo $R --key-file $K s1:/d --recursive >/dev/null")"
echo "bytes: $(cat $B/size)"
rm -rf $R $K $B/size
