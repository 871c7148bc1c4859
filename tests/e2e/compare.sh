#!/usr/bin/env bash
# horde compare's exit status as a CI job reads it, on databases made with
# known distributions (tests/tools/gen_runs.c): 0 for the same, 1 for a
# regression, 2 when the runs cannot be compared; and horde ab running two
# builds alternately on a real (emulated) host.
. "$(dirname "$0")/../lib.sh"

gen() { "$B/gen_runs" "$@" || fail "gen_runs $*"; }
gen -S 1 "$TMP/base.db"
gen -S 2 "$TMP/same.db"
gen -S 3 -s 0.10 "$TMP/slower.db"
gen -S 4 -p xen "$TMP/xen.db"

"$B/horde" compare "$TMP/base.db" "$TMP/same.db" > "$TMP/out"
expect_eq "same" $? 0
grep -q "^no regression" "$TMP/out" || fail "$(cat "$TMP/out")"
"$B/horde" compare "$TMP/base.db" "$TMP/slower.db" > "$TMP/out"
expect_eq "10% slower" $? 1
grep -q "creation, guests 1-75 .* +[0-9.]*% .* REGRESSION" "$TMP/out" || fail "$(cat "$TMP/out")"
"$B/horde" compare "$TMP/slower.db" "$TMP/base.db" > "$TMP/out"
expect_eq "10% faster" $? 0
grep -q "better" "$TMP/out" || fail "$(cat "$TMP/out")"
"$B/horde" compare "$TMP/base.db" "$TMP/xen.db" > "$TMP/out"
expect_eq "other platform" $? 2
grep -q "cannot compare: the runs ran on different platforms" "$TMP/out" || fail "$(cat "$TMP/out")"
"$B/horde" compare --force "$TMP/base.db" "$TMP/xen.db" > /dev/null
expect_eq "forced" $? 0
# Two runs a side could not have flagged anything: not a pass.
"$B/horde" compare "$TMP/base.db:1,2" "$TMP/slower.db:1,2" > "$TMP/out"
expect_eq "two runs a side cannot reach p < 0.01" $? 2
grep -q "cannot compare: with 2 and 2 runs no p can fall below" "$TMP/out" || fail "$(cat "$TMP/out")"
"$B/horde" compare --force "$TMP/base.db:1,2" "$TMP/slower.db:1,2" > "$TMP/out"
expect_eq "two runs a side, forced" $? 0
grep -q "^note: with 2 and 2 runs" "$TMP/out" || fail "$(cat "$TMP/out")"
"$B/horde" compare "$TMP/base.db" "$TMP/missing.db" > "$TMP/out" 2>&1
expect_eq "missing database" $? 2
grep -q "missing.db" "$TMP/out" || fail "missing database: $(cat "$TMP/out")"
"$B/horde" compare "$TMP/base.db:9" "$TMP/same.db" > "$TMP/out" 2>&1
expect_eq "missing run" $? 2
grep -q "no run 9" "$TMP/out" || fail "missing run: $(cat "$TMP/out")"
"$B/horde" compare "$TMP/base.db:1,1,1" "$TMP/same.db" > "$TMP/out" 2>&1
expect_eq "a run named twice" $? 2
grep -q "run 1 is named twice" "$TMP/out" || fail "run named twice: $(cat "$TMP/out")"
# A busy host: compare refuses sides whose load differs, and the summary
# says the host was busy (a load of 1,000 passes any host's CPUs).
gen -S 5 -L 0.2 "$TMP/quiet.db"
gen -S 6 -L 1000 "$TMP/busy.db"
"$B/horde" compare "$TMP/quiet.db" "$TMP/busy.db" > "$TMP/out"
expect_eq "loads differ" $? 2
grep -q "cannot compare: the hosts' load differed: 1-minute load 0.2 on the base's side, 1000.0 on the candidate's" "$TMP/out" ||
	fail "$(cat "$TMP/out")"
"$B/horde" compare --force "$TMP/quiet.db" "$TMP/busy.db" > "$TMP/out"
expect_eq "loads differ, forced" $? 0
grep -q "^warning: the candidate ran on a busy host (1-minute load 1000.0 on" "$TMP/out" ||
	fail "no busy warning: $(cat "$TMP/out")"
"$B/horde" compare "$TMP/quiet.db" "$TMP/base.db" > /dev/null
expect_eq "one side without samples" $? 0
"$B/horde" report -q --out "$TMP/rep" "$TMP/busy.db" > /dev/null
"$B/horde" report --out "$TMP/rep" "$TMP/busy.db" | grep -q "BUSY HOST: 1-minute load 1000.0 on" ||
	fail "no busy host warning"
"$B/horde" report --out "$TMP/rep" "$TMP/quiet.db" | grep -q "BUSY" && fail "a quiet host called busy"

# --json: the same verdicts as a document jq reads, the exit status kept.
"$B/horde" compare --json "$TMP/base.db" "$TMP/slower.db" > "$TMP/out.json"
expect_eq "json, slower: exit" $? 1
expect_eq "json, slower" "$(jq -r '"\(.schema_version) \(.verdict) \(.exit_status) \(.base.runs) \(.candidate.runs)"' "$TMP/out.json")" "1 regression 1 5 5"
expect_eq "json, slower: the first bucket" "$(jq -r '.metrics[0] | "\(.name) \(.verdict) \(.change > 0.05) \(.p < 0.01)"' "$TMP/out.json")" \
	"creation, guests 1-75 regression true true"
"$B/horde" compare --json "$TMP/base.db:1" "$TMP/same.db:1" > "$TMP/out.json"
expect_eq "json, 1 vs 1: exit" $? 2
expect_eq "json, 1 vs 1" "$(jq -r '"\(.verdict) \(.metrics | length)"' "$TMP/out.json")" "cannot compare 0"
jq -r .reason "$TMP/out.json" | grep -q "no p can fall below" || fail "json reason: $(cat "$TMP/out.json")"

# horde ab: the same build on both sides, five runs each of a small plan,
# enough for p < 0.01 to be reachable: "no regression" then means the
# comparison could have found one and did not. The same build differs only
# by the host's noise, which on 13-guest buckets of a shared 2-core machine
# passed 5% in one run of five here: the test asks for 25%, the plumbing
# and not the noise being under test.
leftovers
printf '[global]\nboot_delay=10ms\nsample_interval=0\n[ab]\nguests=50\n' > "$TMP/ab.plan"
"$B/horde" ab "$TMP/ab.plan" --base "$B/horde" --cand "$B/horde" --runs 5 \
	--min-effect 25 --out "$TMP/ab" > "$TMP/out" 2> "$TMP/err"
expect_eq "ab, same build" $? 0
expect_eq "ab base runs" "$(q "$TMP/ab/base.db" "select count(*) from runs where status = 'done'")" 5
expect_eq "ab candidate runs" "$(q "$TMP/ab/cand.db" "select count(*) from runs where status = 'done'")" 5
grep -q "^no regression" "$TMP/out" || fail "$(cat "$TMP/out")"
grep -q "no p can fall below" "$TMP/out" && fail "ab could not have found a regression: $(cat "$TMP/out")"
leftovers
