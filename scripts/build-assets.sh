#!/usr/bin/env bash
# Builds the committed front-end assets from the npm packages pinned in
# package.json / package-lock.json:
#
#   web/assets/static/govuk/govuk-frontend.css     govuk-frontend's Sass, built by
#                                                  web/assets/src/respite.scss (Arial,
#                                                  no @font-face, no GOV.UK images)
#   web/assets/static/govuk/govuk-frontend.min.js  govuk-frontend's ES module
#   web/assets/static/govuk/LICENCE.txt            govuk-frontend's MIT licence
#   web/assets/static/init.js                      the external module that starts it
#   web/assets/axetest/axe.min.js, LICENSE,        axe-core, for the browser tests only
#     LICENSE-3RD-PARTY.txt
#
# web/assets/static/ is wholly generated: the script replaces it. The Go package
# web/assets embeds it and serves it under content-fingerprinted URLs, so Go
# needs nothing from npm to build or run.
#
#   bash scripts/build-assets.sh           rebuild the committed files
#   bash scripts/build-assets.sh --check   rebuild into a scratch folder and fail
#                                          if the committed files differ (CI)
set -euo pipefail

log() { echo "build-assets: $*" >&2; }
die() { echo "build-assets: $*" >&2; exit 1; }

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

cd "$(dirname "${BASH_SOURCE[0]}")/.."
assets=web/assets
nm=node_modules

# --- node and npm ----------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "node and npm are needed; install them (Debian: apt-get install nodejs npm)"
  log "installing nodejs and npm with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm </dev/null >/dev/null
fi
node_version=$(node -p 'process.versions.node')
log "node $node_version, npm $(npm --version)"
# sass 1.108.2 declares node >= 20.19. Debian 12's own nodejs is 18; its output
# should not depend on the node version, and --check would catch it if it did,
# so warn rather than stop.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  log "warning: sass declares node >= 20.19 and this is node $node_version; trying anyway"
fi

# --- npm ci, only when node_modules does not match package-lock.json ----------
stamp=$nm/.respite-package-lock.sha256
want_stamp=$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
  log "npm ci (node_modules is missing or older than package-lock.json)"
  # No install scripts: the only one is sass's optional file watcher, which a
  # one-off build does not use.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  echo "$want_stamp" >"$stamp"
else
  log "node_modules is up to date with package-lock.json"
fi

pkg_version() { node -p "require('./$nm/$1/package.json').version"; }
pinned_version() { node -p "require('./package.json').devDependencies['$1']"; }
for p in govuk-frontend sass axe-core; do
  [ "$(pkg_version "$p")" = "$(pinned_version "$p")" ] ||
    die "$p in node_modules is $(pkg_version "$p") but package.json pins $(pinned_version "$p"); run npm ci"
done
govuk_version=$(pkg_version govuk-frontend)
sass_version=$(pkg_version sass)
axe_version=$(pkg_version axe-core)

# --- build into a scratch folder ---------------------------------------------
stage=$(mktemp -d /tmp/respite-assets.XXXXXX)
trap 'rm -rf "$stage"' EXIT
govuk=$nm/govuk-frontend/dist/govuk
mkdir -p "$stage/static/govuk" "$stage/axetest"

log "sass $sass_version: web/assets/src/respite.scss -> static/govuk/govuk-frontend.css"
"$nm/.bin/sass" --load-path="$nm" --style=compressed --no-source-map \
  "$assets/src/respite.scss" "$stage/static/govuk/govuk-frontend.css"

