#!/usr/bin/env bash
# Fetches TikTok Shop's official OpenAPI 3 description, which ships in the npm package
# @tts-open-toolkit/cli (MIT) under skills/tts-openapi-guide/references/oas/, into a
# cache directory (never committed: the repository's /.cache/ is ignored), and prints
# the directory holding index.json and paths/*.json. The contract tests run it.
#
#   fetch-oas.sh CACHE_DIR            # e.g. .cache/tts-openapi
#   TTS_OAS_VERSION=0.1.7 fetch-oas.sh CACHE_DIR
set -euo pipefail
version="${TTS_OAS_VERSION:-0.1.7}"
cache="${1:?usage: fetch-oas.sh CACHE_DIR}"
dest="$cache/$version"
if [ -f "$dest/index.json" ] && [ -d "$dest/paths" ]; then
  echo "$dest"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "fetch-oas.sh: npm is not installed" >&2; exit 3; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# npm pack checks the tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent --loglevel=error "@tts-open-toolkit/cli@$version" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp"
src="$tmp/package/skills/tts-openapi-guide/references/oas"
[ -f "$src/index.json" ] || { echo "fetch-oas.sh: the package has no OAS at $src" >&2; exit 4; }
mkdir -p "$cache"
rm -rf "$dest.partial"
cp -r "$src" "$dest.partial"
mv "$dest.partial" "$dest"
echo "$dest"
