#!/usr/bin/env bash
# README's two commands on a fresh Debian 12, as a newcomer runs them:
#   src/test/fresh-debian.sh [ARGS for run-tests.sh]     (root; e.g. -Dtest=SetupScriptTest to try one test)
# Builds a clean bookworm root with debootstrap under /var/tmp (the mirror is taken from this host's apt sources,
# which are copied in with its apt configuration), installs what README says a user has beforehand (Java 17 JDK
# and Maven), binds /proc, /sys, /dev and this checkout into it, and runs there
#   mount-scripts/demo.sh; mount-scripts/demo.sh stop; mount-scripts/run-tests.sh
# and then installs the .deb as an admin would and mounts a repo from an fstab line (src/test/deb-fstab.sh:
# mvn -Pdeb package, apt-get install ./target/pactfs_*.deb, mount/umount from /etc/fstab, apt-get remove).
# Everything runs in a private mount namespace: whatever the steps mount is unmounted on exit (and cannot leak
# to the host if that fails). The root is deleted afterwards unless FRESH_DEBIAN_KEEP=1. Logs and timings go to
# target/fresh-debian/. It never removes a package (apt-get --no-remove).
set -euo pipefail
die() { echo "fresh-debian: $*" >&2; exit 1; }
# Exit 75 (EX_TEMPFAIL): the fresh root could not be built (no mirror, no network), before any pactfs step ran.
# .ci/run then runs the suite on the host instead and says so; a failing pactfs step is exit 1, never 75.
unavailable() { echo "fresh-debian: $*" >&2; exit 75; }
self=$(readlink -f "$0")
repo=$(cd "$(dirname "$self")/../.." && pwd)
logs="$repo/target/fresh-debian"
suite=bookworm

if [ "${FRESH_DEBIAN_INNER:-}" != 1 ]; then
  # ---- on the host ----
  [ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot and FUSE mounts need it)"
  [ -e /dev/fuse ] || die "/dev/fuse is missing: load the fuse module (modprobe fuse)"
  command -v unshare >/dev/null || die "unshare (util-linux) is missing"
  mkdir -p "$logs"
  if ! command -v debootstrap >/dev/null; then
    echo "fresh-debian: installing debootstrap on the host" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-remove debootstrap; } \
      >"$logs/host-debootstrap-install.log" 2>&1 \
      || unavailable "apt-get could not install debootstrap on the host without removing a package: see $logs/host-debootstrap-install.log"
  fi
  work=$(mktemp -d /var/tmp/pactfs-fresh-debian.XXXXXX)
  cleanup_host() {
    local rc=$?
    if awk -v w="$work" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
      echo "fresh-debian: something is still mounted under $work on the host: not deleting it" >&2
    elif [ "${FRESH_DEBIAN_KEEP:-}" = 1 ]; then
      echo "fresh-debian: root kept at $work/root" >&2
    else
      rm -rf --one-file-system "$work" || echo "fresh-debian: could not delete $work" >&2
    fi
    exit "$rc"
  }
  trap cleanup_host EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  FRESH_DEBIAN_INNER=1 FRESH_DEBIAN_ROOT="$work/root" unshare --mount --propagation private bash "$self" "$@"
  exit 0
fi

# ---- inside a private mount namespace ----
r=$FRESH_DEBIAN_ROOT
mkdir -p "$r"
: >"$logs/times"
note() { echo "fresh-debian: $*" | tee -a "$logs/times" >&2; }