css=$stage/static/govuk/govuk-frontend.css
if grep -q '@font-face' "$css"; then die "the built CSS has an @font-face rule; check web/assets/src/respite.scss"; fi
if grep -qi 'GDS Transport' "$css"; then die "the built CSS names GDS Transport; check web/assets/src/respite.scss"; fi
outside=$( (grep -o 'url([^)]*)' "$css" || true) | (grep -v 'url(["'\'']\{0,1\}/static/' || true) )
[ -z "$outside" ] || die "the built CSS has a url() outside /static/: $(echo "$outside" | head -3)"

log "govuk-frontend $govuk_version: static/govuk/govuk-frontend.min.js"
# Drop the sourceMappingURL comment: we ship no source maps.
sed 's|//# sourceMappingURL=[^[:space:]]*$||' "$govuk/govuk-frontend.min.js" >"$stage/static/govuk/govuk-frontend.min.js"
if grep -q 'sourceMappingURL' "$stage/static/govuk/govuk-frontend.min.js"; then
  die "govuk-frontend.min.js still names a source map"
fi
grep -q 'initAll' "$stage/static/govuk/govuk-frontend.min.js" || die "govuk-frontend.min.js no longer exports initAll"

# Images and the web app manifest: none are copied. In govuk-frontend 6.6.0,
# dist/govuk/assets/images holds favicon.ico, favicon.svg, govuk-icon-180.png,
# govuk-icon-192.png, govuk-icon-512.png and govuk-icon-mask.svg (all the GOV.UK
# crown), govuk-opengraph-image.png (GOV.UK branding) and govuk-crest.svg (the
# royal crest). A council service must not use the GOV.UK crown or logotype
# (design.md, "Pages"), and assets/manifest.json only lists those crown icons.
# The fonts (assets/fonts) are GDS Transport, licensed for GOV.UK alone. A
# council brings its own favicon. The CSS refers to no image (see
# web/assets/src/_images.scss); the check above would notice if it did.

log "static/init.js"
cat >"$stage/static/init.js" <<'EOF'
// Starts govuk-frontend's enhancements. Every page works without it.
//
// govuk-frontend's page template adds these body classes with an inline script;
// our content security policy allows none, so this external module adds them.
// Only browsers that run ES modules get here, which is the support test the
// inline snippet makes.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
EOF

log "static/govuk/LICENCE.txt"
# govuk-frontend ships no licence file. Its package.json says "MIT", and its
# README's Licence section says the code is under the MIT License, with the
# documentation (c) Crown copyright; the repository's LICENSE.txt names the
# holder as Crown Copyright (Government Digital Service).
cat >"$stage/static/govuk/LICENCE.txt" <<EOF
govuk-frontend.css and govuk-frontend.min.js in this folder were built by
scripts/build-assets.sh from the npm package govuk-frontend $govuk_version
(https://github.com/alphagov/govuk-frontend), with sass $sass_version.
govuk-frontend.css is compiled from its Sass with Arial instead of the
GDS Transport font and without GOV.UK's images; govuk-frontend.min.js is
copied unchanged apart from its source-map comment.

The npm package ships no licence file. Its package.json gives the licence as
MIT, and its README ("Licence") says the codebase is released under the MIT
License. The licence, with the copyright holder named in the project's
repository:

The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF

log "axe-core $axe_version: axetest/axe.min.js, LICENSE, LICENSE-3RD-PARTY.txt"
# axe-core is MPL-2.0 and ships its licence and the notices of the code it
# bundles; both travel with the copy. Only the browser tests embed it.
axe_files=(axe.min.js LICENSE LICENSE-3RD-PARTY.txt)
for f in "${axe_files[@]}"; do cp "$nm/axe-core/$f" "$stage/axetest/$f"; done

# --- install or compare ---------------------------------------------------------
if [ "$mode" = check ]; then
  log "comparing with the committed files"
  differ=0
  diff -rq "$stage/static" "$assets/static" >&2 || differ=1
  for f in "${axe_files[@]}"; do
    cmp -s "$stage/axetest/$f" "$assets/axetest/$f" || { echo "differs: $assets/axetest/$f" >&2; differ=1; }
  done
  if [ "$differ" -ne 0 ]; then
    die "committed assets differ from what the pinned versions build; run bash scripts/build-assets.sh and commit"
  fi
  log "committed assets match the pinned versions"
  exit 0
fi

rm -rf "$assets/static"
cp -R "$stage/static" "$assets/static"
mkdir -p "$assets/axetest"
for f in "${axe_files[@]}"; do cp "$stage/axetest/$f" "$assets/axetest/$f"; done
find "$assets/static" "$assets/axetest" -type f ! -name '*.go' -exec chmod 0644 {} +
find "$assets/static" -type d -exec chmod 0755 {} +
log "wrote $assets/static and $assets/axetest:"
(cd "$assets" && find static axetest -type f ! -name '*.go' | sort | xargs wc -c) >&2
