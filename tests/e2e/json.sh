#!/usr/bin/env bash
# --json on run, runs and report: documents a real JSON parser (jq) reads,
# with schema_version 1, whose figures are the database's own; and on an
# error, a document too, whose "error" says what stopped the command, so
# that a pipe into jq does not pass over a failure.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/j.plan" <<'PLAN'
[global]
boot_delay=10ms
sample_interval=0
bucket=20
[j]
guests=60
PLAN
db=$TMP/j.db
"$B/horde" run "$TMP/j.plan" --db "$db" --json -q > "$TMP/run.json" 2> "$TMP/err" ||
	fail "run: $(cat "$TMP/err")"
jq -e . "$TMP/run.json" > /dev/null || fail "run --json is not JSON: $(cat "$TMP/run.json")"
j() { jq -r "$1" "$2"; }
expect_eq "run: schema" "$(j .schema_version "$TMP/run.json")" 1
expect_eq "run: command" "$(j .command "$TMP/run.json")" run
expect_eq "run: created" "$(j '.runs[0].created' "$TMP/run.json")" \
	"$(q "$db" "select count(*) from guests where domid is not null")"
expect_eq "run: buckets" "$(j '.runs[0].buckets | length' "$TMP/run.json")" 3
# The first bucket's median creation, nearest rank, as SQL finds it.
expect_eq "run: create p50 of guests 1-20" "$(j '.runs[0].buckets[0].create_p50_ns' "$TMP/run.json")" \
	"$(q "$db" "select create_ns from guests where run_id = 1 and seq <= 20 order by create_ns limit 1 offset 9")"
expect_eq "run: xenstore p50 of guests 41-60" "$(j '.runs[0].buckets[2].phase_p50_ns.xenstore' "$TMP/run.json")" \
	"$(q "$db" "select dur_ns from phases where run_id = 1 and seq > 40 and phase = 'xenstore' order by dur_ns limit 1 offset 9")"
[ "$(j '.runs[0].harness_overhead.percent_of_creation' "$TMP/run.json")" != null ] || fail "run: no overhead"
expect_eq "run: failures" "$(j '.runs[0].failures | length' "$TMP/run.json")" 0

"$B/horde" runs --json "$db" > "$TMP/runs.json" || fail "runs --json"
expect_eq "runs: schema" "$(j .schema_version "$TMP/runs.json")" 1
expect_eq "runs: the run" "$(j '.runs[0] | "\(.id) \(.job) \(.status) \(.planned) \(.alive)"' "$TMP/runs.json")" \
	"1 j done 60 $(q "$db" "select count(alive_ns) from guests")"

"$B/horde" report --json --out "$TMP/out" "$db" > "$TMP/report.json" || fail "report --json"
expect_eq "report: schema" "$(j .schema_version "$TMP/report.json")" 1
expect_eq "report: page" "$(j .page "$TMP/report.json")" "$TMP/out/j.html"
[ -f "$TMP/out/j.html" ] || fail "report: no page"
expect_eq "report: the run's counts" "$(jq -c '.runs[0] | [.attempted, .created, .alive, .failures]' "$TMP/report.json")" \
	"$(jq -c '.runs[0] | [.attempted, .created, .alive, .failures]' "$TMP/run.json")"

# Errors: one document each, with the command, the error and the status.
json_error() { # WHAT WANT_STATUS WANT_IN_ERROR COMMAND...
	local what=$1 want=$2 needle=$3 rc=0
	shift 3
	"$@" > "$TMP/e.json" 2> "$TMP/e.err" || rc=$?
	expect_eq "$what: exit status" "$rc" "$want"
	jq -e . "$TMP/e.json" > /dev/null || fail "$what: not JSON: '$(cat "$TMP/e.json")'"
	expect_eq "$what: command" "$(j .command "$TMP/e.json")" "$2"
	j .error "$TMP/e.json" | grep -qF -- "$needle" ||
		fail "$what: error '$(j .error "$TMP/e.json")' does not say '$needle'"
	grep -qF -- "$needle" "$TMP/e.err" || fail "$what: standard error: $(cat "$TMP/e.err")"
}
json_error "run, no such plan" 1 "$TMP/none.plan" \
	"$B/horde" run "$TMP/none.plan" --db "$TMP/x.db" --json -q
sqlite3 "$TMP/other.db" "create table t(x)"
json_error "run, another program's database" 1 "another program" \
	"$B/horde" run "$TMP/j.plan" --db "$TMP/other.db" --json -q
json_error "runs, no such database" 1 "$TMP/none.db" "$B/horde" runs "$TMP/none.db" --json
json_error "report, no such run" 1 "no run 99" "$B/horde" report "$db" 99 --json --out "$TMP/out"
json_error "compare, no such database" 2 "$TMP/none.db" \
	"$B/horde" compare "$TMP/none.db" "$db" --json
leftovers
