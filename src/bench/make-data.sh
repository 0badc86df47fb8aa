#!/bin/bash
# make-data.sh [DIR] [STEP...] — generate pactfs benchmark data (default DIR /work/benchdata).
#
# Steps (default: all, in this order):
#   usrlib  usrlib.tar            GNU tar (uncompressed) of /usr/lib, 1–2 GiB
#   tree    tree-v1.tar/-v2.tar   a software tree and its next "release" (dedup study)
#   pg      dump-1.sql, dump-2.sql, night-1.sql … night-7.sql   pgbench database dumps
#   stats   compressibility (zstd -3) of each file, line diffs along the dump series (README notes)
#   sums    SHA256SUMS
#   readme  README (always regenerated at the end)
#
# Idempotent: an output that exists is skipped; outputs are written to *.tmp and
# renamed, so an interrupted run leaves no half file under the final name.
# Needs root (runs PostgreSQL 15 as the postgres user, from /usr/lib/postgresql/15/bin).
#
# Environment knobs (defaults in brackets):
#   PG_SCALE [25]        pgbench scale (100 000 accounts per unit); 25 gives a ~245 MB plain dump
#   PG_PORT  [54329]     port of the temporary cluster (unix socket only, under DIR/pg/sock)
#   TX_DUMP2 [5000]      skewed transactions between dump-1 and dump-2
#   TX_NIGHT [30000]     skewed transactions before each night-N dump
#   NIGHTS   [7]
#   ZIPF_S   [1.07]      zipfian exponent for the account id of each transaction
#   TREE_SEED [20261126] seed of the tree mutation
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-/work/benchdata}
shift || true
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(usrlib tree pg stats sums readme)

PG_SCALE=${PG_SCALE:-25}
PG_PORT=${PG_PORT:-54329}
TX_DUMP2=${TX_DUMP2:-5000}
TX_NIGHT=${TX_NIGHT:-30000}
NIGHTS=${NIGHTS:-7}
ZIPF_S=${ZIPF_S:-1.07}
TREE_SEED=${TREE_SEED:-20261126}
GiB=$((1024 * 1024 * 1024))

mkdir -p "$DIR" "$DIR/.notes"
DIR=$(cd "$DIR" && pwd)
LOG=$DIR/make-data.log

