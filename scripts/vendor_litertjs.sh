#!/usr/bin/env bash
# Vendor LiteRT.js (the browser's model runtime) from npm at a pinned version into
# static/vendor/litertjs/, and record where each file came from and its SHA-256.
# Run through `make vendor`; only maintainers need npm, never users.
set -euo pipefail
CORE_VERSION=2.5.3
UTILS_VERSION=2.5.3
DEST=static/vendor/litertjs-$CORE_VERSION  # the version in the path: cached for good by browsers and the service worker
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "@litertjs/core@$CORE_VERSION" "@litertjs/wasm-utils@$UTILS_VERSION" >/dev/null)
mkdir -p "$work/core" "$work/utils"
tar xzf "$work/litertjs-core-$CORE_VERSION.tgz" -C "$work/core"
tar xzf "$work/litertjs-wasm-utils-$UTILS_VERSION.tgz" -C "$work/utils"

rm -rf "$DEST" && mkdir -p "$DEST"
# The browser resolves no bare module names: point the one import at the vendored file.
sed 's#from "@litertjs/wasm-utils"#from "./wasm-utils.js"#' \
  "$work/core/package/dist/index.js" | sed '/^\/\/# sourceMappingURL=/d' > "$DEST/litert.js"
sed '/^\/\/# sourceMappingURL=/d' "$work/utils/package/dist/index.js" > "$DEST/wasm-utils.js"
# The "compat" build needs WebAssembly SIMD only (every current browser); the others add
# relaxed SIMD, threads or JSPI, which a 0.6 MB model does not need.
cp "$work/core/package/wasm/litert_wasm_compat_internal.js" "$work/core/package/wasm/litert_wasm_compat_internal.wasm" "$DEST/"
cp "$work/core/package/package.json" "$DEST/package.json"  # Apache-2.0, per its "license"

{
  echo "origin: npm"
  echo "packages: @litertjs/core@$CORE_VERSION @litertjs/wasm-utils@$UTILS_VERSION"
  for tgz in "$work"/*.tgz; do echo "tarball: $(basename "$tgz") sha256 $(sha256sum "$tgz" | cut -d' ' -f1)"; done
  echo "files (sha256):"
  (cd "$DEST" && sha256sum litert.js wasm-utils.js litert_wasm_compat_internal.js litert_wasm_compat_internal.wasm)
} > "$DEST/VENDOR.txt"
cat "$DEST/VENDOR.txt"
