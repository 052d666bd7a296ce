#!/bin/sh
# tools/dist.sh [OUT_DIR] — `make dist`: a release of the version in lua/gentask/init.lua's
# _VERSION (the one place it is written), in OUT_DIR (default build/dist), made from scratch:
#   gentask-V.tar.gz                 the sources: `git archive` with a gentask-V/ prefix, so files
#                                    git tracks only (no build output, no .git)
#   gentask-V-1.rockspec             the release rockspecs, written by tools/rockspec.lua from the
#   gentask-sim-V-1.rockspec         scm ones, their source the archive at $RELEASE_URL/gentask-V.tar.gz
#   gentask-V-1.src.rock             `luarocks pack` of each: the rockspec and the archive, which
#   gentask-sim-V-1.src.rock         `luarocks install ./X.src.rock` builds with no network
# RELEASE_URL: where the archive is published. There is no such place yet; the default is the
# output directory itself (file://…), so that `luarocks pack` (which fetches the rockspec's source)
# runs offline. With an https:// URL the archive must be there first: pack downloads it and checks
# its MD5 against the one made here (docs/release.md).
# A worktree with uncommitted changes to tracked files is archived as it is (git stash create: a
# commit of the worktree, made without touching it), so that the rock test tests what is there;
# a release is made from a clean, tagged commit, and this says when it was not.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
out=${1:-build/dist}

version=$(lua5.4 tools/rockspec.lua --version)
name=gentask-$version

# a checkout another user owns (CI's clone, say) is trusted for this read: git refuses it otherwise
git() { command git -c safe.directory="$root" "$@"; }
git rev-parse --git-dir > /dev/null 2>&1 || { echo "make dist: $root is not a git checkout" >&2; exit 1; }
snapshot=$(git stash create)
if [ -n "$snapshot" ]; then
  echo "make dist: uncommitted changes are in the archive; a release is made from a clean commit" >&2
else
  snapshot=HEAD
fi

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
url=${RELEASE_URL:-file://$out}
url=${url%/}/$name.tar.gz

git archive --format=tar.gz --prefix="$name/" -o "$out/$name.tar.gz" "$snapshot"
md5=$(md5sum "$out/$name.tar.gz" | cut -d ' ' -f 1)
echo "$out/$name.tar.gz ($(wc -c < "$out/$name.tar.gz") bytes, md5 $md5)"

for rock in gentask gentask-sim; do
  rockspec=$rock-$version-1.rockspec
  lua5.4 tools/rockspec.lua "$rock-scm-1.rockspec" "$version-1" "$url" "$md5" > "$out/$rockspec"
  # luarocks pack writes into the directory it runs in; it fetches the source (file:// copies it)
  (cd "$out" && luarocks pack "$rockspec" > /dev/null) || { echo "make dist: luarocks pack $rockspec failed" >&2; exit 1; }
  echo "$out/$rockspec"
  echo "$out/$rock-$version-1.src.rock"
done
