#!/usr/bin/env bash
# pglogical peer-anchor benchmark (PostgreSQL 15 + pglogical 2.x, Debian 12).
#
# Adapted for Yiwang from ../shared/peers/pglogical-bench.sh (the script behind the peer's published numbers);
# `yiwang-bench --peer pglogical` runs it in the same invocation and reads /tmp/pgpeer/summary.tsv. Changes:
# yiwang-bench itself (its parent) does not count as a "foreign benchmark" for the load gate, and
# WAIT_BUDGET defaults to 0 (measure now: the load average is recorded beside every result instead).
#
# Two local clusters on loopback, everything under /tmp/pgpeer:
#   edge (provider)   127.0.0.1:55432   /tmp/pgpeer/edge
#   hub  (subscriber) 127.0.0.1:55433   /tmp/pgpeer/hub
# Table on both: records(dataset text, key text, value jsonb, vv bytea, hlc bigint,
#                        origin text, actor text, primary key(dataset,key))
#
# Measurements (REPS repetitions each, medians printed at the end):
#   M1  raw insert rate on the provider alone (no pglogical node yet):
#       N rows, 1,000 rows/txn, one psql session: (a) INSERT..SELECT generate_series, (b) COPY FROM STDIN
#   M2  live replication: N new rows at the provider (1,000/txn); time from first insert until the
#       hub holds all N rows (end-to-end rows/s) + lag at the moment the provider finishes
#   M3  catch-up: subscription disabled, N more rows (new keys) at the provider, subscription
#       enabled; time from enable until the hub holds all of them
#   M4  upsert replication: UPD existing rows upserted (INSERT .. ON CONFLICT DO UPDATE, 1,000/txn)
#       at the provider; time from first upsert until the hub shows the last one
#   M5  memory: RSS / PSS / private memory (and CPU seconds) of the walsender (edge) and the
#       pglogical apply worker (hub), sampled every 0.5 s during M2-M4
#
# Usage (as root):  bash pglogical-bench.sh 2>&1 | tee pglogical-results.txt
# Env knobs: N (1000000) UPD (200000) REPS (3) WAIT_BUDGET (600 s of total waiting for a quiet box)
#
# Side effects: installs only the Debian package postgresql-15-pglogical (if missing); writes only
# under /tmp/pgpeer (wiped at start); both clusters are stopped with pg_ctl at exit.
# Non-default server settings: only those the brief requires (wal_level=logical,
# shared_preload_libraries=pglogical, track_commit_timestamp=on, slots/senders), ports/sockets,
# and pglogical.conflict_resolution=last_update_wins on the hub. fsync, synchronous_commit,
# shared_buffers (128MB), max_wal_size (1GB), autovacuum: defaults.

set -euo pipefail

BASE=/tmp/pgpeer
PGBIN=/usr/lib/postgresql/15/bin
EDGE=$BASE/edge; HUB=$BASE/hub
EP=55432; HP=55433
N=${N:-1000000}
UPD=${UPD:-200000}
REPS=${REPS:-3}
BATCH=1000
WAIT_BUDGET=${WAIT_BUDGET:-0}
WAITED=0
DB=bench
ESQL="host=127.0.0.1 port=$EP dbname=$DB user=postgres"
HSQL="host=127.0.0.1 port=$HP dbname=$DB user=postgres"
RESULTS=$BASE/summary.tsv          # machine-readable per-run results
BGPIDS=()                           # background helpers started by this script (killed by PID)

log()  { echo "[$(date +%H:%M:%S)] $*"; }
ts()   { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a-b}'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN{printf "%.0f", n/t}'; }
pe()   { psql -X -q -A -t -v ON_ERROR_STOP=1 "$ESQL" "$@"; }   # psql on edge (TCP loopback)
ph()   { psql -X -q -A -t -v ON_ERROR_STOP=1 "$HSQL" "$@"; }   # psql on hub  (TCP loopback)
aspg() { runuser -u postgres -- "$@"; }

