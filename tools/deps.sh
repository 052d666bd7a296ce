#!/bin/sh
# tools/deps.sh — installs the Debian packages gentask builds, tests and demos with (`make deps`).
# Does nothing when they are all there already, so `make deps test` stays fast after the first run.
set -eu

# luajit2 + libluajit2-5.1-dev (not luajit + libluajit-5.1-dev): they co-install with nginx's
# lua module (libnginx-mod-http-lua), which the OpenResty-style tests need, and LÖVE runs on them.
# The hosts the specs embed gentask in: neovim, nginx + its lua module, love, copas, cqueues.
# make lint (part of make test): lua-check (luacheck) and clang-format.
# make docs (make lint runs it): LDoc (lua-ldoc). make dist (the rock test runs it): git archive.
# spec/tls_spec.lua makes a throwaway CA with the openssl command (nginx serves HTTPS with it).
# spec/sim_outage_spec.lua holds raw keep-alive connections open with lua-socket.
# The gentask command parses its arguments with lua-argparse; spec/cli_spec.lua drives it on a
# pseudo-terminal with script (bsdutils) and opens its contact sheet in headless chromium.
# The journal (csrc/core/journal*.c) keeps tasks in SQLite (libsqlite3-dev) and hashes requests and
# fingerprints API keys with OpenSSL's libcrypto (libssl-dev); spec/records_spec.lua plants records in a journal
# file with the sqlite3 command.
# The key's shared state may live in Redis (csrc/core/store/shared_redis.c): hiredis (libhiredis-dev), and
# spec/redis_spec.lua starts a real redis-server.
# The simulator writes its result PNGs with zlib (zlib1g-dev) and checksums them with libcrypto.
PACKAGES="make gcc libc6-dev pkg-config ca-certificates curl
  lua5.4 liblua5.4-dev lua5.1 liblua5.1-0-dev luajit2 libluajit2-5.1-dev
  libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev libsqlite3-dev libssl-dev zlib1g-dev sqlite3
  lua-cjson lua-socket lua-busted luarocks valgrind lua-check clang-format
  neovim nginx libnginx-mod-http-lua love lua-copas lua-cqueues openssl
  lua-argparse bsdutils chromium libhiredis-dev redis-server
  lua-ldoc git"

# `sh tools/deps.sh PACKAGE ...` installs those instead (make fuzz-deps: clang and libFuzzer).
[ $# -gt 0 ] && PACKAGES="$*"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "make deps: every package is installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "make deps: this is not a Debian-like system (no apt-get)." >&2
  echo "Install these packages (or your system's equivalents) by hand:$missing" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo
  else
    echo "make deps: installing packages needs root; run it as root (or install sudo):$missing" >&2
    exit 1
  fi
fi
echo "make deps: installing$missing"
$SUDO apt-get update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
