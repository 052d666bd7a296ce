#!/bin/sh
# spec/concurrent.sh — `make test`'s spec runs, all at once: one busted run per Lua version in
# $VERSIONS (`make spec-one LUA=v`, the modules already built) and, when $ROCK_VERSIONS is not
# empty, the installed-rock test (tools/rock-test.sh) for those versions. Most of a spec's time is
# waiting (the simulator's delays, redis, polls), not CPU, so the runs overlap well even on two
# cores. Each run writes to its own log, $GENTASK_BUILD/test-<name>.log, printed whole once that
# run ends (first done, first printed: never interleaved), and to its own summary file; once all
# have ended, their summary lines are appended to $GENTASK_BUILD/summary (and .failures) in the
# order of the runs, for spec/total.sh. Exits non-zero when any run failed.
#
# The runs share nothing that could collide: every spec takes its ports from the kernel, its files
# and directories from mktemp/os.tmpname, and stops what it started by PID; the host specs
# (Neovim, LÖVE, nginx) run in the LuaJIT pass alone. The rock test builds with `make` in
# build/rock/, which no spec run touches (they run no make that builds), and its two versions
# run one after the other, as they share build/rock/sim/.
set -u
build=${GENTASK_BUILD:-build}
make=${MAKE:-make}
versions=${VERSIONS-5.4 5.1 luajit}   # set but empty: no spec run (as make test VERSIONS=)
rock_versions=${ROCK_VERSIONS:-}
mkdir -p "$build"

runs=
start() {   # start NAME COMMAND...: COMMAND in the background, into NAME's log and summary
  name=$1
  shift
  rm -f "$build/test-$name.log" "$build/test-$name.status" "$build/summary-$name" "$build/summary-$name.failures"
  (
    GENTASK_SUMMARY=$build/summary-$name "$@" > "$build/test-$name.log" 2>&1
    echo $? > "$build/test-$name.status"
  ) &
  runs="$runs $name"
}

for v in $versions; do start "$v" "$make" --no-print-directory spec-one LUA="$v"; done
[ -n "$rock_versions" ] && start rock sh tools/rock-test.sh $rock_versions
echo "== concurrently:$runs (logs: $build/test-<name>.log, each printed when it ends)"

began=$(date +%s)
status=0
waiting=$runs
while [ -n "$waiting" ]; do
  still=
  for name in $waiting; do
    if [ -s "$build/test-$name.status" ]; then
      rc=$(cat "$build/test-$name.status")
      echo "== $build/test-$name.log (ended after $(( $(date +%s) - began )) s, exit $rc)"
      cat "$build/test-$name.log"
      [ "$rc" = 0 ] || status=1
    else
      still="$still $name"
    fi
  done
  waiting=$still
  [ -z "$waiting" ] || sleep 1
done
wait

# in the order the runs were started, whatever order they ended in
for name in $runs; do
  if [ -s "$build/summary-$name" ]; then
    cat "$build/summary-$name" >> "$build/summary"
  else
    echo "$name 0 1 0" >> "$build/summary"   # a run that wrote no summary line failed
    status=1
  fi
  [ ! -f "$build/summary-$name.failures" ] || cat "$build/summary-$name.failures" >> "$build/summary.failures"
done
exit $status
