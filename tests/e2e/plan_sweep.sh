#!/usr/bin/env bash
# A plan whose keys sweep expands into one run each, which horde check
# lists and horde run carries out and stores under the expanded names;
# include= puts a shared file in place, and the stored plan stands alone.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/common.inc" <<'PLAN'
[global]
boot_delay=10ms
sample_interval=0
PLAN
cat > "$TMP/sweep.plan" <<'PLAN'
include=common.inc
[grow]
guests=10:30:20
profile=lean,xl
[other]
guests=5
PLAN
"$B/horde" check "$TMP/sweep.plan" > "$TMP/check" || fail "check: $(cat "$TMP/check")"
expect_eq "check's count" "$(head -1 "$TMP/check")" "$TMP/sweep.plan: 5 runs"
for name in grow/profile=lean/guests=10 grow/profile=lean/guests=30 \
	    grow/profile=xl/guests=10 grow/profile=xl/guests=30 other; do
	grep -q "^  $name " "$TMP/check" || fail "check lists no $name: $(cat "$TMP/check")"
done

db=$TMP/sweep.db
"$B/horde" run "$TMP/sweep.plan" --db "$db" --job grow -q > "$TMP/out" 2> "$TMP/err" ||
	fail "run: $(cat "$TMP/err")"
expect_eq "runs of grow" "$(q "$db" "select count(*) from runs")" 4
expect_eq "their names and sizes" \
	"$(q "$db" "select group_concat(job || ':' || guests_planned || ':' || profile, ' ') from (select * from runs order by id)")" \
	"grow/profile=lean/guests=10:10:lean grow/profile=lean/guests=30:30:lean grow/profile=xl/guests=10:10:xl grow/profile=xl/guests=30:30:xl"
expect_eq "every guest up" "$(q "$db" "select count(*) from guests where alive_ns > 0")" 80
expect_eq "stored plan has its include in place" \
	"$(q "$db" "select count(*) from runs where plan_text like '%# include=common.inc (included here)%boot_delay=10ms%'")" 4

# horde runs keeps its columns with names this long: every status under
# the header's.
"$B/horde" runs "$db" > "$TMP/runs" || fail "runs"
col=$(head -1 "$TMP/runs" | awk '{ print index($0, "status") }')
awk -v c="$col" 'NR > 1 && substr($0, c, 5) != "done " { bad = 1 } END { exit bad }' "$TMP/runs" ||
	fail "runs columns: $(cat "$TMP/runs")"

# --set: a key for one run, over the job's own ([other] says guests=5),
# checked by the option table and stored with the plan.
"$B/horde" run "$TMP/sweep.plan" --db "$TMP/set.db" --job other -q --set guests=3 \
	--set boot_delay=1ms > /dev/null 2> "$TMP/err" || fail "run --set: $(cat "$TMP/err")"
expect_eq "--set guests" "$(q "$TMP/set.db" "select guests_planned from runs")" 3
expect_eq "--set stored" "$(q "$TMP/set.db" "select count(*) from runs where plan_text like '%[set]%guests=3%boot_delay=1ms%'")" 1
"$B/horde" run "$TMP/sweep.plan" --db "$TMP/set.db" -q --set gusts=3 > /dev/null 2> "$TMP/err"
expect_eq "--set, unknown key" $? 1
grep -q "^horde: --set gusts=3:1: unknown key 'gusts' (did you mean 'guests'?)" "$TMP/err" || fail "$(cat "$TMP/err")"
printf '[global]\n[set]\nguests=2\n[a]\nguests=4\n' > "$TMP/set-first.plan"
"$B/horde" check --plan-only "$TMP/set-first.plan" > /dev/null 2> "$TMP/err"
expect_eq "[set] before a job" $? 1
grep -q "set-first.plan:4: \[set\] must come after the jobs" "$TMP/err" || fail "$(cat "$TMP/err")"

printf '[a]\nguests=10,none\n' > "$TMP/bad.plan"
"$B/horde" check "$TMP/bad.plan" > /dev/null 2> "$TMP/err"
expect_eq "bad plan" $? 1
grep -q "bad.plan:2: guests: 'none' is not a whole number" "$TMP/err" || fail "$(cat "$TMP/err")"
leftovers
