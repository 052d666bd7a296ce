#!/bin/sh
# tools/rock-test.sh [LUA_VERSION...] — the installed-rock test (`make rock-test`, and part of
# `make test`), offline, in two stages per Lua version (default: 5.4 5.1), each into a fresh
# temporary tree, each followed by spec/rock/installed.lua run with busted against that tree alone
# (package.path/cpath from `luarocks path --tree`, the tree as working directory, GENTASK_SIM = the
# tree's bin/gentask-sim):
#  1. the checkout: `luarocks make` of gentask-scm-1.rockspec, whose build log must name no
#     libmicrohttpd and which must install no simulator, then of gentask-sim-scm-1.rockspec
#     (--deps-mode=none, as README's "Install with LuaRocks" says a developer does).
#  2. the release: the source rocks `make dist` makes (tools/dist.sh, once, into a temporary
#     directory), copied alone into an empty directory, installed from there with
#     `luarocks install ./gentask-V-1.src.rock` (and gentask-sim's): no checkout beside them, no
#     network. Dependencies: lua-cjson and argparse are Debian's (apt), which luarocks cannot see as
#     rocks; rather than skip the check (--deps-mode=none) or go online for them, a LuaRocks config
#     (LUAROCKS_CONFIG) declares them provided, at the versions apt installed, and
#     --deps-mode=one looks for rocks in the fresh tree alone, so the rockspec's dependencies are
#     checked against what this machine has and nothing another tree holds can hide a missing one.
# One summary line per stage and version is appended to $GENTASK_SUMMARY (default build/summary),
# labelled rock_Lua_<version> (1) and srcrock_Lua_<version> (2), for spec/total.sh; failures'
# details to $GENTASK_SUMMARY.failures. GENTASK_KEEP_ROCK=1 keeps the trees (their paths are printed).
set -u
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root" || exit 1
summary=${GENTASK_SUMMARY:-build/summary}
case $summary in /*) ;; *) summary=$root/$summary ;; esac
mkdir -p "$(dirname "$summary")"
versions=${*:-5.4 5.1}

# `luarocks make` runs make again: this make's command-line variables (LUA=, BUILD_SUFFIX=, SAN=,
# OPT= ...) travel in MAKEFLAGS and must not reach it. Nor may the caller's Lua paths reach
# `luarocks path` (it folds them into what it prints) or the spec, nor the caller's LuaRocks config.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
unset LUA_PATH LUA_CPATH LUA_INIT LUA_PATH_5_1 LUA_CPATH_5_1 LUA_PATH_5_4 LUA_CPATH_5_4 \
  LUA_INIT_5_4 LUA_PATH_5_2 LUA_CPATH_5_2 LUA_PATH_5_3 LUA_CPATH_5_3 LD_PRELOAD \
  LUAROCKS_CONFIG LUAROCKS_CONFIG_5_1 LUAROCKS_CONFIG_5_4

fail() {   # fail LABEL MESSAGE: one failed run on the summary
  echo "rock-test: $1: $2" >&2
  echo "$1 0 1 0" >> "$summary"
}

fail_all() {   # fail_all MESSAGE: both stages of every version failed
  for v in $versions; do fail "rock_Lua_$v" "$1"; fail "srcrock_Lua_$v" "$1"; done
}

command -v luarocks >/dev/null 2>&1 || { fail_all "luarocks is not installed: run 'make deps'"; exit 1; }
busted_bin=$(command -v busted) || { fail_all "busted is not installed: run 'make deps'"; exit 1; }

keep() { [ -n "${GENTASK_KEEP_ROCK:-}" ]; }

# run_spec VERSION LABEL TREE ROCK_VERSION [SRC_ROCKS_DIR]: spec/rock/installed.lua against TREE
run_spec() {
  v=$1 label=$2 tree=$3
  lua_bin=$(luarocks --lua-version "$v" config variables.LUA 2>/dev/null) || lua_bin=lua$v
  rm -f "$tree.summary" "$tree.summary.failures"
  # a subshell: the paths of one version must not leak into the next
  spec_status=0
  (
    eval "$(luarocks --lua-version "$v" path --tree "$tree")" || exit 1
    export LUA_PATH LUA_CPATH
    # the source rocks' stage: the spec installs them again (external dependencies missing)
    [ -z "${5:-}" ] || export LUAROCKS_CONFIG="$config"
    cd "$tree" || exit 1
    GENTASK_ROCK_TREE=$tree GENTASK_ROCK_VERSION=$4 GENTASK_SRC_ROCKS=${5:-} GENTASK_SOURCE=$root \
    GENTASK_SIM=$tree/bin/gentask-sim GENTASK_LUA_BIN=$lua_bin GENTASK_SUMMARY=$tree.summary \
      "$lua_bin" "$busted_bin" -o "$root/spec/support/summary_output.lua" "$root/spec/rock/installed.lua"
  ) || spec_status=1
  # a simulator the spec started and did not stop (a crash): stop it, by its pid only
  if [ -f "$tree/sim.pid" ]; then
    pid=$(cat "$tree/sim.pid")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && echo "rock-test: stopped a leftover gentask-sim (pid $pid)"
  fi
  if [ -s "$tree.summary" ]; then
    sed "s/^[^ ]*/$label/" "$tree.summary" >> "$summary"
    [ ! -s "$tree.summary.failures" ] || sed "s/^-- [^:]*:/-- $label:/" "$tree.summary.failures" >> "$summary.failures"
  else
    fail "$label" "busted died before its summary"   # a crash still counts as a failed run
    spec_status=1
  fi
  return $spec_status
}

