#!/usr/bin/env bash
# The .deb as an admin uses it, on a Debian 12 machine that can spare its /etc/fstab and /srv (src/test/fresh-debian.sh
# runs it in its fresh root, after README's two commands): build it with Maven, install it with apt (which pulls what
# it depends on and removes nothing), create a repo with a machine key, mount it from an fstab line that uses daemon
# options, write, umount (which returns once the daemon has committed), mount again and read, then remove the package:
# the repo, the key and the data in it are still there. Root only.
#   src/test/deb-fstab.sh
set -euo pipefail
die() { echo "deb-fstab: $*" >&2; exit 1; }
step() { echo "deb-fstab: $*" >&2; }
[ "$(id -u)" -eq 0 ] || die "run as root"
repo_dir=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$repo_dir"

step "building the .deb"
mvn -B -q -o -Pdeb -DskipTests package || mvn -B -q -Pdeb -DskipTests package
debs=(target/pactfs_*_all.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || die "expected one target/pactfs_*_all.deb, found: ${debs[*]}"

step "apt-get install ./${debs[0]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-remove "./${debs[0]}"
for f in /usr/bin/pactfs /usr/sbin/mount.pactfs /usr/sbin/mount.fuse.pactfs /usr/sbin/umount.fuse.pactfs \
         /lib/systemd/system/pactfs@.service /lib/systemd/system/pactfs-prune@.timer; do
  [ -e "$f" ] || die "$f not installed"
done
ls /var/cache/pactfs/pactfs-*.jsa >/dev/null 2>&1 || die "postinst made no class-data archive in /var/cache/pactfs"
pactfs --version

repo=/var/lib/pactfs/fresh
key=/etc/pactfs/fresh.key
mnt=/srv/pactfs-fresh
[ ! -e "$repo" ] || die "$repo exists already: not this script's to use"
install -d -m 0700 /etc/pactfs /var/lib/pactfs
install -d "$mnt"
PACTFS_PASSPHRASE=fresh-debian-passphrase pactfs init --repo "$repo" --key-file "$key" >/dev/null
cp /etc/fstab /etc/fstab.pactfs-saved
restore_fstab() { mv -f /etc/fstab.pactfs-saved /etc/fstab; umount "$mnt" 2>/dev/null || true; }
trap restore_fstab EXIT
echo "$repo $mnt fuse.pactfs defaults,_netdev,key_file=$key,snapshot_when_idle=1h,warm_up=1s 0 0" >>/etc/fstab

step "mount $mnt (fstab)"
mount "$mnt"
grep -q " $mnt fuse.pactfs " /proc/mounts || die "mount returned but $mnt is not a fuse.pactfs mount"
tr -d '\n' </proc/"$(cat "$repo/mount.pid")"/cmdline | grep -q -- '--snapshot-when-idle=1h' \
  || die "the fstab option snapshot_when_idle=1h did not reach the daemon"
cp -a /usr/share/doc/pactfs "$mnt/doc"
echo "through the .deb" >"$mnt/hello"

step "umount $mnt"
pid=$(cat "$repo/mount.pid")
umount "$mnt"
! kill -0 "$pid" 2>/dev/null || die "umount returned while the daemon (pid $pid) still ran"

step "mount again and read"
mount "$mnt"
[ "$(cat "$mnt/hello")" = "through the .deb" ] || die "hello lost across umount/mount"
diff -r /usr/share/doc/pactfs "$mnt/doc" || die "the copied tree differs after a remount"
umount "$mnt"

step "apt-get remove pactfs"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq pactfs
[ ! -e /usr/bin/pactfs ] && [ ! -e /var/cache/pactfs ] || die "the package left /usr/bin/pactfs or /var/cache/pactfs"
[ -f "$key" ] && [ -f "$repo/config" ] || die "removing the package touched the repo or the key"
rm -rf "$repo" "$key" "$mnt"
step "passed"
