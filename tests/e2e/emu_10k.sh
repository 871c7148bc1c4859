#!/usr/bin/env bash
# plans/emu-10k.plan as it is: 10,000 lean guests on emu with the seed's
# fixes applied all come up and answer ARP from their own MAC, and nothing
# horde made is left afterwards. With no modelled hypervisor time
# (emu_latency=zero): the measured profile would add six minutes of
# sleeping to a test of scale, not of time.
. "$(dirname "$0")/../lib.sh"

leftovers
db=$TMP/10k.db
"$B/horde" run plans/emu-10k.plan --db "$db" --quiet --set emu_latency=zero > "$TMP/out" 2> "$TMP/err" ||
	fail "horde run failed: $(cat "$TMP/err") $(cat "$TMP/out")"
expect_eq "status" "$(q "$db" "select status from runs")" done
expect_eq "guests" "$(q "$db" "select count(*) from guests")" 10000
expect_eq "alive, own MAC, no failure" \
	"$(q "$db" "select count(*) from guests where alive_ns > 0 and reply_mac = mac and failure is null")" 10000
expect_eq "distinct domids" "$(q "$db" "select count(distinct domid) from guests")" 10000
q "$db" "select modelled from runs" | grep -q "131072 dom0 event channel ports" ||
	fail "run does not store its limits: $(q "$db" "select modelled from runs")"
leftovers