# ---------------------------------------------------------------- 0. package + cleanup
if [ ! -f $PGBIN/../lib/pglogical.so ]; then
  apt-get install -y postgresql-15-pglogical || { apt-get update && apt-get install -y postgresql-15-pglogical; }
fi
export PATH=$PGBIN:$PATH

stop_clusters() {
  for d in "$EDGE" "$HUB"; do
    if [ -f "$d/postmaster.pid" ]; then aspg $PGBIN/pg_ctl -D "$d" -m fast -w stop || true; fi
  done
}
cleanup() {
  for p in "${BGPIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  stop_clusters
}
trap cleanup EXIT

stop_clusters
rm -rf "$BASE"; mkdir -p "$BASE/run"; chown -R postgres:postgres "$BASE"

# ---------------------------------------------------------------- load gate helpers
# Processes of other benchmarks that must not run while we time something.
foreign() {
  ps -eo pid=,comm= | awk '$2 ~ /swift-build|swift-frontend|swift-driver|swift-test|swift-run|xctest|[Bb]ench|sqlite3/ && $2 != "yiwang-bench" {printf "%s(%s) ", $2, $1}'
}
cpu_busy() {  # % of all CPUs busy over $1 seconds (from /proc/stat)
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat); sleep "$1"
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{split(a,x," ");split(b,y," ");bu=y[1]-x[1];id=y[2]-x[2];printf "%.0f", 100*bu/(bu+id)}'
}
# Before every timed measurement: wait (within a global budget) until no foreign benchmark runs and
# the box is quiet: 1-min load < 0.5, or (because the load average lags our own previous run) the
# CPUs are <15% busy over a 3 s sample. Logs what it saw either way.
gate() {
  local label=$1 t0 la busy f
  t0=$(date +%s)
  while :; do
    la=$(cut -d' ' -f1-3 /proc/loadavg); f=$(foreign); busy=$(cpu_busy 3)
    if [ -z "$f" ] && awk -v l="${la%% *}" -v b="$busy" 'BEGIN{exit !(l<0.5 || b<15)}'; then break; fi
    if [ "$WAITED" -ge "$WAIT_BUDGET" ]; then log "GATE $label: wait budget exhausted -> measuring under load"; break; fi
    sleep 7; WAITED=$((WAITED + 10))
  done
  log "GATE $label: waited=$(( $(date +%s) - t0 ))s load(1/5/15)=$la cpu_busy_3s=${busy}% foreign=[${f:-none}] total_waited=${WAITED}s"
}
# Background watcher: records foreign benchmark processes seen while a measurement runs.
watch_start() { ( while :; do f=$(foreign); [ -n "$f" ] && echo "$f"; sleep 1; done ) > "$BASE/run/foreign.$1" & WATCH=$!; BGPIDS+=("$WATCH"); }
watch_stop()  {
  kill "$WATCH" 2>/dev/null || true; wait "$WATCH" 2>/dev/null || true
  local seen; seen=$(tr ' ' '\n' < "$BASE/run/foreign.$1" | sed 's/(.*//' | sort -u | tr '\n' ' ')
  log "  after $1: load(1/5/15)=$(cut -d' ' -f1-3 /proc/loadavg) foreign_seen_during=[${seen:-none}]"
}
settle() { pe -c "CHECKPOINT" >/dev/null; if [ -f "$HUB/postmaster.pid" ]; then ph -c "CHECKPOINT" >/dev/null; fi; sleep 3; }

