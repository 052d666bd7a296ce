#!/bin/sh
# bench/deps.sh [TLS] — what `make bench` needs beyond `make deps`: Debian's Python with httpx,
# aiohttp and h2 (the Python peers), util-linux's setsid, curl, and for the TLS variant (TLS=1)
# openssl and nginx. Installs what is missing when run as root; otherwise says what to install.
set -eu
PACKAGES="util-linux curl python3 python3-httpx python3-aiohttp python3-h2 lua5.4 luajit2"
[ "${1:-0}" = 1 ] && PACKAGES="$PACKAGES openssl nginx"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "make bench: install these Debian packages first (as root: apt-get install$missing)" >&2
  exit 1
fi
echo "make bench: installing$missing"
apt-get update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
