# lib_chromium.sh: Debian's chromium, headless, for the page tests and the
# README's screenshots. Sourced; needs TMP.
# screenshot URL OUT.png [WIDTH HEIGHT]: chromium's rendering of URL.
screenshot() {
	local url=$1 out=$2 w=${3:-1300} h=${4:-2400}
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --hide-scrollbars \
		--user-data-dir="$TMP/chromium-profile" --window-size="$w,$h" \
		--screenshot="$out" "$url" > "$TMP/chromium.log" 2>&1
}