# ---------------------------------------------------------------- 1. clusters
log "host: $(nproc) CPUs, $(lscpu | awk -F: '/Model name/{gsub(/^ +/,"",$2);print $2}'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, kernel $(uname -r)"
log "postgres: $($PGBIN/postgres --version); pglogical package: $(dpkg-query -W -f='${Version}' postgresql-15-pglogical)"
for d in "$EDGE:$EP" "$HUB:$HP"; do
  dir=${d%%:*}; port=${d##*:}
  aspg $PGBIN/initdb -D "$dir" --auth=trust -U postgres --encoding=UTF8 --locale=C >/dev/null
  cat >> "$dir/postgresql.conf" <<EOF
# --- pglogical bench ---
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$BASE'
wal_level = logical
shared_preload_libraries = 'pglogical'
track_commit_timestamp = on
max_replication_slots = 8
max_wal_senders = 8
max_worker_processes = 16
synchronous_commit = on
fsync = on
EOF
done
echo "pglogical.conflict_resolution = 'last_update_wins'" >> "$HUB/postgresql.conf"
aspg $PGBIN/pg_ctl -D "$EDGE" -l "$BASE/edge.log" -w start >/dev/null
aspg $PGBIN/pg_ctl -D "$HUB"  -l "$BASE/hub.log"  -w start >/dev/null
for p in $EP $HP; do psql -X -q "host=127.0.0.1 port=$p user=postgres dbname=postgres" -c "CREATE DATABASE $DB"; done
DDL="CREATE TABLE records(dataset text, key text, value jsonb, vv bytea, hlc bigint, origin text, actor text, primary key(dataset,key));"
pe -c "$DDL"; ph -c "$DDL"
log "settings (edge): $(pe -c "select string_agg(name||'='||setting, ' ') from pg_settings where name in ('wal_level','synchronous_commit','fsync','shared_buffers','max_wal_size','track_commit_timestamp','wal_compression','full_page_writes','checkpoint_timeout')")"
if [ "${SKIP_FSYNC_TEST:-0}" != 1 ]; then
log "fsync latency (pg_test_fsync, 1 s per test, on /tmp/pgpeer's disk):"
$PGBIN/pg_test_fsync -s 1 -f "$BASE/fsync.test" 2>&1 | grep -E 'fdatasync|open_datasync|fsync ' | sed 's/^/    /' || true
rm -f "$BASE/fsync.test"
fi

# ---------------------------------------------------------------- row generator
# Row i, generation g (0 = insert, 1 = upsert): value ~200 bytes of JSON text, vv = 32 bytes.
row_sql() {  # $1 = lo, $2 = hi, $3 = generation
  cat <<EOF
SELECT 'ds-'||(i%8), 'k'||lpad(i::text,10,'0'),
  jsonb_build_object('id',i,'title','item '||i||' g$3','body',md5(i::text)||md5((i*7+$3)::text)||md5((i*13)::text),
                     'tags',jsonb_build_array('alpha','beta','gamma'),'n',i%1000,'ok',true),
  sha256(int8send(i::bigint*4+$3)), 1700000000000::bigint*65536 + i::bigint*4 + $3, 'edge-1', 'actor-'||(i%16)
FROM generate_series($1,$2) i
EOF
}
# SQL file: one autocommitted INSERT..SELECT per 1,000 rows (=> 1,000 rows per transaction).
mk_insert_file() {  # $1 = first key, $2 = count, $3 = out file
  local s; : > "$3"
  for ((s=$1; s<$1+$2; s+=BATCH)); do echo "INSERT INTO records $(row_sql $s $((s+BATCH-1)) 0 | tr '\n' ' ');" >> "$3"; done
}
mk_upsert_file() {  # $1 = first key, $2 = count, $3 = out file  (LWW-guarded upsert by hlc)
  local s; : > "$3"
  for ((s=$1; s<$1+$2; s+=BATCH)); do
    echo "INSERT INTO records $(row_sql $s $((s+BATCH-1)) 1 | tr '\n' ' ') ON CONFLICT (dataset,key) DO UPDATE SET value=EXCLUDED.value, vv=EXCLUDED.vv, hlc=EXCLUDED.hlc, origin=EXCLUDED.origin, actor=EXCLUDED.actor WHERE records.hlc < EXCLUDED.hlc;" >> "$3"
  done
}
# COPY script: N rows as N/1000 separate autocommitted "COPY records FROM STDIN" blocks, one psql session.
mk_copy_file() {  # $1 = first key, $2 = count, $3 = out file
  pe -c "COPY ($(row_sql $1 $(($1+$2-1)) 0)) TO STDOUT" |
    awk -v b=$BATCH 'NR%b==1{print "COPY records FROM STDIN;"} {print} NR%b==0{print "\\."}' > "$3"
}
# Hub probe: does the hub hold row i at generation g?  (pglogical applies in provider commit order,
# and the load is one session, so the last key present => every earlier transaction is applied.)
hub_wal() { ph -c "SELECT pg_current_wal_lsn()||' '||wal_fpi FROM pg_stat_wal"; }
hub_wal_delta() {  # $1 = output of hub_wal before
  ph -c "SELECT 'hub_wal='||pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '${1%% *}'))||' hub_fpi='||(wal_fpi-${1##* }) FROM pg_stat_wal"
}
hub_has() { ph -c "SELECT count(*) FROM records WHERE dataset='ds-$(($1%8))' AND key='k$(printf %010d $1)' AND hlc=1700000000000::bigint*65536+$1::bigint*4+$2"; }

log "sample row: $(pe -c "SELECT 'value_text_bytes='||length(v::text)||' value_jsonb_bytes='||pg_column_size(v)||' vv_bytes='||length(vv) FROM ($(row_sql 123456 123456 0)) AS t(d,k,v,vv,h,o,a)")"

mk_insert_file 1 "$N" "$BASE/run/ins_1.sql"
mk_insert_file $((N+1)) "$N" "$BASE/run/ins_2.sql"
mk_upsert_file 1 "$UPD" "$BASE/run/ups.sql"
mk_copy_file 1 "$N" "$BASE/run/copy_1.sql"
log "generated load files: $(ls -la $BASE/run/*.sql | awk '{printf "%s=%.0fMB ", $9, $5/1048576}')"
echo -e "measure\trep\trows\tseconds\trows_per_s\textra" > "$RESULTS"
rec() { echo -e "$1\t$2\t$3\t$4\t$(rate $3 $4)\t${5:-}" >> "$RESULTS"; log "RESULT $1 rep=$2 rows=$3 secs=$4 rows/s=$(rate $3 $4) ${5:-}"; }

# ---------------------------------------------------------------- M1: provider alone
for ((r=1; r<=REPS; r++)); do
  for mode in insert copy; do
    pe -c "TRUNCATE records"; settle; gate "M1-$mode-r$r"; watch_start "M1-$mode-r$r"
    f=$BASE/run/ins_1.sql; [ $mode = copy ] && f=$BASE/run/copy_1.sql
    l0=$(pe -c "SELECT pg_current_wal_lsn()")
    t0=$(ts); pe -f "$f"; t1=$(ts)
    watch_stop "M1-$mode-r$r"
    c=$(pe -c "SELECT count(*) FROM records"); [ "$c" = "$N" ] || { log "ERROR: edge count $c != $N"; exit 1; }
    rec "M1_$mode" $r $N "$(fsub $t1 $t0)" "wal=$(pe -c "SELECT pg_size_pretty(pg_current_wal_lsn()-'$l0'::pg_lsn)") table+index=$(pe -c "SELECT pg_size_pretty(pg_total_relation_size('records'))")"
  done
done
pe -c "TRUNCATE records"

# ---------------------------------------------------------------- pglogical setup
pe -c "CREATE EXTENSION pglogical"
pe -c "SELECT pglogical.create_node(node_name := 'edge', dsn := '$ESQL')" >/dev/null
pe -c "SELECT pglogical.create_replication_set('records_set', replicate_insert := true, replicate_update := true, replicate_delete := true, replicate_truncate := true)" >/dev/null
pe -c "SELECT pglogical.replication_set_add_table('records_set', 'public.records', synchronize_data := false)" >/dev/null
ph -c "CREATE EXTENSION pglogical"
ph -c "SELECT pglogical.create_node(node_name := 'hub', dsn := '$HSQL')" >/dev/null
ph -c "SELECT pglogical.create_subscription(subscription_name := 'hub_sub', provider_dsn := '$ESQL', replication_sets := ARRAY['records_set'], synchronize_structure := false, synchronize_data := false, forward_origins := '{}')" >/dev/null
ph -c "SELECT pglogical.wait_for_subscription_sync_complete('hub_sub')"
wait_replicating() {
  local i s
  for i in $(seq 1 120); do
    s=$(ph -c "SELECT status FROM pglogical.show_subscription_status('hub_sub')")
    [ "$s" = replicating ] && [ -n "$(pe -c "SELECT pid FROM pg_stat_replication")" ] && return 0; sleep 0.5
  done
  log "ERROR: subscription not replicating (status=$s)"; exit 1
}
wait_replicating
log "subscription: $(ph -c "SELECT subscription_name||' '||status||' '||provider_node||' sets='||array_to_string(replication_sets,',') FROM pglogical.show_subscription_status('hub_sub')"); conflict_resolution=$(ph -c "SHOW pglogical.conflict_resolution"); batch_inserts=$(ph -c "SHOW pglogical.batch_inserts"); use_spi=$(ph -c "SHOW pglogical.use_spi"); pglogical.synchronous_commit=$(ph -c "SHOW pglogical.synchronous_commit")"

# ---------------------------------------------------------------- memory / CPU sampler (M5)
child_pid() { ps --ppid "$(head -1 "$1/postmaster.pid")" -o pid=,args= | grep -F "$2" | awk 'NR==1{print $1}'; }
# RSS counts shared_buffers pages the process has touched (RssShmem); RssAnon is its private heap.
sampler_start() {  # $1 = label; writes "role pid VmRSS_kB RssAnon_kB RssShmem_kB Pss_kB cpu_ticks" every 0.5 s
  ( while :; do
      for spec in "walsender:$EDGE:walsender" "apply:$HUB:pglogical apply"; do
        IFS=: read -r role dir pat <<< "$spec"
        p=$(child_pid "$dir" "$pat" || true)
        if [ -n "$p" ] && [ -r /proc/$p/smaps_rollup ]; then
          m=$(awk '/^VmRSS:/{r=$2} /^RssAnon:/{a=$2} /^RssShmem:/{h=$2} END{printf "%s %s %s ", r, a, h}' /proc/$p/status 2>/dev/null || true)
          m="$m$(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup 2>/dev/null || true)"
          c=$(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || true)
          [ -n "$m" ] && [ -n "$c" ] && echo "$role $p $m $c"
        fi
      done
      sleep 0.5
    done ) > "$BASE/run/mem.$1" &
  SAMPLER=$!; BGPIDS+=("$SAMPLER")
}
sampler_stop() {  # prints max RSS / RssAnon / RssShmem / PSS and CPU seconds used (sum over pids) per role
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
  local tck; tck=$(getconf CLK_TCK)
  awk -v t="$tck" 'NF==7{k=$1; if($3>rss[k])rss[k]=$3; if($4>an[k])an[k]=$4; if($5>sh[k])sh[k]=$5; if($6>pss[k])pss[k]=$6;
       id=$1" "$2; if(!(id in c0)){c0[id]=$7; role[id]=$1}; c1[id]=$7}
       END{for(i in c0) cpu[role[i]]+=(c1[i]-c0[i])/t;
           for(k in rss) printf "%s: maxRSS=%.1fMB (maxRssAnon=%.1fMB maxRssShmem=%.1fMB) maxPSS=%.1fMB cpu=%.1fs; ", k, rss[k]/1024, an[k]/1024, sh[k]/1024, pss[k]/1024, cpu[k]}' "$BASE/run/mem.$1"
}

