#!/usr/bin/env bash
# horde report on two runs of a plan with sweeps and the sampler: every
# figure exists as PNG and SVG with data in it, the CSV files hold the
# rows they should, the overlays are drawn, and the HTML page holds it all.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/rep.plan" <<'PLAN'
[global]
boot_delay=20ms
sample_interval=100ms
sweep_every=150
[rep]
guests=300
PLAN
db=$TMP/rep.db
for i in 1 2; do
	"$B/horde" run "$TMP/rep.plan" --db "$db" --quiet > /dev/null 2> "$TMP/err" ||
		fail "run $i: $(cat "$TMP/err")"
done
"$B/horde" report "$db" 1 2 --out "$TMP/out" > "$TMP/report" 2> "$TMP/err" ||
	fail "report: $(cat "$TMP/err")"
grep -q "^report: $TMP/out/rep.html" "$TMP/report" || fail "$(cat "$TMP/report")"
for run in 1 2; do
	for fig in run$run run$run-cdf run$run-host; do
		png=$TMP/out/rep-$fig.png svg=$TMP/out/rep-$fig.svg
		[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] ||
			fail "$png is not a PNG"
		[ "$(stat -c %s "$png")" -gt 20000 ] || fail "$png too small to hold data"
		grep -q "<svg" "$svg" || fail "$svg is not an SVG"
		[ "$(stat -c %s "$svg")" -gt 20000 ] || fail "$svg too small to hold data"
	done
	expect_eq "guests CSV, run $run" "$(wc -l < "$TMP/out/rep-run$run-guests.csv")" 301
	expect_eq "CDF CSV, run $run" "$(wc -l < "$TMP/out/rep-run$run-cdf.csv")" 301
	expect_eq "sweeps CSV, run $run" "$(wc -l < "$TMP/out/rep-run$run-sweeps.csv")" 4
	[ "$(wc -l < "$TMP/out/rep-run$run-samples.csv")" -ge 4 ] || fail "few samples"
	expect_eq "rolling median in every row" \
		"$(awk -F, 'NR > 1 && $8 > 0' "$TMP/out/rep-run$run-guests.csv" | wc -l)" 300
done
for fig in overlay overlay-cdf; do
	[ "$(stat -c %s "$TMP/out/rep-$fig.png")" -gt 20000 ] || fail "no $fig"
done
html=$TMP/out/rep.html
expect_eq "figures in the page" "$(grep -c "<svg " "$html")" 8
grep -q "<th>cpu_model</th>" "$html" || fail "no metadata table"
grep -q "300 guests attempted, 300 created, 300 answered ARP" "$html" || fail "no summary"
grep -q 'href="rep-run2-guests.csv"' "$html" || fail "no data links"
# The scripts can be rerun by hand on the CSV.
gnuplot -c analysis/overlay.gp "$TMP/again.png" "again" "$TMP/out/rep-run1-buckets.csv" ||
	fail "overlay.gp by hand"
[ -s "$TMP/again.png" ] || fail "no figure by hand"
leftovers
