#!/usr/bin/env bash
# docs_screenshots.sh (make screenshots): the README's pictures of the
# emulated host, made anew: plans/smoke.plan and plans/emu-10k.plan are run,
# reported, and their pages photographed by headless chromium; the
# figures are copied beside them in docs/. Run it on a quiet host.
set -eu
B=${B:-build}
TMP=$(mktemp -d /tmp/horde-docs-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib_chromium.sh"
for plan in smoke emu-10k; do
	"$B/horde" run "plans/$plan.plan" --db "$TMP/$plan.db" -q > "$TMP/$plan.out"
	"$B/horde" report -q --out "$TMP/$plan" "$TMP/$plan.db" > /dev/null
	screenshot "file://$TMP/$plan/$plan.html" "docs/$plan-page.png" 1300 2600
	cp "$TMP/$plan/$plan-run1.png" "docs/$plan-creation.png"
	cp "$TMP/$plan/$plan-run1-growth.png" "docs/$plan-growth.png"
	cp "$TMP/$plan/$plan-run1-host.png" "docs/$plan-host.png"
	head -12 "$TMP/$plan.out"
done
