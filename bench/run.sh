#!/bin/sh
# bench/run.sh — `make bench`: gentask against its peers on the same job, side by side.
#
# The job: N FoxAPI tasks of BENCH_DURATION_MS each at gentask-sim, all submitted at once, each
# polled every BENCH_POLL seconds until it ends, its result URL kept. With BENCH_DIALECT=flora the
# tasks are FLORA runs instead: every submit carries an idempotency key of its own, which the
# provider honours, so a client may send submits on shared connections. The peers, one file each,
# all called as PEER BASE_URL N POLL_INTERVAL and printing {"ok": K, "n": N}:
#   gentask-5.4     lua5.4 bench/peer_gentask.lua   (gentask.run + client:submit + gentask.settle)
#   gentask-luajit  luajit bench/peer_gentask.lua
#   httpx           python3 bench/peer_httpx.py     (asyncio + httpx)
#   aiohttp         python3 bench/peer_aiohttp.py   (asyncio + aiohttp)
#   floor           build/bench/floor               (bench/floor.c: bare libcurl multi + cJSON)
#   floor-options   the floor with FLOOR_GENTASK_OPTIONS=1: every request carries the libcurl
#                   options gentask's carry (what those options cost, apart from gentask's code)
# Each (peer, N) runs BENCH_REPEAT times, interleaved with the other peers, and the table shows
# medians: the client's CPU (user + sys of the client process only, from wait4(2) in
# bench/rusage.c: /usr/bin/time -f "%U %S %e %M" would say the same to the centisecond), wall time,
# peak RSS, tasks that succeeded, and what the simulator counted (GET /_sim/stats after a
# POST /_sim/reset before each run): requests, polls and TCP connections per task. N = 0 is run
# too: "marginal CPU" is CPU(N) - CPU(0), start-up excluded, and "x floor" divides it by the
# floor's; "x floor/req" does the same per request the simulator counted, and "x ideal" divides
# the wall time by the job's ideal makespan (BENCH_DURATION_MS + BENCH_POLL). With BENCH_TLS=1,
# nginx (HTTP/2 + TLS 1.3, a throwaway CA) proxies to the simulator and the peers go through it:
# connections are then counted at nginx, and a second table counts per task, from nginx's access
# log ($connection and $ssl_session_reused of every request), the connections that carried
# requests, those whose TLS session was new (full handshakes) and those that resumed one.
#
# Settings (environment): BENCH_N ("100 1000 10000"), BENCH_REPEAT (3), BENCH_POLL (0.25),
# BENCH_DURATION_MS (2000), BENCH_PEERS (all six, names as above), BENCH_TLS (0),
# BENCH_DIALECT (foxapi or flora), BENCH_MAX_REQUESTS (gentask's max_requests; unset, its default
# of 256) and FLOOR_MAX_ACTIVE (the floor's requests at once; 100),
# BENCH_PYTHON (/usr/bin/python3: Debian's, which has python3-httpx and python3-aiohttp),
# BENCH_OUT (build/bench: raw results and the table are kept there).
# Run from `make bench` (or `make bench-tls`), which builds the modules and the floor first.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"

BENCH_N=${BENCH_N:-100 1000 10000}
BENCH_REPEAT=${BENCH_REPEAT:-3}
BENCH_POLL=${BENCH_POLL:-0.25}
BENCH_DURATION_MS=${BENCH_DURATION_MS:-2000}
BENCH_PEERS=${BENCH_PEERS:-gentask-5.4 gentask-luajit httpx aiohttp floor-options floor}
BENCH_TLS=${BENCH_TLS:-0}
BENCH_PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
BENCH_OUT=${BENCH_OUT:-build/bench}
BENCH_DIALECT=${BENCH_DIALECT:-foxapi}
export GENTASK_ROOT="$root" LD_PRELOAD="" BENCH_DIALECT

case $BENCH_DIALECT in
  foxapi | flora) ;;
  *) echo "bench: BENCH_DIALECT is foxapi or flora, not $BENCH_DIALECT" >&2; exit 2 ;;
esac
if [ "$BENCH_TLS" = 1 ]; then config=tls; else config=http; fi
mkdir -p "$BENCH_OUT"
raw="$BENCH_OUT/results-$config-$BENCH_DIALECT.tsv"
table="$BENCH_OUT/table-$config-$BENCH_DIALECT.txt"

