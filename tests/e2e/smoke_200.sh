#!/usr/bin/env bash
# A 200-guest run end to end: row counts, four phases a guest, an ARP
# reply from every guest, a figure, no leftovers.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/e2e.plan" <<'PLAN'
[global]
boot_delay=20ms
[e2e]
guests=200
PLAN
db=$TMP/e2e.db
"$B/horde" run "$TMP/e2e.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" ||
	fail "horde run failed: $(cat "$TMP/err")"
grep -q "200 guests attempted, 200 created, 200 answered ARP" "$TMP/out" ||
	fail "summary: $(cat "$TMP/out")"

expect_eq "runs" "$(q "$db" "select count(*) from runs")" 1
expect_eq "status" "$(q "$db" "select status from runs")" done
expect_eq "planned" "$(q "$db" "select guests_planned from runs")" 200
expect_eq "run metadata" "$(q "$db" "select length(modelled) > 20 and length(git_commit) > 0 and length(plan_text) > 10 and ended_at is not null from runs")" 1
expect_eq "guests" "$(q "$db" "select count(*) from guests")" 200
expect_eq "created" "$(q "$db" "select count(*) from guests where domid is not null and failure is null")" 200
expect_eq "distinct domids" "$(q "$db" "select count(distinct domid) from guests")" 200
expect_eq "distinct addresses" "$(q "$db" "select count(distinct address) from guests where address like '198.1_.%'")" 200
expect_eq "ARP replies" "$(q "$db" "select count(*) from guests where alive_ns > 0 and reply_mac = mac")" 200
expect_eq "alive after boot delay" "$(q "$db" "select count(*) from guests where alive_ns >= 20000000")" 200
expect_eq "phase rows" "$(q "$db" "select count(*) from phases")" 800
expect_eq "guests with 4 phases" "$(q "$db" "select count(*) from (select seq from phases group by run_id, seq having count(distinct phase) = 4)")" 200
# What each phase holds is checked against the store's own trace and the
# model's profile in phase_accounting.sh.

"$B/horde" report "$db" --out "$TMP" > "$TMP/report" || fail "report failed"
png=$TMP/e2e-run1.png
[ -s "$png" ] || fail "no figure"
[ "$(stat -c %s "$png")" -gt 20000 ] || fail "figure too small to hold data"
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "not a PNG"
expect_eq "CSV rows" "$(wc -l < "$TMP/e2e-run1-guests.csv")" 201
"$B/horde" runs "$db" | grep -q "e2e .* done .* 200 .* 200 .* 200" || fail "runs listing"
leftovers
