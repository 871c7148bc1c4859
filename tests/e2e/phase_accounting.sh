#!/usr/bin/env bash
# Where creation time is charged, checked against what the XenStore daemon
# itself saw: horde-xenstored runs with a trace of every request, and the
# round trips libxcl's workers made on their two connections (requests and
# watches) must be exactly the xenstore phase's calls, creation and
# destruction together. A burst of 16 (16 workers) makes commits conflict: the
# retries are counted, their backoff is not XenStore calls. The model's
# time is in the hypervisor phase alone and is the latency profile's.
. "$(dirname "$0")/../lib.sh"

# The daemon under test, with a trace file: horde starts it by this path.
cat > "$TMP/horde-xenstored" <<WRAP
#!/bin/sh
exec "$PWD/$B/horde-xenstored" "\$@" --trace-file "$TMP/trace"
WRAP
chmod +x "$TMP/horde-xenstored"
# A latency profile of the test's own, with no spread: every creation is
# charged exactly these.
latency_profile "$TMP/fixed.profile" 300000 5000 660000 10000 20000 300000
cat > "$TMP/p.plan" <<PLAN
[acct]
emu_latency=$TMP/fixed.profile
guests=160
memory=8
boot_delay=1ms
pattern=burst
burst=16
burst_every=1ms
PLAN
db=$TMP/p.db
HORDE_XENSTORED=$TMP/horde-xenstored "$B/horde" run "$TMP/p.plan" --db "$db" \
	--quiet > "$TMP/out" 2> "$TMP/err" || fail "horde run failed: $(cat "$TMP/err")"
expect_eq "created" "$(q "$db" "select count(*) from guests where failure is null")" 160
[ -s "$TMP/trace" ] || fail "no trace written"

# The workers' connections: those that start transactions (requests) and
# those that watch a vif's hotplug-status (watches); not dom0's kernel,
# which watches "backend" and has transactions of its own.
awk '
	$3 == "TRANSACTION_START" { req[$1] = 1 }
	$3 == "WATCH" && $6 ~ /hotplug-status$/ { watch[$1] = 1 }
	$3 == "WATCH" && $6 == "backend" { kernel[$1] = 1 }
	{ n[$1]++ }
	$3 == "TRANSACTION_END" { ends[$1]++ }
	END {
		for (c in n) if ((c in req || c in watch) && !(c in kernel)) {
			conns++; total += n[c]; tends += ends[c]
		}
		print conns, total, tends
	}' "$TMP/trace" > "$TMP/counts"
read -r conns seen conflicts < "$TMP/counts"
expect_eq "worker connections (16 workers, 2 each)" "$conns" 32
charged=$(q "$db" "select (select sum(calls) from phases where phase = 'xenstore') + (select sum(calls) from destroy_phases where phase = 'xenstore')")
expect_eq "xenstore calls charged vs requests the daemon saw" "$charged" "$seen"

retries=$(q "$db" "select sum(retries) from phases where phase = 'xenstore'")
[ "${retries:-0}" -gt 0 ] || fail "a burst of 16 retried no commit"
commits=$(q "$db" "select count(*) from guests where failure is null")
# Every retry is one more TRANSACTION_END than the guests' one commit each.
expect_eq "retries vs commits the daemon saw" "$((commits + retries))" "$conflicts"

# The profile's costs, charged to the hypervisor phase and operation by
# operation (2 event channels a guest).
expect_eq "modelled hypervisor time per guest" \
	"$(q "$db" "select count(*) from phases where phase = 'hypervisor' and modelled_ns = 300000 + 2 * 5000 + 660000 + 10000 + 20000")" 160
for o in create:1:300000 evtchn:2:10000 build:1:660000 gnttab:1:10000 unpause:1:20000; do
	IFS=: read -r op calls ns <<< "$o"
	expect_eq "hypervisor operation $op" \
		"$(q "$db" "select count(*) from hv_ops where stage = 'create' and op = '$op' and calls = $calls and modelled_ns = $ns and dur_ns >= $ns")" 160
done
expect_eq "destroy operation" \
	"$(q "$db" "select count(*) from hv_ops where stage = 'destroy' and op = 'destroy' and calls = 1 and modelled_ns = 300000")" 160
expect_eq "no other operations" "$(q "$db" "select count(*) from hv_ops")" $((6 * 160))
expect_eq "modelled time outside the hypervisor phase" \
	"$(q "$db" "select count(*) from phases where phase != 'hypervisor' and modelled_ns != 0")" 0
expect_eq "measured time recorded" \
	"$(q "$db" "select count(*) from phases where measured_ns is null or measured_ns < 0 or measured_ns > dur_ns")" 0
expect_eq "modelled destruction time (300 us)" \
	"$(q "$db" "select count(*) from destroy_phases where phase = 'hypervisor' and modelled_ns = 300000")" 160