# Processes started inside the root (a demo daemon, sshd) end by pid, then everything under the root is unmounted,
# last mounted first, each with a timeout (lazily if a plain unmount does not succeed).
cleanup_root() {
  local rc=$? pids=() p m alive left=0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$r" ] && pids+=("${p#/proc/}")
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 20); do
      alive=0
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ $alive -eq 1 ] || break
      sleep 0.5
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  while read -r m; do
    m=$(printf '%b' "$m")
    timeout 30 umount "$m" 2>/dev/null || timeout 30 umount -l "$m" 2>/dev/null \
      || { echo "fresh-debian: could not unmount $m" >&2; left=1; }
  done < <(awk -v r="$r" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | tac)
  [ $left -eq 0 ] || rc=1
  exit "$rc"
}
trap cleanup_root EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# The archive mirror: the first enabled "deb" source of this host for $suite (one-line or deb822 format).
host_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                                     if ($(i + 1) == s) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '
      function flush() { if (!done && types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ") && enabled != "no" && uri != "") { print uri; done = 1; exit }
                         types = suites = uri = enabled = "" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:" { $1 = ""; types = substr($0, 2) }
      tolower($1) == "suites:" { $1 = ""; suites = substr($0, 2) }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { flush() }' "$f"
  done
}
mirror=$(host_mirror | head -n 1)
[ -n "$mirror" ] || unavailable "no enabled '$suite' deb source in /etc/apt/sources.list{,.d/} to take the mirror from"
# debootstrap does not read apt.conf: give it the proxy apt is configured with, if any.
eval "$(apt-config shell http_proxy Acquire::http::Proxy https_proxy Acquire::https::Proxy)"
[ -z "${http_proxy:-}" ] || export http_proxy
[ -z "${https_proxy:-}" ] || export https_proxy

start=$SECONDS
note "debootstrap $suite from $mirror into $r"
timeout 600 debootstrap "$suite" "$r" "$mirror" >"$logs/debootstrap.log" 2>&1 \
  || unavailable "debootstrap failed: see $logs/debootstrap.log"
note "debootstrap took $((SECONDS - start)) s"

# The host's apt sources and configuration (and the keyrings its sources name), instead of debootstrap's list.
rm -f "$r/etc/apt/sources.list"
[ ! -f /etc/apt/sources.list ] || cp -L /etc/apt/sources.list "$r/etc/apt/"
cp -L /etc/apt/sources.list.d/* "$r/etc/apt/sources.list.d/" 2>/dev/null || true
cp -L /etc/apt/apt.conf.d/* "$r/etc/apt/apt.conf.d/" 2>/dev/null || true
cp -L /etc/apt/trusted.gpg.d/* "$r/etc/apt/trusted.gpg.d/" 2>/dev/null || true
for k in $(sed -n 's/.*[Ss]igned-[Bb]y[:=] *\([^] ]*\).*/\1/p' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | sort -u); do
  [ ! -f "$k" ] || [ -e "$r$k" ] || { mkdir -p "$r$(dirname "$k")"; cp -L "$k" "$r$k"; }
done
cp -L /etc/resolv.conf "$r/etc/resolv.conf"
# The host's own local certificate authorities (a site's TLS-inspecting proxy, as this host's egress has), which
# its apt and Maven trust: the root trusts them too once ca-certificates is installed (update-ca-certificates below),
# or Maven in the root cannot download a plugin the host's cache lacks (PKIX path building failed).
mkdir -p "$r/usr/local/share/ca-certificates"
cp -rL /usr/local/share/ca-certificates/. "$r/usr/local/share/ca-certificates/" 2>/dev/null || true
# A chroot has no init: keep packages' postinst scripts from starting their services (sshd) inside it, as
# every chroot build does; the tests start their own sshd.
printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
chmod +x "$r/usr/sbin/policy-rc.d"

# The root a mount point of its own, as / is on a real machine: in a plain chroot /proc/self/mounts lists no "/",
# and Java's Files.getFileStore (pactfs init uses it) fails with "Mount point not found".
mount --bind "$r" "$r"
mount -t proc proc "$r/proc"
mount --bind /sys "$r/sys"
mount --bind /dev "$r/dev"
mount --bind /dev/pts "$r/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
mount -t tmpfs -o mode=755 tmpfs "$r/run"
mkdir -p "$r/root/pactfs" "$r/root/.m2"
mount --bind "$repo" "$r/root/pactfs"
# The host's Maven local repository, as a cache only: a user's Maven downloads the same artifacts from Maven
# Central on the first build; binding it keeps CI's time (and works offline). Not a set-up step a user would lack.
[ ! -d "$HOME/.m2" ] || mount --bind "$HOME/.m2" "$r/root/.m2"

# A root login's environment, nothing inherited from CI.
in_root=(chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)

start=$SECONDS
timeout 600 "${in_root[@]}" bash -c 'set -euo pipefail; apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-remove openjdk-17-jdk-headless maven
  update-ca-certificates' \
  >"$logs/install.log" 2>&1 || unavailable "installing Java 17 and Maven in the root failed: see $logs/install.log"
note "in-root install of openjdk-17-jdk-headless and maven took $((SECONDS - start)) s"

start=$SECONDS
timeout 900 "${in_root[@]}" bash -c 'set -euo pipefail; cd /root/pactfs; mount-scripts/demo.sh; mount-scripts/demo.sh stop' \
  >"$logs/demo.log" 2>&1 || die "mount-scripts/demo.sh (or demo.sh stop) failed in the fresh root: see $logs/demo.log"
note "demo.sh + demo.sh stop took $((SECONDS - start)) s"

start=$SECONDS
set +e
"${in_root[@]}" bash -c 'cd /root/pactfs && exec mount-scripts/run-tests.sh "$@"' run-tests "$@" 2>&1 | tee "$logs/run-tests.log"
rc=${PIPESTATUS[0]}
set -e
note "run-tests.sh took $((SECONDS - start)) s (exit $rc)"
[ "$rc" -eq 0 ] || die "mount-scripts/run-tests.sh failed in the fresh root (exit $rc): see $logs/run-tests.log"

start=$SECONDS
timeout 1200 "${in_root[@]}" bash -c 'cd /root/pactfs && exec src/test/deb-fstab.sh' >"$logs/deb.log" 2>&1 \
  || die "the .deb (build, apt-get install, fstab mount, remove) failed in the fresh root: see $logs/deb.log"
note "the .deb: build, apt-get install, fstab mount and umount, remove took $((SECONDS - start)) s"
