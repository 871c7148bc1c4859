#!/usr/bin/env bash
# The report page renders in a real browser (Debian's chromium, headless):
# its screenshot holds far more than a blank page's, and the browser's DOM
# holds every figure.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_chromium.sh"

command -v chromium > /dev/null || fail "chromium is not installed (make deps-test installs it)"
"$B/gen_runs" -r 2 "$TMP/p.db" > /dev/null || fail "gen_runs"
"$B/horde" report -q --out "$TMP/out" "$TMP/p.db" 1 2 > /dev/null || fail "report"
page=$TMP/out/p.html
screenshot "file://$page" "$TMP/page.png" || fail "chromium: $(tail -5 "$TMP/chromium.log")"
printf '<!DOCTYPE html><html><body></body></html>\n' > "$TMP/blank.html"
screenshot "file://$TMP/blank.html" "$TMP/blank.png" || fail "chromium, blank: $(tail -5 "$TMP/chromium.log")"
[ "$(head -c 8 "$TMP/page.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "no PNG"
page_size=$(stat -c %s "$TMP/page.png") blank_size=$(stat -c %s "$TMP/blank.png")
[ "$page_size" -gt $((blank_size * 10)) ] ||
	fail "the page's screenshot ($page_size bytes) is no richer than a blank page's ($blank_size)"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$TMP/chromium-profile" --dump-dom "file://$page" > "$TMP/dom.html" 2> /dev/null ||
	fail "chromium --dump-dom"
expect_eq "figures in the rendered page" "$(grep -o "<svg " "$TMP/dom.html" | wc -l)" "$(grep -o "<svg " "$page" | wc -l)"
grep -q "300 guests attempted" "$TMP/dom.html" || fail "no summary in the rendered page"