sh bench/deps.sh "$BENCH_TLS" || exit 1
for f in build/5.4/gentask/core.so build/luajit/gentask/core.so build/gentask-sim build/bench/floor \
  build/bench/rusage; do
  [ -e "$f" ] || { echo "bench: $f is missing: run make bench" >&2; exit 1; }
done

# Thousands of connections at once: as many descriptors as we may have (the peers inherit it).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d "${TMPDIR:-/tmp}/gentask-bench.XXXXXX")
sim_pid=""
nginx_pid=""
peer_pid=""
cleanup() {
  [ -n "$peer_pid" ] && kill -s TERM -- "-$peer_pid" 2>/dev/null   # bench/rusage and the peer
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- the simulator: once for this configuration, on a free loopback port -----------------------
sim_args="--duration-ms $BENCH_DURATION_MS"
notes=""
help=$(build/gentask-sim --help)
# 20,000 connections if the descriptor limit allows (the simulator wants a few spare descriptors)
max_connections=$(( $(ulimit -n) - 100 ))
[ "$max_connections" -gt 20000 ] && max_connections=20000
case $help in
  *--max-connections*) sim_args="$sim_args --max-connections $max_connections" ;;
  *) notes="${notes}gentask-sim has no --max-connections: its compiled-in limit of 4,000 connections applies
" ;;
esac
case $help in *--backlog*) sim_args="$sim_args --backlog 4096" ;; esac
. bench/peers.sh   # start_sim, field, peer_command
# shellcheck disable=SC2086
start_sim bench $sim_args
admin="http://127.0.0.1:$sim_port/_sim"
base="http://127.0.0.1:$sim_port/$BENCH_DIALECT"

