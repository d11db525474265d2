// Package axetest holds axe-core, the accessibility engine that the browser
// tests run against every page they reach. Only tests import it, so the
// production binary does not carry it.
//
// axe.min.js is copied from the npm package axe-core at the version pinned in
// package.json by scripts/build-assets.sh. It is under the Mozilla Public
// License 2.0 (LICENSE beside it) and bundles code under the licences listed in
// LICENSE-3RD-PARTY.txt.
package axetest

import _ "embed"

//go:embed axe.min.js
var source string

// Source returns axe-core's script. Evaluate it in a page, then call axe.run.
func Source() string { return source }
