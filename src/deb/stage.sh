#!/usr/bin/env bash
# Lays out the .deb's files in TARGET/deb/root for jdeb (pom.xml, profile deb): install.sh's files in Debian's
# places, the man pages and bash completion generated from the command line's model, and the docs.
#   src/deb/stage.sh [TARGET]        (default: target/ of this checkout; TARGET/pactfs.jar must exist)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
target=${1:-$root/target}
jar=$target/pactfs.jar
[ -f "$jar" ] || { echo "stage.sh: no $jar: build it first (mvn -DskipTests package)" >&2; exit 1; }
stage=$target/deb/root
rm -rf "$target/deb"
mkdir -p "$stage"

# /bin/fusermount: fuse (2) ships it there and fuse3 as /usr/bin/fusermount, the same file on bookworm's merged /usr.
"$root/mount-scripts/install.sh" DESTDIR="$stage" PREFIX=/usr LIBDIR=/usr/share/pactfs CDSDIR=/var/cache/pactfs \
    SBINDIR=/usr/sbin UNITDIR=/lib/systemd/system FUSERMOUNT=/bin/fusermount JAR="$jar" >/dev/null

man=$stage/usr/share/man/man1
java -cp "$jar" dev.pactfs.cli.ManPages "$man"
gzip -9n "$man"/*.1

completions=$stage/usr/share/bash-completion/completions
mkdir -p "$completions"
java -cp "$jar" picocli.AutoComplete --force --name=pactfs --completionScript="$completions/pactfs" dev.pactfs.cli.Main

cp "$root/docs/admin-guide.md" "$root/README.md" "$stage/usr/share/doc/pactfs/"
