#!/bin/sh
# Install pactfs: the jar, the launcher, the mount(8) helper and the systemd unit.
#
#   sudo mount-scripts/install.sh                 # into /usr/local, /sbin, /etc/systemd/system
#   DESTDIR=/tmp/root mount-scripts/install.sh    # staged install (packaging, tests)
#   mount-scripts/install.sh --uninstall
#
# Variables (environment or VAR=value arguments):
#   DESTDIR   staging root prepended to every path        (default: empty)
#   PREFIX    launcher, jar and docs                      (default: /usr/local)
#   LIBDIR    the jar: PREFIX/lib/pactfs or PREFIX/share/pactfs, where the launcher looks (default: the first)
#   CDSDIR    where the launcher keeps its class-data archive (default: beside the jar)
#   SBINDIR   mount(8) helpers; mount(8) looks in /sbin   (default: /sbin)
#   UNITDIR   systemd units                               (default: /etc/systemd/system)
#   FUSERMOUNT  fusermount the service runs to detach a stale mount (default: the one on PATH)
#   JAR       the jar to install (default: target/pactfs.jar of this checkout,
#             built with "mvn -DskipTests package" when missing)
#
# Installs:
#   $PREFIX/lib/pactfs/pactfs.jar
#   $PREFIX/lib/pactfs/put-jit.json         JIT directives the launcher gives `pactfs put`
#   $PREFIX/lib/pactfs/pactfs-*.jsa         class-data sharing archive (made by the launcher's first run;
#                                           not staged: it records the jar's final path)
#   $PREFIX/bin/pactfs                      launcher (java -jar ../lib/pactfs/pactfs.jar)
#   $SBINDIR/mount.pactfs                   mount -t pactfs
#   $SBINDIR/mount.fuse.pactfs -> mount.pactfs   fstab type fuse.pactfs
#   $SBINDIR/umount.pactfs, umount.fuse.pactfs -> mount.pactfs   umount(8) waits for the daemon's commit
#   $UNITDIR/pactfs@.service
#   $UNITDIR/pactfs-{prune,check,audit}@.{service,timer}   the routine on a schedule
#   $PREFIX/share/doc/pactfs/systemd.md
set -eu

uninstall=0
for arg in "$@"; do
    case $arg in
        --uninstall) uninstall=1 ;;
        DESTDIR=*) DESTDIR=${arg#*=} ;;
        PREFIX=*) PREFIX=${arg#*=} ;;
        LIBDIR=*) LIBDIR=${arg#*=} ;;
        CDSDIR=*) CDSDIR=${arg#*=} ;;
        SBINDIR=*) SBINDIR=${arg#*=} ;;
        UNITDIR=*) UNITDIR=${arg#*=} ;;
        JAR=*) JAR=${arg#*=} ;;
        FUSERMOUNT=*) FUSERMOUNT=${arg#*=} ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
SBINDIR=${SBINDIR:-/sbin}
UNITDIR=${UNITDIR:-/etc/systemd/system}
BINDIR=$PREFIX/bin
LIBDIR=${LIBDIR:-$PREFIX/lib/pactfs}
CDSDIR=${CDSDIR:-}
case $LIBDIR in
    "$PREFIX/lib/pactfs"|"$PREFIX/share/pactfs") ;;
    *) echo "install.sh: LIBDIR must be $PREFIX/lib/pactfs or $PREFIX/share/pactfs (the launcher looks there)" >&2; exit 2 ;;
esac
DOCDIR=$PREFIX/share/doc/pactfs

here=$(cd "$(dirname "$0")" && pwd -P)
TIMED="pactfs-prune@ pactfs-check@ pactfs-audit@"
root=$(cd "$here/.." && pwd -P)

