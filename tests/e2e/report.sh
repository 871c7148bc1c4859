#!/usr/bin/env bash
# horde report on two runs of a plan with sweeps and the sampler: every
# figure exists as PNG and SVG, the CSV files the figures are drawn from
# hold the database's own values, the overlays are drawn, and the HTML page
# holds it all.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/rep.plan" <<'PLAN'
[global]
emu_latency=zero
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
		grep -q "<svg" "$svg" || fail "$svg is not an SVG"
	done
	expect_eq "guests CSV, run $run" "$(wc -l < "$TMP/out/rep-run$run-guests.csv")" 301
	expect_eq "CDF CSV, run $run" "$(wc -l < "$TMP/out/rep-run$run-cdf.csv")" 301
	expect_eq "sweeps CSV, run $run" "$(wc -l < "$TMP/out/rep-run$run-sweeps.csv")" 4
	[ "$(wc -l < "$TMP/out/rep-run$run-samples.csv")" -ge 4 ] || fail "few samples"
	expect_eq "rolling median in every row" \
		"$(awk -F, 'NR > 1 && $8 > 0' "$TMP/out/rep-run$run-guests.csv" | wc -l)" 300
done
# The figures' data, value by value, against the database: each guest's
# creation, phases and time-to-alive; each bucket's count and phase medians;
# the sampler's series as the host fills (up to the first sample at the
# peak guest count).
same() { # WHAT CSV SQL: rows of SQL (comma-separated) equal the CSV's to 1e-3
	q "$db" "$3" | tr '|' ',' > "$TMP/want"
	tail -n +2 "$2" > "$TMP/got"
	expect_eq "$1: rows" "$(wc -l < "$TMP/got")" "$(wc -l < "$TMP/want")"
	paste -d '|' "$TMP/got" "$TMP/want" | awk -F'|' -v what="$1" '{
		n = split($1, a, ","); split($2, b, ",")
		for (i = 1; i <= n; i++) if (b[i] != "" && (a[i] - b[i] > 1e-3 || b[i] - a[i] > 1e-3)) {
			print what ": row " NR " column " i ": " a[i] " in the CSV, " b[i] " in the database"; exit 1 } }' ||
		fail "$1 differs from the database"
}
phase() { echo "(select dur_ns / 1e6 from phases p where p.run_id = g.run_id and p.seq = g.seq and p.phase = '$1')"; }
same "guests CSV" "$TMP/out/rep-run1-guests.csv" \
	"select seq, create_ns / 1e6, $(phase toolstack), $(phase xenstore), $(phase hypervisor), $(phase dom0), alive_ns / 1e6, '' from guests g where run_id = 1 order by seq"
width=$(awk -F, 'NR == 2 { print $2 - $1 + 1 }' "$TMP/out/rep-run1-buckets.csv")
# Each phase's median over a bucket (nearest rank, as the summary takes it).
medians="with r as (select (seq - 1) / $width as b, phase, dur_ns,
	row_number() over (partition by (seq - 1) / $width, phase order by dur_ns) as rn,
	count(*) over (partition by (seq - 1) / $width, phase) as n
	from phases where run_id = 1),
	m as (select b, phase, dur_ns / 1e6 as ms from r where rn = (n + 1) / 2)"
median() { echo "(select ms from m where m.b = (g.seq - 1) / $width and m.phase = '$1')"; }
same "buckets CSV" "$TMP/out/rep-run1-buckets.csv" \
	"$medians select min(g.seq), max(g.seq), '', count(*), $(median toolstack), $(median xenstore), $(median hypervisor), $(median dom0) from guests g where run_id = 1 group by (seq - 1) / $width order by 1"
same "samples CSV" "$TMP/out/rep-run1-samples.csv" \
	"select guests, max(case when source = 'horde-xenstored' and metric = 'cpu_ns' then value / 1e9 end), max(case when source = 'horde-xenstored' and metric = 'fds' then value end) from samples where run_id = 1 and at_ns <= (select min(at_ns) from samples where run_id = 1 and guests = (select max(guests) from samples where run_id = 1)) group by at_ns order by at_ns"
for fig in overlay overlay-cdf; do
	[ "$(head -c 8 "$TMP/out/rep-$fig.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] ||
		fail "no $fig"
done
html=$TMP/out/rep.html
expect_eq "figures in the page" "$(grep -c "<svg " "$html")" 10
for run in 1 2; do
	[ -s "$TMP/out/rep-run$run-growth.svg" ] || fail "no growth figure for run $run"
done
# The page holds the plan: its text, and the job's settings.
grep -q "<summary>the plan as stored</summary><pre>\[global\]" "$html" || fail "no plan text"
grep -q "<th>sweep_every</th><td>150</td>" "$html" || fail "no settings"
grep -q "harness overhead: " "$html" || fail "no harness overhead on the page"
grep -q "<th>cpu_model</th>" "$html" || fail "no metadata table"
grep -q "300 guests attempted, 300 created, 300 answered ARP" "$html" || fail "no summary"
grep -q 'href="rep-run2-guests.csv"' "$html" || fail "no data links"
# The scripts can be rerun by hand on the CSV.
gnuplot -c analysis/overlay.gp "$TMP/again.png" "again" "$TMP/out/rep-overlay-runs.csv" ||
	fail "overlay.gp by hand"
expect_eq "overlay labels: the jobs" "$(cut -d, -f1 "$TMP/out/rep-overlay-runs.csv" | tr '\n' ' ')" "rep (run 1) rep (run 2) "
[ -s "$TMP/again.png" ] || fail "no figure by hand"
leftovers
