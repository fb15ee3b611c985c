#!/usr/bin/env bash
# Installs a public TikTok Shop SDK from the npm registry into a cache directory (never
# committed: the repository's /.cache/ is ignored) and prints the directory whose
# node_modules holds it. The SDK compatibility test runs it and then drives the SDK,
# unmodified, against liveshop.
#
#   fetch-sdk.sh CACHE_DIR                    # e.g. .cache/tts-sdk
#   TTS_SDK=tiktok-shop-sdk@1.0.3 fetch-sdk.sh CACHE_DIR
set -euo pipefail
pkg="${TTS_SDK:-tiktok-shop-sdk@1.0.3}"
cache="${1:?usage: fetch-sdk.sh CACHE_DIR}"
dest="$cache/${pkg//\//+}"
name="${pkg%@*}"
if [ -f "$dest/node_modules/$name/package.json" ]; then
  echo "$dest"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "fetch-sdk.sh: npm is not installed" >&2; exit 3; }
rm -rf "$dest.partial"
mkdir -p "$dest.partial"
echo '{"name":"liveshop-sdk-check","private":true}' >"$dest.partial/package.json"
# Runtime dependencies only: no dev or peer dependencies (the SDK's ts-node would pull
# in TypeScript), and no install scripts.
(cd "$dest.partial" && npm install --silent --no-audit --no-fund --loglevel=error \
  --omit=dev --omit=peer --legacy-peer-deps --ignore-scripts --no-package-lock "$pkg" >/dev/null)
[ -f "$dest.partial/node_modules/$name/package.json" ] || { echo "fetch-sdk.sh: $pkg did not install" >&2; exit 4; }
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "$dest"