# done_with TREE: remove it and its logs, or say where it is kept
done_with() {
  if keep; then echo "rock-test: kept $1"; else rm -rf "$1" "$1.log" "$1.summary" "$1.summary.failures"; fi
}

# stage 1: luarocks make from the checkout
make_stage() {
  v=$1
  tree=$(mktemp -d "${TMPDIR:-/tmp}/gentask-rock-$v.XXXXXX") || { fail "rock_Lua_$v" "mktemp failed"; return 1; }
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
    fail "rock_Lua_$v" "$problem"
    done_with "$tree"
    return 1
  fi
  grep -i 'warning' "$tree.log" || true   # luarocks' own warnings, if any, are worth seeing
  stage_status=0
  run_spec "$v" "rock_Lua_$v" "$tree" scm-1 || stage_status=1
  done_with "$tree"
  return $stage_status
}

# stage 2: the source rocks, from a directory that holds them alone
src_stage() {
  v=$1
  tree=$(mktemp -d "${TMPDIR:-/tmp}/gentask-srcrock-$v.XXXXXX") || { fail "srcrock_Lua_$v" "mktemp failed"; return 1; }
  tree=$(cd "$tree" && pwd -P)
  echo "== source rocks on Lua $v: luarocks install ./$lib_rock ./$sim_rock --tree $tree (in $rocks)"
  problem=
  for rock in "$lib_rock" "$sim_rock"; do
    if ! (cd "$rocks" && LUAROCKS_CONFIG=$config \
          luarocks --lua-version "$v" --tree "$tree" install --deps-mode=one "./$rock") >> "$tree.log" 2>&1; then
      problem="luarocks install ./$rock failed"
      break
    fi
  done
  if [ -n "$problem" ]; then
    cat "$tree.log"
    fail "srcrock_Lua_$v" "$problem"
    done_with "$tree"
    return 1
  fi
  grep -i 'warning' "$tree.log" || true
  stage_status=0
  run_spec "$v" "srcrock_Lua_$v" "$tree" "$release-1" "$rocks" || stage_status=1
  done_with "$tree"
  return $stage_status
}

# the release, once for every version: make dist into a temporary directory, then the two source
# rocks copied alone into an empty one
work=$(mktemp -d "${TMPDIR:-/tmp}/gentask-dist.XXXXXX") || { fail_all "mktemp failed"; exit 1; }
work=$(cd "$work" && pwd -P)
release=
if sh tools/dist.sh "$work/dist" > "$work/dist.log" 2>&1; then
  release=$(cd "$work/dist" && ls gentask-*.tar.gz | sed -n 's/^gentask-\(.*\)\.tar\.gz$/\1/p')
fi
lib_rock=gentask-$release-1.src.rock
sim_rock=gentask-sim-$release-1.src.rock
rocks=$work/rocks
config=$work/luarocks-config.lua
cjson_version=$(dpkg-query -W -f '${Version}' lua-cjson 2>/dev/null | sed 's/[+~-].*//')
argparse_version=$(dpkg-query -W -f '${Version}' lua-argparse 2>/dev/null | sed 's/[+~-].*//')
dist_problem=
if [ -z "$release" ] || [ ! -f "$work/dist/$lib_rock" ] || [ ! -f "$work/dist/$sim_rock" ]; then
  cat "$work/dist.log"
  dist_problem="make dist (tools/dist.sh) made no source rocks"
elif [ -z "$cjson_version" ] || [ -z "$argparse_version" ]; then
  dist_problem="lua-cjson and lua-argparse are not installed from apt: run 'make deps'"
else
  mkdir "$rocks" && cp "$work/dist/$lib_rock" "$work/dist/$sim_rock" "$rocks/"
  printf 'rocks_provided = { ["lua-cjson"] = "%s-1", argparse = "%s-1" }   -- from apt\n' \
    "$cjson_version" "$argparse_version" > "$config"
  echo "== make dist ($work/dist):"
  cat "$work/dist.log"
  echo "== $config: $(cat "$config")"
fi

status=0
for v in $versions; do
  started=$(date +%s)
  make_stage "$v" || status=1
  if [ -n "$dist_problem" ]; then
    fail "srcrock_Lua_$v" "$dist_problem"
    status=1
  else
    src_stage "$v" || status=1
  fi
  echo "== installed rocks on Lua $v: $(( $(date +%s) - started )) s (both stages and their specs)"
done
if keep; then echo "rock-test: kept $work"; else rm -rf "$work"; fi
exit $status
