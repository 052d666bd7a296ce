# bench/peers.sh — sourced by bench/run.sh, bench/counts.sh and bench/shared.sh: the start of the
# simulator, the command that runs each peer (every peer takes BASE_URL N POLL_SECONDS and prints
# one JSON line), and the reading of the simulator's and the peers' flat JSON.

start_sim() {   # start_sim WHO [SIM_ARGS...] → gentask-sim in the background: sim_pid, sim_port
  who=$1
  shift
  lua5.4 bench/sim.lua "$@" > "$work/sim.out" 2> "$work/sim.err" &
  sim_pid=$!
  for _ in $(seq 100); do [ -s "$work/sim.out" ] && break; sleep 0.05; done
  sim_port=""
  read -r sim_port _ < "$work/sim.out" || true
  [ -n "$sim_port" ] || { echo "$who: gentask-sim did not start: $(cat "$work/sim.err")" >&2; exit 1; }
}

field() {   # field NAME JSON → the number after "NAME": in a flat JSON text
  printf '%s' "$2" | sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p"
}

peer_command() {   # peer_command PEER → its command line (BENCH_PYTHON runs the Python peers)
  case $1 in
    gentask-5.4) echo "lua5.4 bench/peer_gentask.lua" ;;
    gentask-luajit) echo "luajit bench/peer_gentask.lua" ;;
    httpx) echo "${BENCH_PYTHON:-/usr/bin/python3} bench/peer_httpx.py" ;;
    aiohttp) echo "${BENCH_PYTHON:-/usr/bin/python3} bench/peer_aiohttp.py" ;;
    floor) echo "build/bench/floor" ;;
    floor-options) echo "env FLOOR_GENTASK_OPTIONS=1 build/bench/floor" ;;
    *) echo "bench: unknown peer $1" >&2; return 1 ;;
  esac
}
