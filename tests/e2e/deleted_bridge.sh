#!/usr/bin/env bash
# A bridge deleted inside a run: the prober goes on with the other bridge
# without spinning on its dead capture, the guests it cannot reach say
# which interface went, and the creations that cannot plug into it name
# the bridge.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/b.plan" <<'PLAN'
[global]
emu_latency=zero
boot_delay=10ms
console=lazy
bridges=2
[b]
guests=1000
PLAN
db=$TMP/b.db
"$B/horde" run "$TMP/b.plan" --db "$db" --quiet > /dev/null 2> "$TMP/err" &
pid=$!
wait_for 120 guests_stored "$db" 200
ip netns exec "horde-$pid" ip link del horde-br1 || fail "could not delete the bridge"
# The prober thread's CPU over two seconds: a poll loop on a dead capture
# takes a whole core.
probe_ticks() {
	local t
	for t in /proc/"$pid"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = horde-probe ] || continue
		awk '{ print $14 + $15 }' "$t/stat"
		return
	done
	echo 0
}
before=$(probe_ticks)
sleep 2 # measuring a rate over a time, not waiting for an event
after=$(probe_ticks)
ticks=$((after - before)) hz=$(getconf CLK_TCK)
[ $((ticks * 4)) -lt $((hz * 2)) ] ||
	fail "the prober took $ticks of $((hz * 2)) clock ticks in 2 s after its bridge went"
wait "$pid"
expect_eq "horde's status (guests failed)" $? 1
expect_eq "the run" "$(q "$db" "select status from runs")" done
expect_eq "guests" "$(q "$db" "select count(*) from guests")" 1000
expect_eq "guests on the other bridge, alive" \
	"$(q "$db" "select count(*) from guests where seq % 2 = 1 and alive_ns > 0 and failure is null")" 500
[ "$(q "$db" "select count(*) from guests where failure like '%bridge horde-br1 has gone%'")" -gt 0 ] ||
	fail "no creation names the bridge: $(q "$db" "select failure from guests where failure is not null limit 3")"
expect_eq "creations that fail on the bridge without naming it" \
	"$(q "$db" "select count(*) from guests where failure like '%create veth%' and failure not like '%bridge horde-br1 has gone%'")" 0
expect_eq "guests not reached that do not say why" \
	"$(q "$db" "select count(*) from guests where failure like 'arp: no reply%' and seq % 2 = 0")" 0
leftovers
