#!/bin/sh
# bench/openresty_wait.sh [N] — how gentask waits inside nginx, measured against its peer.
#
# One nginx worker answers N concurrent requests, each waiting (task:result()) for a 1 s
# generation at the simulator. Two ways of waiting, each in its own nginx, in the same run:
#   driver  gentask.loop.ngx as shipped: one driver per worker steps the engine every tick while
#           anything is in flight; each request sleeps on its own semaphore until the driver posts
#   poll    the peer: every waiting request wakes every tick itself, steps the engine and looks
# Prints the worker's CPU time for the N requests and the wall time of the batch, and the ratios.
# Needs make LUA=luajit, nginx and libnginx-mod-http-lua (make deps), curl.
set -eu
N=${1:-200}
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
export LD_PRELOAD=
[ -f build/luajit/gentask/core.so ] && [ -x build/gentask-sim ] || { echo "run make all LUA=luajit first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/gentask-bench.XXXXXX")
sim_pid=""
ngx_pid=""
cleanup() {
  [ -n "$ngx_pid" ] && kill "$ngx_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

build/gentask-sim --port 0 --duration-ms 1000 > "$work/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 50); do grep -q listening "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
sim_port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/sim.out")
port=$(( 20000 + $$ % 20000 ))

# the peer: every waiting request polls the engine itself (what gentask.loop.ngx chose not to do)
poll_host='
  local scheduler = require "gentask.scheduler"
  scheduler.set_host { yields = true, idle = function(engine, seconds, runnable)
    if runnable then return end
    ngx.sleep(0.005)
    engine:step(0)
  end }'

run() {   # run VARIANT INIT_WORKER_LUA → "cpu_seconds wall_seconds ok"
  mkdir -p "$work/$1/logs" "$work/$1/conf"
  cat > "$work/$1/conf/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
daemon off; master_process off; worker_processes 1;
error_log logs/error.log warn; pid logs/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path logs; proxy_temp_path logs; fastcgi_temp_path logs; uwsgi_temp_path logs; scgi_temp_path logs;
  lua_package_path "$root/lua/?.lua;$root/lua/?/init.lua;;";
  lua_package_cpath "$root/build/luajit/?.so;;";
  init_worker_by_lua_block { require "gentask" $2 }
  server {
    listen 127.0.0.1:$port backlog=4096;
    location = /ping { content_by_lua_block { ngx.say("pong") } }
    location = /generate { content_by_lua_block {
      local gentask = require "gentask"
      CLIENT = CLIENT or gentask.client { provider = "foxapi", api_key = "sk-test-gentask",
        base_url = "http://127.0.0.1:$sim_port/foxapi", poll_interval = 0.25, poll_max_interval = 0.25 }
      local result = CLIENT:submit("flux-dev", { prompt = ngx.var.arg_p }):result(60)
      ngx.say(result and "ok" or "failed")
    } }
  }
}
CONF
  nginx -p "$work/$1" -c conf/nginx.conf > "$work/$1/stderr" 2>&1 &
  ngx_pid=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1 && break; sleep 0.1; done
  cpu0=$(awk '{print $14 + $15}' "/proc/$ngx_pid/stat")
  t0=$(date +%s.%N)
  seq "$N" | xargs -P "$N" -I{} curl -s "http://127.0.0.1:$port/generate?p={}" > "$work/$1/answers"
  t1=$(date +%s.%N)
  cpu1=$(awk '{print $14 + $15}' "/proc/$ngx_pid/stat")
  kill "$ngx_pid"; wait "$ngx_pid" 2>/dev/null || true; ngx_pid=""
  ticks=$(getconf CLK_TCK)
  awk -v c0="$cpu0" -v c1="$cpu1" -v hz="$ticks" -v t0="$t0" -v t1="$t1" -v ok="$(grep -c '^ok$' "$work/$1/answers")" \
    'BEGIN { print (c1 - c0) / hz, t1 - t0, ok }'

}

set -- $(run driver "") $(run poll "$poll_host")
printf '%d requests, each waiting for a 1 s generation, on one nginx worker\n' "$N"
printf '  driver (shipped): worker CPU %.3f s, batch %.2f s, %d ok\n' "$1" "$2" "$3"
printf '  poll (peer):      worker CPU %.3f s, batch %.2f s, %d ok\n' "$4" "$5" "$6"
awk -v a="$1" -v b="$4" -v s="$2" -v t="$5" \
  'BEGIN { printf "CPU ratio poll/driver: %.1f   batch ratio poll/driver: %.2f\n", b / (a + 0.001), t / s }'
