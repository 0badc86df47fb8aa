#!/usr/bin/env bash
# Brings up a working demo: a repo and a local "partner" directory under ./demo, mounted at ./demo/mnt.
#   mount-scripts/demo.sh         set up (idempotent) and mount
#   mount-scripts/demo.sh stop    unmount
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
demo="$root/demo"
pactfs="$root/mount-scripts/pactfs"
# The passphrase lives in a 0600 file, never on a command line (ps, shell history): --passphrase-file.
passfile="$demo/passphrase"

if [ "${1:-}" = "stop" ]; then
  "$pactfs" umount "$demo/mnt" && echo "demo unmounted; remove $demo to start over"
  exit 0
fi

"$root/mount-scripts/setup-debian.sh"
mkdir -p "$demo/partner" "$demo/mnt"
if [ ! -f "$passfile" ]; then
  (umask 077 && printf '%s\n' "${PACTFS_PASSPHRASE:-demo-passphrase}" > "$passfile")
fi
if [ ! -f "$demo/repo/config" ]; then
  "$pactfs" init --repo "$demo/repo" --partner "$demo/partner" --passphrase-file "$passfile"
fi
if grep -qs " $demo/mnt fuse" /proc/mounts; then
  echo "demo already mounted at $demo/mnt"
else
  echo "mounting $demo/mnt (the daemon first warms up for up to 10 s: --warm-up)"
  "$pactfs" mount --repo "$demo/repo" --passphrase-file "$passfile" "$demo/mnt"
fi
cat <<EOT

pactfs demo is mounted at $demo/mnt (repo $demo/repo, partner $demo/partner,
passphrase in $passfile, mode 0600: commands take it with --passphrase-file).

Try:
  tar -cf $demo/mnt/etc.tar /etc 2>/dev/null; tar -cf $demo/mnt/etc-again.tar /etc 2>/dev/null
  du -sh $demo/repo/packs                       # the second tar cost (almost) nothing
  cmp <(tar -cf - /etc 2>/dev/null) $demo/mnt/etc.tar && echo identical
  rsync -aHAX /usr/share/doc/ $demo/mnt/doc/
  $pactfs check --repo $demo/repo --passphrase-file $passfile --read-data
  $root/mount-scripts/demo.sh stop
EOT