if [ "$uninstall" = 1 ]; then
    rm -f "$DESTDIR$LIBDIR/pactfs.jar" "$DESTDIR$LIBDIR/put-jit.json" "$DESTDIR$BINDIR/pactfs" \
          "$DESTDIR$SBINDIR/mount.pactfs" "$DESTDIR$SBINDIR/mount.fuse.pactfs" \
          "$DESTDIR$SBINDIR/umount.pactfs" "$DESTDIR$SBINDIR/umount.fuse.pactfs" \
          "$DESTDIR$UNITDIR/pactfs@.service" "$DESTDIR$DOCDIR/systemd.md" \
          "$DESTDIR$LIBDIR"/pactfs-*.jsa "$DESTDIR$LIBDIR/pactfs.jsa.lock"
    for u in $TIMED; do rm -f "$DESTDIR$UNITDIR/$u.service" "$DESTDIR$UNITDIR/$u.timer"; done
    [ -z "$CDSDIR" ] || rm -f "$DESTDIR$CDSDIR"/pactfs-*.jsa "$DESTDIR$CDSDIR/pactfs.jsa.lock"
    rmdir "$DESTDIR$LIBDIR" "$DESTDIR$DOCDIR" 2>/dev/null || true
    echo "pactfs uninstalled from ${DESTDIR:-/}"
    exit 0
fi

JAR=${JAR:-$root/target/pactfs.jar}
if [ ! -f "$JAR" ]; then
    echo "install.sh: $JAR missing, building it" >&2
    (cd "$root" && { mvn -q -o -DskipTests package || mvn -q -DskipTests package; }) >&2
fi
[ -f "$JAR" ] || { echo "install.sh: no jar at $JAR" >&2; exit 1; }

fusermount=${FUSERMOUNT:-$(command -v fusermount 2>/dev/null || echo /bin/fusermount)}

subst() { # src dest mode
    sed -e "s|@BINDIR@|$BINDIR|g" -e "s|@DOCDIR@|$DOCDIR|g" -e "s|@FUSERMOUNT@|$fusermount|g" \
        -e "s|@CDSDIR@|$CDSDIR|g" "$1" > "$2.tmp.$$"
    chmod "$3" "$2.tmp.$$"
    mv -f "$2.tmp.$$" "$2"
}

mkdir -p "$DESTDIR$LIBDIR" "$DESTDIR$BINDIR" "$DESTDIR$SBINDIR" "$DESTDIR$UNITDIR" "$DESTDIR$DOCDIR"
cp "$JAR" "$DESTDIR$LIBDIR/pactfs.jar.tmp.$$"
chmod 0644 "$DESTDIR$LIBDIR/pactfs.jar.tmp.$$"
mv -f "$DESTDIR$LIBDIR/pactfs.jar.tmp.$$" "$DESTDIR$LIBDIR/pactfs.jar"
cp "$here/put-jit.json" "$DESTDIR$LIBDIR/put-jit.json"
chmod 0644 "$DESTDIR$LIBDIR/put-jit.json"
subst "$here/pactfs" "$DESTDIR$BINDIR/pactfs" 0755
subst "$here/mount.pactfs" "$DESTDIR$SBINDIR/mount.pactfs" 0755
ln -sf mount.pactfs "$DESTDIR$SBINDIR/mount.fuse.pactfs"
ln -sf mount.pactfs "$DESTDIR$SBINDIR/umount.pactfs"
ln -sf mount.pactfs "$DESTDIR$SBINDIR/umount.fuse.pactfs"
subst "$here/pactfs@.service" "$DESTDIR$UNITDIR/pactfs@.service" 0644
for u in $TIMED; do
    subst "$here/$u.service" "$DESTDIR$UNITDIR/$u.service" 0644
    subst "$here/$u.timer" "$DESTDIR$UNITDIR/$u.timer" 0644
done
if [ -f "$root/docs/systemd.md" ]; then
    cp "$root/docs/systemd.md" "$DESTDIR$DOCDIR/systemd.md"
    chmod 0644 "$DESTDIR$DOCDIR/systemd.md"
fi

if [ -z "$DESTDIR" ]; then
    [ -z "$CDSDIR" ] || mkdir -p "$CDSDIR"
    # The launcher makes its class-data sharing archive beside the jar on its first run: do it now, as the user who
    # can write there, so that later runs by anyone start faster.
    "$BINDIR/pactfs" --version >/dev/null 2>&1 || true
fi

echo "pactfs installed into ${DESTDIR:-/}:"
echo "  $BINDIR/pactfs, $LIBDIR/pactfs.jar, $LIBDIR/put-jit.json"
echo "  $SBINDIR/mount.pactfs, $SBINDIR/mount.fuse.pactfs, $SBINDIR/umount.pactfs, $SBINDIR/umount.fuse.pactfs"
echo "  $UNITDIR/pactfs@.service, $UNITDIR/pactfs-{prune,check,audit}@.{service,timer}"
if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
