#!/bin/bash
# partner-nightly-ab.sh -o OLD_LAUNCHER [-n NEW_LAUNCHER] [-r RATE] [-k] NIGHT1 NIGHT2 ...
#
# The nightly sequence of partner-nightly.sh for two builds side by side in one run, under one key, e.g.
#   git worktree add /work/wt-old 9604308 && (cd /work/wt-old && mvn -q -o -DskipTests package)
#   RUNS=1 src/bench/partner-nightly-ab.sh -o /work/wt-old/mount-scripts/pactfs \
#       /work/benchdata/{dump-2,night-1,night-2,night-3,night-4,night-5,night-6,night-7}.sql
# Chunk boundaries depend on the repo's key, so both builds must share it: ONE repo is initialised with the old
# launcher, and before the first night the empty repo (config, catalog) and the partner copy's layout are copied
# for the new build (own repo dir, own partner dir, config's partner= pointed at it; same repo id and key).
# Each night, for each build (the build going first alternates night by night, for the times):
# `put FILE backup.sql`, `snapshot create`, `replicate --once --bandwidth RATE` (default 100Mbit).
# "sent" = growth of the partner copy's file bytes (every file under pactfs-<id>/: packs, index files, snapshot
# records, and manifests for a build that writes them); per kind, the bytes of files added (or resized) and
# removed in the pass are listed too. "put new" is put's own count of new bytes stored (a difference there is
# chunking/delta, not the partner format). Then, RUNS times (env, default 1), `recover` of each copy with its
# own build into a fresh directory, and a restore of the last night from each recovered repo, compared byte
# for byte with the file put. NEW_LAUNCHER defaults to this checkout's mount-scripts/pactfs.
# Temp dir under ${TMPDIR:-/tmp}, removed at the end (-k keeps it).
set -euo pipefail
RATE=100Mbit
KEEP=0
RUNS=${RUNS:-1}
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
OLD=
NEW=$here/../../mount-scripts/pactfs
while getopts "o:n:r:kh" o; do
    case $o in
        o) OLD=$OPTARG ;;
        n) NEW=$OPTARG ;;
        r) RATE=$OPTARG ;;
        k) KEEP=1 ;;
        h) sed -n '2,20p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
