#!/usr/bin/env bash
# bench.sh: benchmarks. Each prints its figures; none passes or fails on
# speed (tests check behaviour, benchmarks measure).
set -eu
B=${B:-build}
TMP=$(mktemp -d /tmp/horde-bench-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

echo "== creation cost on emu with emu_latency=zero (1,000 guests: one bridge holds 1,023)"
start=$(date +%s.%N)
"$B/horde" run tests/plans/bench.plan --db "$TMP/bench.db" --quiet > /dev/null
end=$(date +%s.%N)
db=$TMP/bench.db
sqlite3 -batch "$db" <<SQL
.mode list
select printf('guests created          %d (%d failed)', count(*) filter (where failure is null), count(*) filter (where failure is not null)) from guests;
select printf('creation rate           %.0f guests/s (creation time only)', count(*) / (sum(create_ns) / 1e9)) from guests where failure is null;
select printf('%-23s %8.1f us mean, %5.1f calls, %6.1f us a call', phase, avg(dur_ns) / 1e3, avg(calls), sum(dur_ns) / 1e3 / max(sum(calls), 1)) from phases group by phase order by phase;
select printf('last 200 guests         %8.1f us mean creation', avg(create_ns) / 1e3) from guests where seq > 800 and failure is null;
select printf('first 200 guests        %8.1f us mean creation', avg(create_ns) / 1e3) from guests where seq <= 200 and failure is null;
SQL
printf 'wall time, whole run     %.2f s (set-up, 1,000 creations, ARP, teardown)\n' \
	"$(echo "$end - $start" | bc -l)"

echo
echo "== libxcl's XenStore calls on one connection and on two (1,000 guests each, emu_latency=zero)"
"$B/horde" run tests/plans/bench-handles.plan --db "$TMP/handles.db" --quiet > /dev/null
sqlite3 -batch "$TMP/handles.db" <<SQL
.mode list
select printf('%-27s xenstore %7.1f us a guest, %4.1f calls, %5.1f us a call', r.job, avg(p.dur_ns) / 1e3, avg(p.calls), sum(p.dur_ns) / 1e3 / sum(p.calls))
from phases p join runs r on r.id = p.run_id join guests g on g.run_id = p.run_id and g.seq = p.seq
where p.phase = 'xenstore' and g.failure is null group by r.job order by r.job;
SQL

echo
echo "== horde's own overhead on a 10,000-guest emu ramp (tests/plans/bench-10k.plan, emu_latency=zero)"
"$B/horde" run tests/plans/bench-10k.plan --db "$TMP/10k.db" --quiet 2> /dev/null |
	grep -E "harness overhead|own CPU|10000 guests attempted"

echo
echo "== results store ingest (SQLite, WAL, the runner's own calls)"
"$B/bench_results" "$TMP/ingest.db" 200000

echo
echo "== eight hordes on one results database, 20 rounds (150 guests each, emu_latency=zero)"
B=$B tests/bench/soak_writers.sh 20 8 150

echo
echo "== ARP sweep over 10,000 emulated guests (ten bridges: one takes 1,023 ports)"
"$B/horde" run tests/plans/bench-sweep.plan --db "$TMP/sweep.db" --quiet > /dev/null
sqlite3 -batch "$TMP/sweep.db" <<SQL
.mode list
.separator "\n"
select printf('guests swept            %d probed, %d answered, %d missed, %d from a wrong MAC',
              probed, answered, probed - answered, wrong_mac),
       printf('sweep wall time         %.3f s', duration_ns / 1e9),
       printf('requests sent           %d, %.0f/s (the default probe_rate: 20000/s)', sent, sent / (duration_ns / 1e9)),
       printf('round trip              p50 %.1f us, p99 %.1f us, max %.1f us',
              rtt_p50_ns / 1e3, rtt_p99_ns / 1e3, rtt_max_ns / 1e3)
from sweeps order by sweep desc limit 1;
SQL

echo
echo "== horde-xenstored round trips as the store fills (lean and xl entry sets)"
"$B/bench_xenstore" "$B/horde-xenstored" 100000 20000

echo
echo "== XenStore requests a guest by origin, cxenstored on emu against real Xen (1,000 guests)"
B=$B bash tests/e2e/xs_trace.sh 1000 2>&1 | grep -v "^FAIL" || true

echo
echo "== every domain id: plans/emu-32k.plan (32,751 guests)"
slab_kib() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
slab0=$(slab_kib) slab_max=$slab0
( while sleep 10; do slab_kib; done ) > "$TMP/slab" &
sampler=$!
start=$(date +%s)
"$B/horde" run plans/emu-32k.plan --db "$TMP/32k.db" --quiet > "$TMP/32k.out" 2>&1 || true
end=$(date +%s)
kill "$sampler" 2> /dev/null
slab_max=$(sort -n "$TMP/slab" | tail -1)
db=$TMP/32k.db
sqlite3 -batch "$db" <<SQL
.mode list
select printf('guests alive            %d of %d (%d failed)', count(*) filter (where alive_ns > 0 and failure is null), count(*), count(*) filter (where failure is not null)) from guests;
select printf('median at %-5s         toolstack %.2f ms, xenstore %.2f ms, hypervisor %.2f ms, dom0 %.2f ms', g,
              max(case when phase = 'toolstack' then m end) / 1e6, max(case when phase = 'xenstore' then m end) / 1e6,
              max(case when phase = 'hypervisor' then m end) / 1e6, max(case when phase = 'dom0' then m end) / 1e6)
from (select g, phase, (select p2.dur_ns from phases p2 where p2.phase = x.phase and p2.seq between g - 99 and g order by p2.dur_ns limit 1 offset 50) as m
      from (select distinct phase, g from phases, (select 1000 as g union all select 10000 union all select 20000 union all select 32751)) x)
group by g order by g;
select printf('%-23s %d descriptors at most, %.0f MiB resident at most', source,
              max(case when metric = 'fds' then value end), max(case when metric = 'rss_kib' then value end) / 1024)
from samples where source in ('horde', 'horde-xenstored', 'horde-consoled') group by source;
SQL
printf 'wall time               %d s\n' $((end - start))
printf "kernel slab             %d MiB at start, %d MiB at most (+%d)\n" \
	$((slab0 / 1024)) $((slab_max / 1024)) $(((slab_max - slab0) / 1024))
