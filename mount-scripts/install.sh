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
#   SBINDIR   mount(8) helpers; mount(8) looks in /sbin   (default: /sbin)
#   UNITDIR   systemd units                               (default: /etc/systemd/system)
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
#   $UNITDIR/pactfs@.service
#   $PREFIX/share/doc/pactfs/systemd.md
set -eu

uninstall=0
for arg in "$@"; do
    case $arg in
        --uninstall) uninstall=1 ;;
        DESTDIR=*) DESTDIR=${arg#*=} ;;
        PREFIX=*) PREFIX=${arg#*=} ;;
        SBINDIR=*) SBINDIR=${arg#*=} ;;
        UNITDIR=*) UNITDIR=${arg#*=} ;;
        JAR=*) JAR=${arg#*=} ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
SBINDIR=${SBINDIR:-/sbin}
UNITDIR=${UNITDIR:-/etc/systemd/system}
BINDIR=$PREFIX/bin
LIBDIR=$PREFIX/lib/pactfs
DOCDIR=$PREFIX/share/doc/pactfs

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/.." && pwd -P)

if [ "$uninstall" = 1 ]; then
    rm -f "$DESTDIR$LIBDIR/pactfs.jar" "$DESTDIR$LIBDIR/put-jit.json" "$DESTDIR$BINDIR/pactfs" \
          "$DESTDIR$SBINDIR/mount.pactfs" "$DESTDIR$SBINDIR/mount.fuse.pactfs" \
          "$DESTDIR$UNITDIR/pactfs@.service" "$DESTDIR$DOCDIR/systemd.md" \
          "$DESTDIR$LIBDIR"/pactfs-*.jsa "$DESTDIR$LIBDIR/pactfs.jsa.lock"
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

fusermount=$(command -v fusermount 2>/dev/null || echo /bin/fusermount)

subst() { # src dest mode
    sed -e "s|@BINDIR@|$BINDIR|g" -e "s|@DOCDIR@|$DOCDIR|g" -e "s|@FUSERMOUNT@|$fusermount|g" "$1" > "$2.tmp.$$"
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
subst "$here/pactfs@.service" "$DESTDIR$UNITDIR/pactfs@.service" 0644
if [ -f "$root/docs/systemd.md" ]; then
    cp "$root/docs/systemd.md" "$DESTDIR$DOCDIR/systemd.md"
    chmod 0644 "$DESTDIR$DOCDIR/systemd.md"
fi

if [ -z "$DESTDIR" ]; then
    # The launcher makes its class-data sharing archive beside the jar on its first run: do it now, as the user who
    # can write there, so that later runs by anyone start faster.
    "$BINDIR/pactfs" --version >/dev/null 2>&1 || true
fi

echo "pactfs installed into ${DESTDIR:-/}:"
echo "  $BINDIR/pactfs, $LIBDIR/pactfs.jar, $LIBDIR/put-jit.json"
echo "  $SBINDIR/mount.pactfs, $SBINDIR/mount.fuse.pactfs"
echo "  $UNITDIR/pactfs@.service"
if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
