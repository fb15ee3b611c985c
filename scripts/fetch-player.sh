#!/usr/bin/env bash
# Fetches the live rooms' video player, hls.js (Apache-2.0), from the npm registry into
# a vendor directory that `liveshop serve` and `liveshop demo` serve at
# /vendor/hls.min.js (--vendor-dir, default .cache/vendor). Browsers that play HLS
# natively do not need it; Chromium on Linux does. Nothing here is committed.
#
#   scripts/fetch-player.sh              # into .cache/vendor
#   scripts/fetch-player.sh DIR
#   HLSJS_VERSION=1.7.4 scripts/fetch-player.sh
set -euo pipefail
version="${HLSJS_VERSION:-1.7.4}"
dest="${1:-.cache/vendor}"
if [ -f "$dest/hls.min.js" ] && grep -q "$version" "$dest/hls.version" 2>/dev/null; then
  echo "$dest/hls.min.js"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "fetch-player.sh: npm is not installed" >&2; exit 3; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# npm pack checks the tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent --loglevel=error "hls.js@$version" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp"
mkdir -p "$dest"
cp "$tmp/package/dist/hls.min.js" "$dest/hls.min.js.partial"
mv "$dest/hls.min.js.partial" "$dest/hls.min.js"
echo "$version" > "$dest/hls.version"
echo "$dest/hls.min.js"