usage="usage: [RUNS=N] $0 -o OLD_LAUNCHER [-n NEW_LAUNCHER] [-r RATE] [-k] NIGHT1 NIGHT2 [...]"
[ -n "$OLD" ] && [ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
for l in "$OLD" "$NEW"; do [ -x "$l" ] || { echo "$0: not an executable launcher: $l" >&2; exit 1; }; done
for f in "$@"; do [ -f "$f" ] || { echo "$0: not a file: $f" >&2; exit 1; }; done
[[ $RUNS =~ ^[0-9]+$ ]] || { echo "$0: RUNS must be a non-negative integer: $RUNS" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pactfs-ab.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
# Bytes of the files under a directory (not du: directory entries are not data sent).
filebytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}'; }
# "size relative-path" of every file of a copy, sorted by path.
listing() { (cd "$1" && find . -type f -printf '%s %P\n' | sort -k2); }
# Per kind (top directory: packs, index, snapshots, manifests, other): bytes of files added or resized and of
# files removed between two listings. Prints "kind added removed" lines.
diffkinds() {
    awk 'function kind(p) { n = split(p, a, "/"); return (n > 1) ? a[1] : "other" }
         FNR == NR { old[$2] = $1; next }
         { k = kind($2); seen[$2] = 1; if (!($2 in old) || old[$2] != $1) add[k] += $1 }
         END { for (p in old) if (!(p in seen)) rm[kind(p)] += old[p]
               split("packs index snapshots manifests other", ks, " ")
               for (i = 1; i <= 5; i++) printf "%s %d %d\n", ks[i], add[ks[i]], rm[ks[i]] }' "$1" "$2"
}
rev() { git -C "$(dirname "$(readlink -f "$1")")" log -1 --format='%h' 2>/dev/null || echo '?'; }
# run LOG CMD...: run a pactfs command, its output to LOG; on failure show it and stop.
run() {
    local log=$1; shift
    if ! "$@" >"$log" 2>&1; then
        echo "$0: failed: $*" >&2; sed 's/^/  | /' "$log" >&2; exit 1
    fi
}

key=$WORK/pactfs.key
declare -A REPO PARTNER COPY LAUNCHER PREV
LAUNCHER[old]=$OLD
LAUNCHER[new]=$NEW
for b in old new; do REPO[$b]=$WORK/repo-$b; PARTNER[$b]=$WORK/partner-$b; done
mkdir -p "${PARTNER[old]}"
run "$WORK/init.log" "$OLD" init --repo "${REPO[old]}" --partner "${PARTNER[old]}" --key-file "$key"
COPY[old]=$(echo "${PARTNER[old]}"/pactfs-*)
repo_id=$(sed -n 's/^repo_id=//p' "${REPO[old]}/config")
# The new build's twin: the freshly initialised (empty) repo and the partner copy's layout, copied.
cp -a "${REPO[old]}" "${REPO[new]}"
mkdir -p "${PARTNER[new]}"
cp -a "${COPY[old]}" "${PARTNER[new]}/"
COPY[new]=${PARTNER[new]}/$(basename "${COPY[old]}")
sed -i "s#^partner=.*#partner=${PARTNER[new]}#" "${REPO[new]}/config"
grep -qx "partner=${PARTNER[new]}" "${REPO[new]}/config" || { echo "$0: cannot point the twin at its partner" >&2; exit 1; }
cap=$(awk -v r="$RATE" 'BEGIN{n=r+0; u=substr(r, length(n "")+1); m=1; if (u ~ /^[kK]/) m=1e3; if (u ~ /^M/) m=1e6; if (u ~ /^G/) m=1e9; if (u ~ /bit/) m=m/8; printf "%.2f", n*m/1e6}')

echo "# partner-nightly-ab.sh $(date -u '+%F %T') UTC; old $(rev "$OLD") ($OLD), new $(rev "$NEW") ($NEW);"
echo "# one key, repo id $repo_id (init by the old build, the empty repo copied for the new one); cap $RATE ($cap MB/s);"
echo "# RUNS=$RUNS; $(nproc) cores;$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

for b in old new; do listing "${COPY[$b]}" >"$WORK/list-$b-0"; PREV[$b]=$(filebytes "${COPY[$b]}"); done
echo "## per night: sent = growth of the partner copy's file bytes; put new = put's new bytes stored"
printf '%-3s %-13s %11s %11s %10s %10s %7s %10s %10s %7s %6s %6s %6s %6s\n' "#" "file" "old put new" "new put new" \
    "old sent" "new sent" "new/old" "old wrote" "new wrote" "new/old" "o rep" "n rep" "o wall" "n wall"
declare -a SENT_OLD SENT_NEW WR_OLD WR_NEW KINDS REPLOG
i=0
for f in "$@"; do
    i=$((i + 1))
    if [ $((i % 2)) = 1 ]; then order="old new"; else order="new old"; fi
    declare -A putnew=() reps=() wall=() sent=() written=()
    for b in $order; do
        P=${LAUNCHER[$b]}
        t0=$(now)
        run "$WORK/put-$b-$i.log" "$P" put --repo "${REPO[$b]}" --key-file "$key" "$f" backup.sql
        run "$WORK/snap-$b-$i.log" "$P" snapshot create --repo "${REPO[$b]}" --key-file "$key" --name "night-$i" --tag nightly
        run "$WORK/rep-$b-$i.log" "$P" replicate --repo "${REPO[$b]}" --key-file "$key" --once --bandwidth "$RATE"
        t1=$(now)
        # put: "stored F as N: B bytes in S s (R MB/s), X new bytes stored for ..."
        putnew[$b]=$(sed -n 's/.*, \([0-9]*\) new bytes stored.*/\1/p' "$WORK/put-$b-$i.log" | tail -1)
        ms=$(sed -n 's/^replicated .*(\([0-9]*\) ms)$/\1/p' "$WORK/rep-$b-$i.log")
        [ -n "${putnew[$b]}" ] && [ -n "$ms" ] || { echo "$0: cannot read put's or replicate's output ($b, night $i)" >&2; exit 1; }
        reps[$b]=$(awk -v m="$ms" 'BEGIN{printf "%.1f", m/1000}')
        wall[$b]=$(secs "$t0" "$t1")
        cur=$(filebytes "${COPY[$b]}")
        sent[$b]=$((cur - PREV[$b]))
        PREV[$b]=$cur
        listing "${COPY[$b]}" >"$WORK/list-$b-$i"
        kinds=$(diffkinds "$WORK/list-$b-$((i - 1))" "$WORK/list-$b-$i")
        KINDS+=("$i $b $(tr '\n' ' ' <<<"$kinds")")
        written[$b]=$(awk '{s += $2} END {printf "%d", s}' <<<"$kinds")
        REPLOG+=("$i $b: $(grep -v 'compiler directives' "$WORK/rep-$b-$i.log" | tr '\n' ';' | sed 's/;$//')")
    done
    SENT_OLD+=("${sent[old]}")
    SENT_NEW+=("${sent[new]}")
    WR_OLD+=("${written[old]}")
    WR_NEW+=("${written[new]}")
    printf '%-3s %-13s %11s %11s %10s %10s %7s %10s %10s %7s %6s %6s %6s %6s\n' "$i" "$(basename "$f")" "${putnew[old]}" \
        "${putnew[new]}" "${sent[old]}" "${sent[new]}" \
        "$(awk -v n="${sent[new]}" -v o="${sent[old]}" 'BEGIN{if (o > 0) printf "%.4f", n/o; else print "-"}')" \
        "${written[old]}" "${written[new]}" \
        "$(awk -v n="${written[new]}" -v o="${written[old]}" 'BEGIN{if (o > 0) printf "%.4f", n/o; else print "-"}')" \
        "${reps[old]}" "${reps[new]}" "${wall[old]}" "${wall[new]}"
done
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratios() {  # ratios new/old of nights $2..$3 of the arrays named ${1}_NEW and ${1}_OLD
    local -n nw=${1}_NEW od=${1}_OLD
    for n in $(seq "$2" "$3"); do
        awk -v n="${nw[$((n - 1))]}" -v o="${od[$((n - 1))]}" 'BEGIN{if (o > 0) printf "%.6f\n", n/o}'
    done
}
sum() { printf '%s\n' "$@" | awk '{s += $1} END {printf "%d", s}'; }
for a in SENT WR; do
    [ $a = SENT ] && what="sent (growth)" || what="wrote (files added or resized)"
    [ $i -lt 7 ] || echo "# $what: median new/old nights 2-7 $(ratios $a 2 7 | median | awk '{printf "%.4f", $1}')," \
        "nights 2-$i $(ratios $a 2 "$i" | median | awk '{printf "%.4f", $1}'), max 2-$i $(ratios $a 2 "$i" | sort -g | tail -1 | awk '{printf "%.4f", $1}')"
done
[ $i -lt 2 ] || echo "# sums nights 2-$i: sent old $(sum "${SENT_OLD[@]:1}"), new $(sum "${SENT_NEW[@]:1}");" \
    "wrote old $(sum "${WR_OLD[@]:1}"), new $(sum "${WR_NEW[@]:1}")"
echo "# sent = growth of the copy's file bytes; wrote = bytes of the files the pass added or resized (what crosses the"
echo "# link; differs from sent when a pass deletes files, e.g. a manifest older than a new checkpoint);"
echo "# put new = put's new bytes stored; o/n rep = the pass time replicate reports (s); wall = put + snapshot create"
echo "# + replicate, JVM starts included (s)."
echo
echo "## per night and kind: bytes of files added (or resized) / removed in the copy"
printf '%-3s %-4s %23s %23s %23s %23s\n' "#" "build" "packs +/-" "index +/-" "snapshots +/-" "manifests +/-"
for row in "${KINDS[@]}"; do
    read -r n b _ pa pr _ ia ir _ sa sr _ ma mr _ oa or <<<"$row"
    printf '%-3s %-4s %23s %23s %23s %23s\n' "$n" "$b" "$pa/$pr" "$ia/$ir" "$sa/$sr" "$ma/$mr"
    [ "$oa/$or" = "0/0" ] || echo "#   other files: +$oa/-$or"
done
echo
echo "## what the new build writes beyond the old one, per night: new - old bytes of files added, per kind"
printf '%-3s %9s %9s %9s %9s %9s %8s\n' "#" "packs" "index" "snapshots" "manifests" "total" "% of old"
declare -A ADD
for row in "${KINDS[@]}"; do
    read -r n b _ pa _ _ ia _ _ sa _ _ ma _ _ oa _ <<<"$row"
    ADD[$n,$b]="$pa $ia $sa $ma $oa"
done
for n in $(seq 1 "$i"); do
    read -r -a o <<<"${ADD[$n,old]}"
    read -r -a w <<<"${ADD[$n,new]}"
    tot=0; tot_old=0
    for k in 0 1 2 3 4; do tot=$((tot + w[k] - o[k])); tot_old=$((tot_old + o[k])); done
    printf '%-3s %9s %9s %9s %9s %9s %8s\n' "$n" $((w[0] - o[0])) $((w[1] - o[1])) $((w[2] - o[2])) $((w[3] - o[3])) "$tot" \
        "$(awk -v d="$tot" -v o="$tot_old" 'BEGIN{if (o > 0) printf "%.3f", 100*d/o; else print "-"}')"
done
echo "# packs: Padme padding of each pack trailer; index: of each index file; snapshots: of each record;"
echo "# manifests: the whole manifest of each pass (the old build writes none). Files removed are not subtracted."
echo
echo "## replicate's own lines"
printf '%s\n' "${REPLOG[@]}"
echo
for b in old new; do
    echo "## $b copy after night $i: $(find "${COPY[$b]}" -type f | wc -l) files, $(filebytes "${COPY[$b]}") bytes;" \
        "per kind: $(awk '{n = split($2, a, "/"); k = (n > 1) ? a[1] : "other"; c[k]++; s[k] += $1}
                         END {for (k in c) printf "%s %d files %d B; ", k, c[k], s[k]}' "$WORK/list-$b-$i")"
done
echo

[ "$RUNS" -ge 1 ] || exit 0
last="${!#}"
echo "## recover (from each partner copy alone, key file, own build; $RUNS runs, alternating)"
declare -A TIMES
for r in $(seq 1 "$RUNS"); do
    if [ $((r % 2)) = 1 ]; then order="old new"; else order="new old"; fi
    for b in $order; do
        dst=$WORK/recovered-$b-$r
        t0=$(now)
        run "$WORK/recover-$b-$r.log" "${LAUNCHER[$b]}" recover --partner "${PARTNER[$b]}" --repo "$dst" --key-file "$key"
        t1=$(now)
        s=$(secs "$t0" "$t1")
        TIMES[$b]="${TIMES[$b]:-} $s"
        total=$(filebytes "${COPY[$b]}")
        echo "$b run $r: $total partner bytes in $s s ($(awk -v s="$s" -v g="$total" 'BEGIN{printf "%.1f", g/s/1e6}') MB/s)"
        sed 's/^/#   | /' "$WORK/recover-$b-$r.log" | grep -v 'compiler directives'
        if [ "$r" = "$RUNS" ]; then
            run "$WORK/restore-$b.log" "${LAUNCHER[$b]}" restore --repo "$dst" --key-file "$key" "night-$i:backup.sql" "$WORK/restored-$b"
            if cmp -s "$last" "$WORK/restored-$b"; then
                echo "# $b: the last night restored from the recovered repo is byte-identical to $(basename "$last")"
            else
                echo "$0: $b: the last night restored from the recovered repo differs from $last" >&2
                exit 1
            fi
            rm -f "$WORK/restored-$b"
        else
            rm -rf "$dst"
        fi
    done
done
for b in old new; do
    echo "# $b median: $(printf '%s\n' ${TIMES[$b]} | median) s (runs:${TIMES[$b]})"
done
