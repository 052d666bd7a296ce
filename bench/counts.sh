#!/bin/sh
# bench/counts.sh — `make bench-counts`: calls into libcurl and heap allocations per request, for
# gentask and the floor on the same job. Counts, not times: they hold on a busy machine.
#
# The job is `make bench`'s (N FoxAPI tasks at gentask-sim, polled every BENCH_POLL seconds), run
# at N = COUNTS_N1 and COUNTS_N2 (1000, 2000) with build/bench/counts.so preloaded into the client
# (bench/counts.c: it counts libcurl's multi calls, its callbacks, setopt calls and allocations by
# the object that made them). The table divides the difference between the two runs by the
# difference in requests the simulator answered (submits + polls), so start-up cancels out.
# Settings: COUNTS_N1, COUNTS_N2, COUNTS_REPEAT (3: the table shows medians), COUNTS_PEERS
# (gentask-5.4 gentask-luajit floor-options floor), BENCH_POLL (0.25), BENCH_DURATION_MS (2000),
# BENCH_DIALECT (foxapi, or flora as in `make bench`), BENCH_OUT (build/bench: counts-*.txt are kept there).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"

COUNTS_N1=${COUNTS_N1:-1000}
COUNTS_N2=${COUNTS_N2:-2000}
COUNTS_REPEAT=${COUNTS_REPEAT:-3}
COUNTS_PEERS=${COUNTS_PEERS:-gentask-5.4 gentask-luajit floor-options floor}
BENCH_POLL=${BENCH_POLL:-0.25}
BENCH_DURATION_MS=${BENCH_DURATION_MS:-2000}
BENCH_OUT=${BENCH_OUT:-build/bench}
BENCH_DIALECT=${BENCH_DIALECT:-foxapi}
export GENTASK_ROOT="$root" LD_PRELOAD="" BENCH_DIALECT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

raw="$BENCH_OUT/counts-raw.txt"
table="$BENCH_OUT/counts-table.txt"
mkdir -p "$BENCH_OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/gentask-counts.XXXXXX")
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

. bench/peers.sh   # start_sim, field, peer_command

start_sim bench-counts --duration-ms "$BENCH_DURATION_MS" --backlog 4096
admin="http://127.0.0.1:$sim_port/_sim"
base="http://127.0.0.1:$sim_port/$BENCH_DIALECT"

: > "$raw"
for rep in $(seq "$COUNTS_REPEAT"); do
  for peer in $COUNTS_PEERS; do
    for n in $COUNTS_N1 $COUNTS_N2; do
      printf '  %s N=%s run %s/%s\n' "$peer" "$n" "$rep" "$COUNTS_REPEAT"
      curl -s -X POST "$admin/reset" > /dev/null
      : > "$work/counts"
      # shellcheck disable=SC2046
      out=$(env LD_PRELOAD="$root/build/bench/counts.so" GT_COUNTS_OUT="$work/counts" \
        $(peer_command "$peer") "$base" "$n" "$BENCH_POLL" 2> "$work/err" | tail -n 1)
      ok=$(field ok "$out")
      [ "$ok" = "$n" ] || echo "bench-counts: $peer N=$n: ${ok:-no result}/$n succeeded: $(head -c 300 "$work/err")" >&2
      stats=$(curl -s "$admin/stats?tasks=0")
      printf 'peer=%s n=%s rep=%s ok=%s requests=%s %s\n' "$peer" "$n" "$rep" "${ok:-0}" \
        "$(( $(field submissions "$stats") + $(field polls "$stats") ))" "$(cat "$work/counts")" >> "$raw"
    done
  done
done

lua5.4 bench/counts_table.lua "$raw" "$COUNTS_N1" "$COUNTS_N2" > "$table"
{ echo; cat "$table"; echo "raw counts: $raw"; }
