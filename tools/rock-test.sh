#!/bin/sh
# tools/rock-test.sh [LUA_VERSION...] — the installed-rock test (`make rock-test`, and part of
# `make test`). For each Lua version (default: 5.4 5.1): `luarocks make` both rockspecs, offline,
# into one fresh temporary tree: the library (gentask-scm-1.rockspec), whose build log must name no
# libmicrohttpd and which must install no simulator, then the simulator
# (gentask-sim-scm-1.rockspec). Then run spec/rock/installed.lua with busted against that tree
# alone: package.path/cpath from `luarocks path --tree`, the tree as working directory,
# GENTASK_SIM = the tree's bin/gentask-sim. One summary line per version is appended to
# $GENTASK_SUMMARY (default build/summary), labelled rock_Lua_<version>, for spec/total.sh.
# GENTASK_KEEP_ROCK=1 keeps the trees (their paths are printed).
set -u
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root" || exit 1
summary=${GENTASK_SUMMARY:-build/summary}
case $summary in /*) ;; *) summary=$root/$summary ;; esac
mkdir -p "$(dirname "$summary")"
versions=${*:-5.4 5.1}

# `luarocks make` runs make again: this make's command-line variables (LUA=, BUILD_SUFFIX=, SAN=,
# OPT= ...) travel in MAKEFLAGS and must not reach it. Nor may the caller's Lua paths reach
# `luarocks path` (it folds them into what it prints) or the spec.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
unset LUA_PATH LUA_CPATH LUA_INIT LUA_PATH_5_1 LUA_CPATH_5_1 LUA_PATH_5_4 LUA_CPATH_5_4 \
  LUA_INIT_5_4 LUA_PATH_5_2 LUA_CPATH_5_2 LUA_PATH_5_3 LUA_CPATH_5_3 LD_PRELOAD

fail() {   # fail VERSION MESSAGE: one failed run on the summary
  echo "rock-test: Lua $1: $2" >&2
  echo "rock_Lua_$1 0 1 0" >> "$summary"
}

command -v luarocks >/dev/null 2>&1 || { for v in $versions; do fail "$v" "luarocks is not installed: run 'make deps'"; done; exit 1; }
busted_bin=$(command -v busted) || { for v in $versions; do fail "$v" "busted is not installed: run 'make deps'"; done; exit 1; }

status=0
for v in $versions; do
  started=$(date +%s)
  tree=$(mktemp -d "${TMPDIR:-/tmp}/gentask-rock-$v.XXXXXX") || { fail "$v" "mktemp failed"; status=1; continue; }
  tree=$(cd "$tree" && pwd -P)
  echo "== installed rock on Lua $v: luarocks make --tree $tree"
  problem=
  if ! luarocks --lua-version "$v" make --deps-mode=none --tree "$tree" gentask-scm-1.rockspec \
       > "$tree.log" 2>&1; then
    problem="luarocks make gentask-scm-1.rockspec failed"
  elif grep -qi 'microhttpd' "$tree.log" || [ -e "$tree/bin/gentask-sim" ]; then
    problem="the library rock used libmicrohttpd or installed gentask-sim"
  elif ! luarocks --lua-version "$v" make --deps-mode=none --tree "$tree" \
       gentask-sim-scm-1.rockspec >> "$tree.log" 2>&1; then
    problem="luarocks make gentask-sim-scm-1.rockspec failed"
  fi
  if [ -n "$problem" ]; then
    cat "$tree.log"
    fail "$v" "$problem"
    status=1
    [ -n "${GENTASK_KEEP_ROCK:-}" ] || rm -rf "$tree" "$tree.log"
    continue
  fi
  grep -i 'warning' "$tree.log" || true   # luarocks' own warnings, if any, are worth seeing
  lua_bin=$(luarocks --lua-version "$v" config variables.LUA 2>/dev/null) || lua_bin=lua$v
  rm -f "$tree.summary"
  # a subshell: the paths of one version must not leak into the next
  if ! (
    eval "$(luarocks --lua-version "$v" path --tree "$tree")" || exit 1
    export LUA_PATH LUA_CPATH
    cd "$tree" || exit 1
    GENTASK_ROCK_TREE=$tree GENTASK_SOURCE=$root GENTASK_SIM=$tree/bin/gentask-sim \
    GENTASK_SUMMARY=$tree.summary \
      "$lua_bin" "$busted_bin" -o "$root/spec/support/summary_output.lua" "$root/spec/rock/installed.lua"
  ); then status=1; fi
  # a simulator the spec started and did not stop (a crash): stop it, by its pid only
  if [ -f "$tree/sim.pid" ]; then
    pid=$(cat "$tree/sim.pid")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && echo "rock-test: stopped a leftover gentask-sim (pid $pid)"
  fi
  if [ -s "$tree.summary" ]; then
    sed "s/^[^ ]*/rock_Lua_$v/" "$tree.summary" >> "$summary"
  else
    fail "$v" "busted died before its summary"   # a crash still counts as a failed run
    status=1
  fi
  echo "== installed rock on Lua $v: $(( $(date +%s) - started )) s (luarocks make and the spec)"
  if [ -n "${GENTASK_KEEP_ROCK:-}" ]; then echo "rock-test: kept $tree"
  else rm -rf "$tree" "$tree.log" "$tree.summary"; fi
done
exit $status