log() { echo "[$(date '+%F %T')] $*" | tee -a "$LOG" >&2; }
note() { # note STEP TEXT... : append a line to the step's notes (used for the README)
    local s=$1; shift
    echo "$*" >>"$DIR/.notes/$s.txt"
}
size_of() { stat -c %s "$1"; }
human() { numfmt --to=iec-i --suffix=B --format=%.2f "$1"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

# GNU tar, deterministic member order, numeric owners; exit 1 ("file changed as we read it") is tolerated.
det_tar() { # det_tar OUT -C BASE MEMBERS... [extra tar options before -C]
    local out=$1; shift
    local rc=0
    tar --create --format=gnu --sort=name --numeric-owner --file="$out" "$@" || rc=$?
    if [ $rc -gt 1 ]; then log "tar failed rc=$rc"; return $rc; fi
    [ $rc -eq 1 ] && log "tar: some files changed while being read (rc=1, tolerated)"
    return 0
}

########################################################################### usrlib
step_usrlib() {
    local out=$DIR/usrlib.tar
    if [ -e "$out" ]; then log "usrlib: $out exists, skipping"; return; fi
    : >"$DIR/.notes/usrlib.txt"
    # /usr/lib, minus any single subdirectory over 1 GiB (vendored SDKs such as google-cloud-sdk
    # are not Debian packages and would push the file over 2 GiB); then, if still over
    # ~2 GiB, drop the largest remaining subdirectories; if under 1 GiB, add /usr/share, /usr/include.
    local excl=() members=(lib) total d sz
    total=$(du -sb /usr/lib | cut -f1)
    while read -r sz d; do
        if [ "$sz" -gt "$GiB" ] || [ "$total" -gt $((2 * GiB)) ]; then
            excl+=("--exclude=lib/$(basename "$d")")
            total=$((total - sz))
            note usrlib "excluded /usr/lib/$(basename "$d") ($(human "$sz"))"
        fi
    done < <(du -sb /usr/lib/*/ 2>/dev/null | sort -rn | head -5)
    for d in share include; do
        if [ "$total" -lt "$GiB" ] && [ -d /usr/$d ]; then
            members+=("$d"); total=$((total + $(du -sb /usr/$d | cut -f1)))
        fi
    done
    log "usrlib: tar of /usr/{${members[*]}} ${excl[*]:-} (~$(human "$total") of file data)"
    local t0; t0=$(now)
    det_tar "$out.tmp" "${excl[@]}" -C /usr "${members[@]}"
    mv "$out.tmp" "$out"
    local t1; t1=$(now)
    note usrlib "members: /usr/{${members[*]}} (names in the tar start with ${members[*]/%//})"
    note usrlib "size: $(size_of "$out") bytes ($(human "$(size_of "$out")")), $(tar -tf "$out" | wc -l) members, built in $(secs "$t0" "$t1") s"
    log "usrlib: done, $(human "$(size_of "$out")") in $(secs "$t0" "$t1") s"
}

############################################################################# tree
TREE_SRC=(/usr/lib/python3 /usr/lib/python3.11 /usr/share/doc /usr/include /usr/share/perl
          /usr/share/vim /usr/lib/node_modules /usr/lib/git-core /usr/share/cmake-3.25)
step_tree() {
    local v1=$DIR/tree-v1.tar stage=$DIR/.stage-tree t0 t1 v2 mode name
    if [ -e "$v1" ] && [ -e "$DIR/tree-v2.tar" ] && [ -e "$DIR/tree-v2-scattered.tar" ]; then
        log "tree: all versions exist, skipping"; return
    fi
    if [ ! -e "$v1" ]; then
        : >"$DIR/.notes/tree.txt"
        rm -rf "$stage"; mkdir -p "$stage/tree"
        t0=$(now)
        local srcs=() s
        for s in "${TREE_SRC[@]}"; do [ -d "$s" ] && srcs+=("$s"); done
        log "tree: copying ${srcs[*]}"
        # (a tar pipe rather than cp -a --parents, which in coreutils 9.1 fails on several
        # sources sharing a parent); parent dirs that were not copied get a fixed mtime
        tar -cf - -C / "${srcs[@]#/}" | tar -xpf - -C "$stage/tree"
        find "$stage/tree" -maxdepth 2 -type d -exec touch -d @1795651200 {} +
        det_tar "$v1.tmp" -C "$stage" tree
        mv "$v1.tmp" "$v1"
        t1=$(now)
        note tree "v1 sources: ${srcs[*]} (under tree/ in the tar)"
        note tree "tree-v1.tar: $(size_of "$v1") bytes ($(human "$(size_of "$v1")")), $(find "$stage/tree" -type f | wc -l) regular files, built in $(secs "$t0" "$t1") s"
    fi
    # v2 variants, each derived from (a fresh extraction of) v1.tar
    for mode in clustered scattered; do
        case $mode in
            clustered) name=tree-v2 ;;
            scattered) name=tree-v2-scattered ;;
        esac
        v2=$DIR/$name.tar
        [ -e "$v2" ] && continue
        rm -rf "$stage"; mkdir -p "$stage"
        tar --extract --numeric-owner --same-permissions --file="$v1" -C "$stage"
        t0=$(now)
        log "tree: mutating for $name (seed $TREE_SEED, $mode)"
        python3 "$HERE/mutate-tree.py" "$stage/tree" --seed "$TREE_SEED" $([ $mode = scattered ] && echo --scatter) \
            | tee "$stage/mutate.out" >&2
        mv "$stage/mutations-$TREE_SEED.txt" "$DIR/$name.mutations.txt"
        det_tar "$v2.tmp" -C "$stage" tree
        mv "$v2.tmp" "$v2"
        t1=$(now)
        note tree "$name.tar: $(size_of "$v2") bytes ($(human "$(size_of "$v2")")), from v1 by mutate-tree.py --seed $TREE_SEED$([ $mode = scattered ] && echo " --scatter") in $(secs "$t0" "$t1") s:"
        sed 's/^/    /' "$stage/mutate.out" | grep -v manifest >>"$DIR/.notes/tree.txt"
    done
    rm -rf "$stage"
    log "tree: done"
}

############################################################################### pg
PGBIN=/usr/lib/postgresql/15/bin
PGROOT=$DIR/pg
PGDATA=$PGROOT/data
PGSOCK=$PGROOT/sock
PG_STARTED=0
aspg() { runuser -u postgres -- "$@"; }
psql_b() { aspg "$PGBIN/psql" -h "$PGSOCK" -p "$PG_PORT" -X -q -v ON_ERROR_STOP=1 -d bench "$@"; }
pg_stop() {
    if [ "$PG_STARTED" = 1 ]; then
        log "pg: stopping cluster"
        aspg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
        PG_STARTED=0
    fi
}
pg_start() {
    if aspg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        log "pg: cluster already running (not started by us; will not stop it)"; return
    fi
    aspg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGROOT/postgres.log" -w -t 120 start >/dev/null
    PG_STARTED=1
    trap pg_stop EXIT
}
pg_init() {
    log "pg: initdb in $PGDATA (port $PG_PORT, socket $PGSOCK)"
    rm -rf "$PGROOT"; mkdir -p "$PGSOCK"; chown -R postgres:postgres "$PGROOT"
    aspg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$PGDATA/postgresql.conf" <<EOF
# --- pactfs benchmark cluster (make-data.sh): throwaway data, so durability is off
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$PGSOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
maintenance_work_mem = 256MB
max_wal_size = 8GB
checkpoint_timeout = 30min
EOF
    pg_start
    aspg "$PGBIN/createdb" -h "$PGSOCK" -p "$PG_PORT" bench
    local t0 t1; t0=$(now)
    # tables only (d = drop, t = create tables); data is loaded by us with non-blank fillers
    aspg "$PGBIN/pgbench" -h "$PGSOCK" -p "$PG_PORT" -i -I dt -s "$PG_SCALE" bench 2>&1 | grep -v '^$' >&2 || true
    psql_b <<EOF
-- Random-looking but compressible text: words made from md5 hex digits (digits mapped to
-- letters q..z, so every word is lowercase letters), vocabulary of 2047 words with a skewed,
-- Zipf-like frequency (k = exp(u^2 ln 2048)), as in natural text; a plain dump of these rows
-- compresses ~3.5x with zstd -3 (~3.3x gzip -6).
CREATE FUNCTION bench_word(k int) RETURNS text IMMUTABLE LANGUAGE sql AS
  \$\$ SELECT translate(substr(md5('w' || k), 1, 3 + k % 8), '0123456789', 'qrstuvwxyz') \$\$;
CREATE FUNCTION bench_filler(len int) RETURNS text VOLATILE LANGUAGE sql AS
  \$\$ SELECT left(string_agg(bench_word(floor(exp(power(random(), 2) * ln(2048)))::int), ' '), len)
       FROM generate_series(1, len / 6 + 2) \$\$;
\\o /dev/null
SELECT setseed(0.20261126);
\\o
INSERT INTO pgbench_branches (bid, bbalance, filler)
  SELECT b, 0, bench_filler(88) FROM generate_series(1, $PG_SCALE) b;
INSERT INTO pgbench_tellers (tid, bid, tbalance, filler)
  SELECT t, (t - 1) / 10 + 1, 0, bench_filler(84) FROM generate_series(1, 10 * $PG_SCALE) t;
INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
  SELECT a, (a - 1) / 100000 + 1, floor(exp(random() * 12))::int - 1, bench_filler(84)
  FROM generate_series(1, 100000 * $PG_SCALE) a;
EOF
    # v = vacuum analyze, p = primary keys (as pgbench -i does after generating data)
    aspg "$PGBIN/pgbench" -h "$PGSOCK" -p "$PG_PORT" -i -I vp -s "$PG_SCALE" bench 2>&1 | grep -v '^$' >&2 || true
    t1=$(now)
    note pg "scale $PG_SCALE: $((100000 * PG_SCALE)) accounts, $((10 * PG_SCALE)) tellers, $PG_SCALE branches; loaded in $(secs "$t0" "$t1") s"
    echo init >"$PGROOT/state"
    # transaction scripts: TPC-B-like with a zipfian account id (9 of 10), and a
    # "customer edits profile" update that rewrites an account's filler text (1 of 10)
    local nacc=$((100000 * PG_SCALE))
    cat >"$PGROOT/skew-tpcb.sql" <<EOF
\\set aid random_zipfian(1, $nacc, $ZIPF_S)
\\set bid random(1, $PG_SCALE)
\\set tid random(1, $((10 * PG_SCALE)))
\\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
EOF
    cat >"$PGROOT/skew-profile.sql" <<EOF
\\set aid random_zipfian(1, $nacc, $ZIPF_S)
UPDATE pgbench_accounts SET filler = bench_filler(84) WHERE aid = :aid;
EOF
    chown postgres:postgres "$PGROOT"/*.sql
}
pg_tx() { # pg_tx N SEED
    local n=$1 seed=$2 t0 t1 out
    t0=$(now)
    out=$(aspg "$PGBIN/pgbench" -h "$PGSOCK" -p "$PG_PORT" -n -c 1 -j 1 -t "$n" --random-seed="$seed" \
          -f "$PGROOT/skew-tpcb.sql@9" -f "$PGROOT/skew-profile.sql@1" bench 2>&1)
    t1=$(now)
    echo "$out" | grep -E 'processed|^tps' | sed 's/^/    /' >&2
    echo "$n skewed tx (seed $seed) in $(secs "$t0" "$t1") s, $(echo "$out" | grep -oE 'tps = [0-9.]+' | head -1)"
}
pg_dump_to() { # pg_dump_to NAME
    local out=$DIR/$1.sql t0 t1
    t0=$(now)
    aspg "$PGBIN/pg_dump" -h "$PGSOCK" -p "$PG_PORT" bench >"$out.tmp"
    mv "$out.tmp" "$out"
    t1=$(now)
    echo "$1.sql: $(size_of "$out") bytes ($(human "$(size_of "$out")")), pg_dump $(secs "$t0" "$t1") s"
}
step_pg() {
    local stages=(dump-1 dump-2) i
    for ((i = 1; i <= NIGHTS; i++)); do stages+=("night-$i"); done
    local missing=0 s
    for s in "${stages[@]}"; do [ -e "$DIR/$s.sql" ] || missing=1; done
    if [ $missing = 0 ]; then log "pg: all dumps exist, skipping"; return; fi
    if [ ! -e "$DIR/dump-1.sql" ]; then
        : >"$DIR/.notes/pg.txt"
        pg_init
    else
        [ -f "$PGROOT/state" ] && [ -d "$PGDATA" ] || {
            log "pg: dump-1.sql exists but the cluster in $PGROOT is gone; delete the *.sql dumps to regenerate"; exit 1; }
        pg_start
    fi
    local prev=init n seed k=0 msg
    for s in "${stages[@]}"; do
        k=$((k + 1))
        if [ -e "$DIR/$s.sql" ]; then prev=$s; continue; fi
        if [ "$(cat "$PGROOT/state")" != "$prev" ]; then
            log "pg: cluster state is '$(cat "$PGROOT/state")' but $s needs '$prev'; delete the dumps after it and retry"
            exit 1
        fi
        case $s in
            dump-1) n=0 ;;
            dump-2) n=$TX_DUMP2 ;;
            *) n=$TX_NIGHT ;;
        esac
        seed=$((1000 + k))
        if [ "$n" -gt 0 ]; then
            log "pg: $n skewed transactions before $s"
            msg=$(pg_tx "$n" "$seed"); note pg "before $s: $msg"
        fi
        log "pg: dumping $s"
        msg=$(pg_dump_to "$s"); note pg "$msg"; log "pg: $msg"
        echo "$s" >"$PGROOT/state"
        prev=$s
    done
    note pg "database size at the end: $(psql_b -tA -c "select pg_size_pretty(pg_database_size('bench'))")"
    pg_stop
}

############################################################################ stats
step_stats() { # compressibility of every file, and how much each dump differs from the previous
    local n=$DIR/.notes/data.txt f c prev=""
    if [ -s "$n" ]; then log "stats: $n exists, skipping"; return; fi
    {
        echo "zstd -3 (single thread) compressibility, whole file:"
        cd "$DIR"
        for f in usrlib.tar tree-v1.tar tree-v2.tar tree-v2-scattered.tar dump-*.sql night-*.sql; do
            [ -e "$f" ] || continue
            c=$(zstd -3 -T1 -c "$f" | wc -c)
            printf '    %-22s %13d -> %12d bytes  ratio %.2f\n' "$f" "$(size_of "$f")" "$c" \
                "$(awk -v a="$(size_of "$f")" -v b="$c" 'BEGIN{print a/b}')"
        done
        echo "pg dump series, lines of the pgbench_accounts COPY block that differ from the previous dump"
        echo "(diff: removed + added lines; an updated row counts twice) / history rows:"
        for f in dump-1.sql dump-2.sql $(ls night-*.sql 2>/dev/null | sort -V); do
            [ -e "$f" ] || continue
            if [ -n "$prev" ]; then
                printf '    %-12s -> %-12s %7d account lines differ, %7d history rows\n' "$prev" "$f" \
                    "$(diff <(sed -n '/^COPY public.pgbench_accounts/,/^\\\./p' "$prev") \
                            <(sed -n '/^COPY public.pgbench_accounts/,/^\\\./p' "$f") | grep -c '^[<>]')" \
                    "$(($(sed -n '/^COPY public.pgbench_history/,/^\\\./p' "$f" | wc -l) - 2))"
            fi
            prev=$f
        done
        cd - >/dev/null
    } >"$n.tmp"
    mv "$n.tmp" "$n"
    log "stats: $n written"
}

############################################################################# sums
step_sums() {
    local f sums=$DIR/SHA256SUMS
    touch "$sums"
    cd "$DIR"
    for f in usrlib.tar tree-v1.tar tree-v2.tar tree-v2-scattered.tar dump-*.sql night-*.sql; do
        [ -e "$DIR/$f" ] || continue
        grep -q "  $f\$" "$sums" && continue
        log "sums: $f"
        sha256sum "$f" >>"$sums"
    done
    sort -k2 -o "$sums" "$sums"
    cd - >/dev/null
}

########################################################################### readme
step_readme() {
    local r=$DIR/README
    {
        cat <<'EOF'
pactfs benchmark data
=====================

Generated by src/bench/make-data.sh (branch `bench` of the pactfs repo); regenerate with
    src/bench/make-data.sh /work/benchdata          # idempotent: skips files that exist
Content comes from this machine's /usr and from a seeded PostgreSQL run, so the bytes are
reproducible only on an identical machine; sizes and structure are what matter.
SHA256SUMS has a checksum for every data file (check restores against it).

Files
-----
usrlib.tar
    Uncompressed GNU tar (--format=gnu --sort=name --numeric-owner) of /usr/lib: binaries,
    shared libraries, JDKs, Python, LLVM — the "one big full backup" file for throughput
    tests (ingest MB/s, restore MB/s, first backup vs. identical second backup).

tree-v1.tar, tree-v2.tar, tree-v2-scattered.tar
    Versions of a software tree for dedup studies (same member prefix tree/).
    v1 is a copy of several /usr directories (Python stdlib + dist-packages, /usr/share/doc,
    /usr/include, perl, vim runtime, node_modules, git-core, cmake).
    v2 is v1 after one "release" made by src/bench/mutate-tree.py (seeded): 5 % of the
    regular files touched, CLUSTERED by directory as in package upgrades (directories
    visited in random order, 20–100 % of each visited directory's files touched).
    tree-v2-scattered.tar is the same amount of change with the touched files picked
    uniformly over the tree: the worst case for large chunks (nearly every MiB of the
    tar then contains a change). Use it to bracket results, tree-v2.tar as the main case.
    Kinds of change: small in-place text edits (line changes, inserts, deletes,
    which shift content), small binary overwrites/insertions, changelog .gz files
    decompressed + prepended + recompressed (so they change completely, as in a real
    package upgrade), appends, deletions, renames, copies-with-edits, a few version-bumped
    *.dist-info directory renames, and a new 40-file Python package.
    Every change is listed in tree-v2.mutations.txt / tree-v2-scattered.mutations.txt
    (M/A/R/D/RD lines). In the notes below, "modified" includes "appended";
    bytes_before/after are the total sizes of the modified files.

dump-1.sql, dump-2.sql
    Plain-format pg_dump (COPY statements) of a pgbench database whose filler columns hold
    random-looking but compressible word text (md5-derived vocabulary of 2047 words,
    Zipf-like frequencies; see bench_word/bench_filler in the dump). dump-2 is taken after
    TX_DUMP2 skewed transactions: TPC-B-like with a zipfian account id (9 in 10), and a
    profile update that rewrites one account's filler (1 in 10). Updates relocate rows in
    the heap (fillfactor 100), and pg_dump emits heap order, so in the dump an updated
    row disappears from its old place and reappears near the end of the accounts COPY.
    pgbench_history grows by one row per TPC-B transaction.

night-1.sql … night-7.sql
    The same database continued: each after TX_NIGHT more skewed transactions (different
    seed per night), i.e. a week of nightly dumps for retention / incremental studies.
    (dump-2 → night-1 is the first step of the series.)

pg/
    The PostgreSQL 15 cluster (state after the last dump; stopped). Restart with
      runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /work/benchdata/pg/data -l /work/benchdata/pg/postgres.log start
    (unix socket in pg/sock, port from pg/data/postgresql.conf; fsync off: throwaway).
    pg/skew-tpcb.sql and pg/skew-profile.sql are the pgbench scripts used.

make-data.log
    Log of the generation runs.

results/
    Reference measurements taken on this machine with src/bench/baseline.sh (throughput:
    sha256sum, cat, restic, borg) and src/bench/growth.sh (restic/borg repo growth for the
    tree pair, the dump pair, and the nightly series). Compare only figures from one run:
    the machine is shared and noisy (see the load averages in each file).

EOF
        echo "Sizes"
        echo "-----"
        (cd "$DIR" && for f in usrlib.tar tree-v1.tar tree-v2.tar tree-v2-scattered.tar dump-*.sql night-*.sql; do
            [ -e "$f" ] && printf '%-14s %13d bytes  %10s\n' "$f" "$(size_of "$f")" "$(human "$(size_of "$f")")"
        done)
        echo
        for s in usrlib tree pg data extra; do
            [ -s "$DIR/.notes/$s.txt" ] || continue
            echo "Notes: $s"
            echo "------------" | cut -c1-$((7 + ${#s}))
            cat "$DIR/.notes/$s.txt"
            echo
        done
    } >"$r.tmp"
    mv "$r.tmp" "$r"
    log "readme: $r written"
}

log "make-data.sh $DIR steps: ${STEPS[*]}"
for s in "${STEPS[@]}"; do
    case $s in
        usrlib | tree | pg | stats | sums | readme)
            # one instance per step at a time (several steps may run in parallel)
            mkdir -p "$DIR/.locks"
            exec {lockfd}>"$DIR/.locks/$s"
            flock -n "$lockfd" || { log "$s: another make-data.sh is running this step"; exit 1; }
            "step_$s"
            exec {lockfd}>&- ;;
        *) echo "unknown step: $s" >&2; exit 2 ;;
    esac
done