# --- TLS: a throwaway CA and nginx in front of the simulator -----------------------------------
free_port() {   # a port nothing listens on now (the kernel's pick, then released)
  "$BENCH_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
if [ "$BENCH_TLS" = 1 ]; then
  tls="$work/tls"
  mkdir -p "$tls" "$work/nginx/logs" "$work/nginx/conf"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=gentask bench CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2> "$work/openssl.err"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>> "$work/openssl.err"
  printf 'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\n' > "$tls/ext.cnf"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 2 -extfile "$tls/ext.cnf" -out "$tls/server.pem" 2>> "$work/openssl.err"
  export BENCH_CA="$tls/ca.pem"
  tls_port=$(free_port)
  status_port=$(free_port)
  user_line=""
  [ "$(id -u)" = 0 ] && user_line="user root;"   # the worker reads the certificate in $work
  cat > "$work/nginx/conf/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid logs/nginx.pid;
error_log logs/error.log warn;
events { worker_connections 30000; }
http {
  client_body_temp_path logs; proxy_temp_path logs; fastcgi_temp_path logs; uwsgi_temp_path logs; scgi_temp_path logs;
  log_format bench '\$connection \$ssl_session_reused \$server_protocol \$request_method \$status';
  upstream sim { server 127.0.0.1:$sim_port; keepalive 256; }
  server {
    listen 127.0.0.1:$tls_port ssl http2 backlog=4096;
    ssl_certificate $tls/server.pem;
    ssl_certificate_key $tls/server.key;
    ssl_protocols TLSv1.3;
    ssl_session_cache shared:bench:10m;
    keepalive_requests 100000;
    http2_max_requests 100000;
    access_log logs/access.log bench;
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
  server {
    listen 127.0.0.1:$status_port;
    access_log off;
    location = /status { stub_status; }
  }
}
CONF
  nginx -p "$work/nginx" -c conf/nginx.conf -e logs/error.log > "$work/nginx/stderr" 2>&1 &
  nginx_pid=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null --cacert "$BENCH_CA" "https://127.0.0.1:$tls_port/_sim/stats?tasks=0" && break
    sleep 0.05
  done
  curl -sf -o /dev/null --cacert "$BENCH_CA" "https://127.0.0.1:$tls_port/_sim/stats?tasks=0" ||
    { echo "bench: nginx did not start:" >&2; cat "$work/nginx/stderr" "$work/nginx/logs/error.log" >&2; exit 1; }
  base="https://127.0.0.1:$tls_port/$BENCH_DIALECT"
fi

accepts() {   # connections nginx has accepted so far (the status request itself included)
  curl -s "http://127.0.0.1:$status_port/status" | sed -n 's/^ *\([0-9][0-9]*\) [0-9][0-9]* [0-9][0-9]* *$/\1/p'
}

# measure PEER N REP → one line of $raw (bench/table.lua reads it by these names):
# config dialect duration_ms poll_s peer n rep ok cpu_s wall_s rss_kb submissions accepted polls
# connections tls_connections full_handshakes resumptions (the last three "-" over plain HTTP)
measure() {
  cmd=$(peer_command "$1")
  curl -s -X POST "$admin/reset" > /dev/null
  if [ "$BENCH_TLS" = 1 ]; then
    : > "$work/nginx/logs/access.log"
    a0=$(accepts)
  fi
  # shellcheck disable=SC2086
  # setsid: a process group of its own, so that an interrupted bench stops the peer too
  setsid build/bench/rusage "$work/time" $cmd "$base" "$2" "$BENCH_POLL" > "$work/out" 2> "$work/err" &
  peer_pid=$!
  wait "$peer_pid" || true
  peer_pid=""
  out=$(tail -n 1 "$work/out")
  ok=$(field ok "$out")
  if [ -z "$ok" ]; then   # no {"ok": K} line: the peer died; count it as 0/N and show why
    ok=0
    echo "bench: $1 N=$2 printed no result: $(tail -n 3 "$work/err" | tr '\n' ' ')" >&2
  elif [ "$ok" != "$2" ]; then
    echo "bench: $1 N=$2: $ok/$2 succeeded: $(sort "$work/err" | uniq -c | sort -rn | head -n 3 | sed 's/^ *//' | tr '\n' ' ')" >&2
  fi
  set -- "$1" "$2" "$3" "$ok" $(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$work/time" | tail -n 1)
  cpu=$(echo "$5 $6" | awk '{ print $1 + $2 }')
  stats=$(curl -s "$admin/stats?tasks=0")
  submissions=$(field submissions "$stats")
  accepted=$(field accepted "$stats")
  polls=$(field polls "$stats")
  if [ "$2" != 0 ] && { [ "$submissions" != "$2" ] || [ "$accepted" != "$2" ]; }; then
    echo "bench: $1 N=$2: the simulator counted $submissions submissions and accepted $accepted" >&2
  fi
  if [ "$BENCH_TLS" = 1 ]; then
    sleep 0.2   # nginx logs a request just after answering it
    connections=$(( $(accepts) - a0 - 1 ))
    # each connection that carried a request, once: "full" unless its TLS session was reused ("r")
    hands=$(awk '!($1 in reused) { reused[$1] = $2 == "r" }
      END { full = 0; resumed = 0; for (c in reused) if (reused[c]) resumed++; else full++
            print full + resumed, full, resumed }' "$work/nginx/logs/access.log")
  else
    connections=$(( $(field connections "$stats") - 1 ))   # less the stats request's own
    hands="- - -"
  fi
  # shellcheck disable=SC2086
  { printf '%s\t' "$config" "$BENCH_DIALECT" "$BENCH_DURATION_MS" "$BENCH_POLL" "$1" "$2" "$3" "$4" "$cpu" "$7" "$8" \
      "$submissions" "$accepted" "$polls" "$connections" $hands; echo; } | sed 's/\t$//' >> "$raw"
}

: > "$raw"
echo "bench ($config, $BENCH_DIALECT dialect): N = 0 $BENCH_N, $BENCH_REPEAT runs each; tasks of $BENCH_DURATION_MS ms, polled every $BENCH_POLL s"
echo "  simulator: build/gentask-sim --port 0 $sim_args"
[ "$BENCH_TLS" = 1 ] && echo "  through nginx $(nginx -v 2>&1 | sed 's/.*\///') at $base (HTTP/2, TLS 1.3)"
printf '%s' "$notes" | sed 's/^/  note: /'
for n in 0 $BENCH_N; do
  rep=1
  while [ "$rep" -le "$BENCH_REPEAT" ]; do
    for peer in $BENCH_PEERS; do
      printf '  N=%s run %s/%s %s\n' "$n" "$rep" "$BENCH_REPEAT" "$peer"
      measure "$peer" "$n" "$rep"
    done
    rep=$((rep + 1))
  done
done

lua5.4 bench/table.lua "$raw" "$BENCH_PEERS" > "$table"
{ echo; cat "$table"; printf '%s' "$notes" | sed 's/^/note: /'; echo "raw results: $raw"; }
