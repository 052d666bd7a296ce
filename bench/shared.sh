#!/bin/sh
# bench/shared.sh — `make bench-shared`: what the key's shared state costs per submit, by backend,
# in one run. The job: N FoxAPI tasks at gentask-sim (BENCH_DURATION_MS each), all submitted at
# once by one client (Lua 5.4) and waited for, with the journal option set to:
#   none         no journal: the key's state in the process (the reference)
#   file         an SQLite journal file (the key's state shared by the processes of one machine)
#   redis-tcp    redis://127.0.0.1:PORT/bench (shared by machines), over loopback TCP
#   redis-unix   the same Redis through its unix socket
# Every run of a backend is interleaved with the others' (BENCH_REPEAT times); the table shows
# medians of the client's CPU (user + sys, from wait4(2): bench/rusage.c) and wall time, and the
# extra CPU per submit over "none" — what a journal costs for each task: its records, its places,
# its lease — and that extra cost as a multiple of the file's. Redis runs here on the same
# machine, with appendonly yes (fsync every second, Redis's default) as docs/journal.md requires.
#
# Settings (environment): BENCH_N ("1000"), BENCH_REPEAT (3), BENCH_DURATION_MS (200),
# BENCH_OUT (build/bench). Not part of make test.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
BENCH_N=${BENCH_N:-1000}
BENCH_REPEAT=${BENCH_REPEAT:-3}
BENCH_DURATION_MS=${BENCH_DURATION_MS:-200}
BENCH_OUT=${BENCH_OUT:-build/bench}
BACKENDS="none file redis-tcp redis-unix"
export GENTASK_ROOT="$root" LD_PRELOAD=
mkdir -p "$BENCH_OUT"
raw="$BENCH_OUT/results-shared.tsv"
: > "$raw"

work=$(mktemp -d "${TMPDIR:-/tmp}/gentask-bench-shared.XXXXXX")
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

. bench/peers.sh   # start_sim
start_sim bench --duration-ms "$BENCH_DURATION_MS"
base="http://127.0.0.1:$sim_port/foxapi"

redis_port=$(lua5.4 -e 'local s = require("socket").bind("127.0.0.1", 0) local _, port = s:getsockname() print(port) s:close()')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly yes --dir "$work" \
  --unixsocket "$work/redis.sock" --unixsocketperm 700 --daemonize yes --pidfile "$work/redis.pid" \
  --logfile "$work/redis.log"
for _ in $(seq 100); do redis-cli -p "$redis_port" PING 2>/dev/null | grep -q PONG && break; sleep 0.05; done
redis-cli -p "$redis_port" PING | grep -q PONG || { echo "bench: redis-server did not start" >&2; exit 1; }

journal_of() {
  case $1 in
    none) echo "" ;;
    file) echo "$work/journal.db" ;;
    redis-tcp) echo "redis://127.0.0.1:$redis_port/bench" ;;
    redis-unix) echo "redis://$work/redis.sock/bench" ;;
  esac
}

for rep in $(seq "$BENCH_REPEAT"); do
  for backend in $BACKENDS; do
    rm -f "$work/journal.db" "$work/journal.db-wal" "$work/journal.db-shm"
    redis-cli -p "$redis_port" FLUSHALL > /dev/null
    out=$(build/bench/rusage "$work/rusage" lua5.4 bench/peer_shared.lua "$base" "$BENCH_N" "$(journal_of "$backend")" \
      2> "$work/peer.err") || true
    ok=$(printf '%s' "$out" | sed -n 's/.*"ok": *\([0-9]*\).*/\1/p')
    read -r user sys wall _ < "$work/rusage"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$BENCH_N" "$rep" "${ok:-0}" "$user" "$sys" "$wall" >> "$raw"
    [ -s "$work/peer.err" ] && sed "s/^/  $backend: /" "$work/peer.err" >&2
  done
done

lua5.4 bench/shared_table.lua "$raw" "$BACKENDS" | tee "$BENCH_OUT/table-shared.txt"