# Poll the hub until row ($1, generation $2) is present; meanwhile note when the provider load
# (background psql, end time written to $3) finishes and take the lag at that moment.
# Sets: T_HUB (done), T_PROV (provider finished), LAG_BYTES (edge WAL not yet replayed), LAG_ROWS.
follow() {
  local key=$1 gen=$2 endf=$3 expect_rows=$4
  T_PROV=""; LAG_BYTES=""; LAG_ROWS=""
  while :; do
    if [ -z "$T_PROV" ] && [ -s "$endf" ]; then
      T_PROV=$(cat "$endf")
      LAG_BYTES=$(pe -c "SELECT coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),0)::bigint FROM pg_stat_replication")
      LAG_ROWS=$(( expect_rows - $(ph -c "SELECT count(*) FROM records") ))
    fi
    if [ "$(hub_has "$key" "$gen")" = 1 ]; then T_HUB=$(ts); break; fi
    sleep 0.1
  done
  if [ -z "$T_PROV" ]; then   # hub finished before we noticed the provider end (only if lag ~0)
    while [ ! -s "$endf" ]; do sleep 0.05; done; T_PROV=$(cat "$endf"); LAG_BYTES=0; LAG_ROWS=0
  fi
}
check_equal() {
  local a b; a=$(pe -c "SELECT count(*) FROM records"); b=$(ph -c "SELECT count(*) FROM records")
  [ "$a" = "$b" ] && [ "$a" = "$1" ] || { log "ERROR: counts edge=$a hub=$b expected=$1"; exit 1; }
}

