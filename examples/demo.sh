#!/bin/sh
# examples/demo.sh LUA_BIN MODULE_DIR — `make demo`: start the simulator, run the pipeline, stop it.
set -eu
lua_bin=$1
module_dir=$2
build=${GENTASK_BUILD:-build}

fifo=$(mktemp -u)
mkfifo "$fifo"
"$build/gentask-sim" --port 0 --duration-ms 2000 > "$fifo" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; rm -f "$fifo"' EXIT INT TERM
read -r banner < "$fifo"
port=$(echo "$banner" | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p')
echo "$banner"

LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="$module_dir/?.so;;" \
FOXAPI_BASE_URL="http://127.0.0.1:$port/foxapi" \
  "$lua_bin" examples/pipeline.lua
