#!/usr/bin/env bash
# The prober and the host sampler in a run: a sweep over 2,000 guests finds
# every one; the sampler has a sample for every interval and CPU time that
# only grows, per process; guests that never come up are reported dead
# after the timeout with their retries counted.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/sweep.plan" <<'PLAN'
[global]
emu_latency=zero
boot_delay=20ms
[sweep]
guests=2000
bridges=2
sweep_every=1000
sample_interval=200ms
PLAN
db=$TMP/sweep.db
"$B/horde" run "$TMP/sweep.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" ||
	fail "horde run failed: $(cat "$TMP/err")"
leftovers

# Sweeps after guest 1,000 and 2,000, and one at the end over all 2,000.
expect_eq "sweeps" "$(q "$db" "select count(*) from sweeps")" 3
expect_eq "every sweep of every guest alive then" \
	"$(q "$db" "select count(*) from sweeps where probed = answered and wrong_mac = 0 and sent >= probed")" 3
expect_eq "the last sweep" "$(q "$db" "select guests || ' ' || probed || ' ' || answered from sweeps where sweep = 3")" "2000 2000 2000"
# Round trips come from capture timestamps, the sweep's duration from the
# prober's loop: no round trip can outlast the sweep it was part of, and
# each is longer than nothing.
expect_eq "round trips within their sweep" "$(q "$db" "select count(*) from sweeps where rtt_p50_ns > 0 and rtt_max_ns < duration_ns")" 3

# The sampler: a sample at least every 2 intervals from start to end.
interval=200000000
gap=$(q "$db" "select max(d) from (select at_ns - lag(at_ns) over (order by at_ns) as d from (select distinct at_ns from samples))")
[ "$gap" -lt $((2 * interval)) ] || fail "a sampling gap of $gap ns"
span=$(q "$db" "select max(at_ns) - min(at_ns) from samples")
n=$(q "$db" "select count(distinct at_ns) from samples")
[ "$n" -ge $((span / interval)) ] || fail "$n samples over $span ns"
for src in horde-xenstored horde-consoled horde; do
	expect_eq "$src sampled each time" \
		"$(q "$db" "select count(*) from samples where source = '$src' and metric = 'cpu_ns'")" "$n"
done
expect_eq "CPU time never goes back" \
	"$(q "$db" "select count(*) from (select value - lag(value) over (partition by source order by at_ns) as d from samples where metric = 'cpu_ns') where d < 0")" 0
expect_eq "xenstored worked" \
	"$(q "$db" "select max(value) > min(value) from samples where source = 'horde-xenstored' and metric = 'cpu_ns'")" 1
# Descriptors as the sampler read them: the console daemon's grow with the
# guests (3 an eager console), the store daemon's do not (rings).
expect_eq "the console daemon's descriptors grew with the guests" \
	"$(q "$db" "select max(value) >= 3 * 2000 from samples where source = 'horde-consoled' and metric = 'fds'")" 1
expect_eq "xenstored's did not" \
	"$(q "$db" "select max(value) < 100 from samples where source = 'horde-xenstored' and metric = 'fds'")" 1
expect_eq "the store's nodes at the peak" \
	"$(q "$db" "select max(value) > 2000 * 17 from samples where source = 'store' and metric = 'nodes'")" 1
expect_eq "host series" "$(q "$db" "select count(distinct metric) from samples where source = 'host'")" 2
expect_eq "guest counts" "$(q "$db" "select min(guests) = 0 and max(guests) = 2000 from samples")" 1

# Guests that never come up: their boot takes longer than the timeout.
cat > "$TMP/dead.plan" <<'PLAN'
[dead]
guests=3
boot_delay=5s
alive_timeout=300ms
PLAN
"$B/horde" run "$TMP/dead.plan" --db "$TMP/dead.db" --quiet > "$TMP/out" 2> "$TMP/err"
expect_eq "exit status" $? 1
expect_eq "dead, retries counted" \
	"$(q "$TMP/dead.db" "select count(*) from guests where alive_ns is null and probes > 1 and failure = 'arp: no reply to ' || probes || ' probes in 300 ms'")" 3
leftovers