# ---------------------------------------------------------------- M2-M4 (+M5), REPS times
for ((r=1; r<=REPS; r++)); do
  # reset: truncate (replicated via pglogical's truncate trigger), then make sure the hub is empty
  pe -c "TRUNCATE records"; sleep 2
  for i in $(seq 1 60); do [ "$(ph -c "SELECT count(*) FROM records")" = 0 ] && break; sleep 1; done
  [ "$(ph -c "SELECT count(*) FROM records")" = 0 ] || ph -c "TRUNCATE records"
  pe -c "VACUUM records"; ph -c "VACUUM records"; wait_replicating

  # ---- M2 live replication: N new keys 1..N
  settle; gate "M2-r$r"; watch_start "M2-r$r"; sampler_start "M2-r$r"; hw=$(hub_wal)
  rm -f "$BASE/run/end"
  t0=$(ts); ( pe -f "$BASE/run/ins_1.sql"; ts > "$BASE/run/end.tmp"; mv "$BASE/run/end.tmp" "$BASE/run/end" ) & LOADPID=$!; BGPIDS+=("$LOADPID")
  follow "$N" 0 "$BASE/run/end" "$N"; wait "$LOADPID"
  mem=$(sampler_stop "M2-r$r"); watch_stop "M2-r$r"; check_equal "$N"
  rec M2_provider_only $r $N "$(fsub $T_PROV $t0)" "(provider insert time while replicating)"
  rec M2_end_to_end $r $N "$(fsub $T_HUB $t0)" "lag_at_provider_end: secs=$(fsub $T_HUB $T_PROV) bytes=$LAG_BYTES rows_behind=$LAG_ROWS $(hub_wal_delta "$hw")"
  log "  M5 memory during M2-r$r: $mem"

  # ---- M3 catch-up: disable, N new keys N+1..2N, enable
  ph -c "SELECT pglogical.alter_subscription_disable('hub_sub', immediate := true)" >/dev/null
  sleep 2
  settle; gate "M3-load-r$r"; watch_start "M3-load-r$r"
  t0=$(ts); pe -f "$BASE/run/ins_2.sql"; t1=$(ts); watch_stop "M3-load-r$r"
  rec M3_provider_load_while_disabled $r $N "$(fsub $t1 $t0)" "slot_retained=$(pe -c "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)) FROM pg_replication_slots")"
  settle; gate "M3-catchup-r$r"; watch_start "M3-catchup-r$r"; sampler_start "M3-r$r"; hw=$(hub_wal)
  t0=$(ts); ph -c "SELECT pglogical.alter_subscription_enable('hub_sub', immediate := true)" >/dev/null
  until [ "$(hub_has $((N+1)) 0)" = 1 ]; do sleep 0.1; done; tfirst=$(ts)
  until [ "$(hub_has $((2*N)) 0)" = 1 ]; do sleep 0.1; done; t1=$(ts)
  mem=$(sampler_stop "M3-r$r"); watch_stop "M3-catchup-r$r"; check_equal $((2*N))
  rec M3_catchup $r $N "$(fsub $t1 $t0)" "first_row_after=$(fsub $tfirst $t0)s (apply worker/walsender startup) $(hub_wal_delta "$hw")"
  log "  M5 memory during M3-r$r: $mem"
  wait_replicating

  # ---- M4 upsert replication: keys 1..UPD updated (generation 1)
  settle; gate "M4-r$r"; watch_start "M4-r$r"; sampler_start "M4-r$r"; hw=$(hub_wal)
  rm -f "$BASE/run/end"
  t0=$(ts); ( pe -f "$BASE/run/ups.sql"; ts > "$BASE/run/end.tmp"; mv "$BASE/run/end.tmp" "$BASE/run/end" ) & LOADPID=$!; BGPIDS+=("$LOADPID")
  follow "$UPD" 1 "$BASE/run/end" "$UPD"; wait "$LOADPID"
  mem=$(sampler_stop "M4-r$r"); watch_stop "M4-r$r"; check_equal $((2*N))
  n_new=$(ph -c "SELECT count(*) FROM records WHERE hlc % 4 = 1"); [ "$n_new" = "$UPD" ] || { log "ERROR: hub has $n_new upserted rows, expected $UPD"; exit 1; }
  rec M4_provider_only $r $UPD "$(fsub $T_PROV $t0)" "(provider upsert time while replicating)"
  rec M4_upsert_end_to_end $r $UPD "$(fsub $T_HUB $t0)" "lag_at_provider_end: secs=$(fsub $T_HUB $T_PROV) bytes=$LAG_BYTES $(hub_wal_delta "$hw")"
  log "  M5 memory during M4-r$r: $mem"
  log "  conflict lines in hub log so far: $(grep -ciE 'conflict' $BASE/hub.log || true)"
  log "  decoding stats (edge pg_stat_replication_slots, cumulative): $(pe -c "SELECT 'total_txns='||total_txns||' total_bytes='||pg_size_pretty(total_bytes)||' spill_txns='||spill_txns||' spill_bytes='||pg_size_pretty(spill_bytes)||' stream_txns='||stream_txns FROM pg_stat_replication_slots")"
done

# ---------------------------------------------------------------- summary (medians)
echo; echo "=== per-run results ($RESULTS) ==="; column -t -s $'\t' "$RESULTS" | cut -c1-220
echo; echo "=== medians over $REPS run(s) ==="
tail -n +2 "$RESULTS" | awk -F'\t' '{s[$1]=s[$1]" "$4; n[$1]=$3} END{for(k in s){m=split(substr(s[k],2),a," ");
   for(i=1;i<=m;i++)for(j=i+1;j<=m;j++)if(a[j]<a[i]){x=a[i];a[i]=a[j];a[j]=x};
   med=(m%2)?a[(m+1)/2]:(a[m/2]+a[m/2+1])/2; printf "%-34s rows=%-8s median_s=%-8.3f rows/s=%-8.0f (runs: %s)\n", k, n[k], med, n[k]/med, substr(s[k],2)}}' | sort
echo; log "total time waited for a quiet machine: ${WAITED}s"
log "done; stopping clusters"
