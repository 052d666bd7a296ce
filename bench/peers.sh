# bench/peers.sh — sourced by bench/run.sh and bench/counts.sh: the command that runs each peer
# (every peer takes BASE_URL N POLL_SECONDS and prints one JSON line), and the reading of the
# simulator's and the peers' flat JSON.

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
