#!/usr/bin/env bash
# bench_report.sh: what make xen-bench makes of its database, and can make
# again without QEMU: emu calibrated from the libxcl run (horde calibrate)
# runs the same ramp, stored in the same database; horde report overlays
# the real runs and emu's; and the figures of the issue are printed: median
# creation per phase by guest count for libxcl, xl and emu, the libxcl/xl
# ratio, time to alive of horde-guest and Linux, the first guest the host
# refused and why, and the largest count reached. It fails when real Xen
# and emu refuse different guests of the one bridge, or when the median
# of emu's hypervisor phase over the whole run is more than 15% from the
# real run's: that phase is the one emu models from the real run (the
# others are real work here, at native speed, against the lane's under
# software emulation). By range the real run's own medians wander (22, 20,
# 28 ms in the run of 2026-12-01), so ranges are printed, not judged.
#
# The shape check: the same ramp on emu with Xen's own cxenstored
# (Debian's, from XEN_CACHE) and emu's dom0 making a real dom0's requests.
# The daemon's CPU time a created guest (the host sampler's readings) must
# grow from guests 1-100 to 900-1,000 by a factor within 30% of the real
# run's: emulation slows the daemon's own code by a roughly constant
# factor, so its growth carries over. The XenStore phase's growth, which
# also holds round trips through the (emulated or real) hypervisor, is
# printed for both, not judged.
# usage: bench_report.sh [DB [OUT]]   (B=build dir, XEN_CACHE)
set -eu
B=${B:-build}
DB=${1:-results/xen-bench.db}
OUT=${2:-results/xen-bench}
mkdir -p "$OUT"
q() { sqlite3 -batch -noheader "$DB" "$1"; }
run_of() { q "select max(id) from runs where job = '$1'"; }
real=$(run_of libxcl) xl=$(run_of xl)
[ -n "$real" ] || { echo "bench_report: no libxcl run in $DB" >&2; exit 1; }

# emu, calibrated from the real ramp; the guests' boot delay is the real
# horde-guest's median time to alive.
profile=$OUT/xen-4.17-qemu.profile
"$B/horde" calibrate --name xen-4.17-qemu --out "$profile" "$DB:$real"
alive_us=$(q "select alive_ns / 1000 from guests where run_id = $real and alive_ns is not null order by alive_ns limit 1 offset (select count(alive_ns) / 2 from guests where run_id = $real)")
# The libxcl job of tests/xen/bench.plan, on emu.
cat > "$OUT/emu.plan" <<PLAN
[emu-libxcl]
description=emu calibrated from libxcl (run $real): 1,100 horde-guests on one bridge
platform=emu
emu_latency=$(realpath "$profile")
boot_delay=${alive_us}us
memory=4
guests=1100
alive_timeout=120s
probe_interval=50ms
probe_rate=500
sweep_every=100
sweep_timeout=10s
sample_interval=2s
bucket=100
PLAN
# Once: a report made again uses the emu run already there.
emu=$(run_of emu-libxcl)
if [ -z "$emu" ]; then
	"$B/horde" run "$OUT/emu.plan" --db "$DB" --quiet > "$OUT/emu.out" 2>&1 || true
	emu=$(run_of emu-libxcl)
	[ -n "$emu" ] || { echo "bench_report: emu did not run: $(cat "$OUT/emu.out")" >&2; exit 1; }
fi
# The same ramp with cxenstored on emu, for the shape check.
xen_utils=$OUT/xen-utils
cache=${XEN_CACHE:-.cache/xen-debs}
if [ ! -x "$xen_utils/usr/lib/xen-4.17/bin/xenstored" ]; then
	ls "$cache"/xen-utils-4.17_*.deb > /dev/null 2>&1 ||
		(cd "$cache" && apt-get download xen-utils-4.17 > /dev/null)
	dpkg -x "$(ls "$cache"/xen-utils-4.17_*.deb | tail -1)" "$xen_utils"
fi
sed -e 's/^\[emu-libxcl\]/[emu-cxenstored]/' \
    -e 's/^description=emu calibrated/description=cxenstored on emu, calibrated/' \
    "$OUT/emu.plan" > "$OUT/emu-cxenstored.plan"
printf 'xenstored=cxenstored\nxenstored_bin=%s\n' \
	"$(realpath "$xen_utils")/usr/lib/xen-4.17/bin/xenstored" >> "$OUT/emu-cxenstored.plan"
emu_cx=$(run_of emu-cxenstored)
if [ -z "$emu_cx" ]; then
	"$B/horde" run "$OUT/emu-cxenstored.plan" --db "$DB" --quiet > "$OUT/emu-cxenstored.out" 2>&1 || true
	emu_cx=$(run_of emu-cxenstored)
	[ -n "$emu_cx" ] || { echo "bench_report: cxenstored on emu did not run: $(cat "$OUT/emu-cxenstored.out")" >&2; exit 1; }
fi
"$B/horde" report --out "$OUT" "$DB" $real ${xl:+$xl} $emu $emu_cx > /dev/null

# median RUN PHASE FROM TO: the median of a phase's time (ms) over the
# created guests FROM..TO of a run ('total': the whole creation).
median() {
	local src="phases p join guests g on g.run_id = p.run_id and g.seq = p.seq where p.phase = '$2' and"
	local col=p.dur_ns
	[ "$2" = total ] && { src="guests g where"; col=g.create_ns; }
	q "select printf('%.1f', $col / 1e6) from $src g.run_id = $1 and g.seq between $3 and $4 and g.failure is null order by $col limit 1 offset (select count(*) / 2 from $src g.run_id = $1 and g.seq between $3 and $4 and g.failure is null)"
}
echo "== median creation per phase, ms (guests FROM-TO of each run)"
printf '%-12s %-10s %9s %9s %11s %6s %9s\n' run guests toolstack xenstore hypervisor dom0 total
for r in "libxcl:$real" "xl:$xl" "emu:$emu"; do
	name=${r%%:*} id=${r#*:}
	[ -n "$id" ] || continue
	for range in 1-100 200-300 900-1000; do
		from=${range%-*} to=${range#*-}
		[ "$(q "select count(*) from guests where run_id = $id and seq >= $to")" -gt 0 ] || continue
		printf '%-12s %-10s %9s %9s %11s %6s %9s\n' "$name" "$range" \
			"$(median $id toolstack $from $to)" "$(median $id xenstore $from $to)" \
			"$(median $id hypervisor $from $to)" "$(median $id dom0 $from $to)" \
			"$(median $id total $from $to)"
	done
done
echo "== emu against the run it was calibrated from: (emu - real) / real, %"
printf '%-10s %9s %9s %11s %6s %9s\n' guests toolstack xenstore hypervisor dom0 total
off=0
for range in 1-100 200-300 900-1000 all; do
	from=${range%-*} to=${range#*-}
	[ $range = all ] && from=1 to=$(q "select guests_planned from runs where id = $real")
	line=$range
	for phase in toolstack xenstore hypervisor dom0 total; do
		e=$(echo "$(median $emu $phase $from $to) $(median $real $phase $from $to)" |
			awk '$2 > 0 { printf "%+.0f", 100 * ($1 - $2) / $2 }')
		line+=" ${e:-?}"
		if [ $range = all ] && [ $phase = hypervisor ] &&
		   ! [ "${e:-999}" -ge -15 -a "${e:-999}" -le 15 ]; then
			off=1
		fi
	done
	printf '%-10s %9s %9s %11s %6s %9s\n' $line
done
[ $off = 0 ] || echo "bench_report: emu's hypervisor phase is more than 15% from the real run's" >&2
if [ -n "$xl" ]; then
	a=$(median "$real" total 200 300) b=$(median "$xl" total 200 300)
	echo "libxcl/xl at guests 200-300: $a / $b ms = $(echo "scale=3; $a / $b" | bc -l)"
fi
echo "== time to alive (median ms, all answered guests)"
q "with a as (select run_id, alive_ns, row_number() over (partition by run_id order by alive_ns) as rn, count(*) over (partition by run_id) as n from guests where alive_ns is not null)
   select r.job, a.n, printf('%.1f', a.alive_ns / 1e6) from a join runs r on r.id = a.run_id where a.rn = (a.n + 1) / 2 order by r.id"
echo "== first guest refused, and the cause stored"
q "select r.job, g.seq, g.failure from runs r join guests g on g.run_id = r.id where g.failure is not null and g.seq = (select min(seq) from guests where run_id = r.id and failure is not null) order by r.id"
# The bridge twin: all 1,100 vifs on one bridge, real and emu refuse the
# same port for the kernel's same reason (EXFULL).
first_refused() { q "select seq || '|' || failure from guests where run_id = $1 and failure is not null order by seq limit 1"; }
IFS='|' read -r real_br real_br_cause <<< "$(first_refused $real)"
IFS='|' read -r emu_br emu_br_cause <<< "$(first_refused $emu)"
if [ -z "$real_br" ] || [ "$real_br" != "$emu_br" ] ||
   ! grep -q "Exchange full" <<< "$real_br_cause" || ! grep -q "EXFULL" <<< "$emu_br_cause"; then
	echo "bench_report: the bridge twin differs: real guest ${real_br:-none} ($real_br_cause), emu guest ${emu_br:-none} ($emu_br_cause)" >&2
	off=1
fi
# cpu_per_guest RUN SOURCE FROM TO: the daemon's CPU time (ms) a guest
# created while FROM..TO guests were up: its CPU at the first reading
# with TO guests up, less its CPU at the last reading before that with
# FROM or fewer, over the guests between those readings.
cpu_per_guest() {
	q "with s as (select at_ns, guests, value from samples where run_id = $1 and source = '$2' and metric = 'cpu_ns'),
	    b as (select at_ns, guests, value from s where guests >= min($4, (select max(guests) from s)) order by at_ns limit 1),
	    a as (select guests, value from s where guests <= $3 and at_ns < (select at_ns from b) order by at_ns desc limit 1)
	   select printf('%.3f', (b.value - a.value) / 1e6 / (b.guests - a.guests)) from a, b where b.guests > a.guests"
}
growth() { echo "$1 $2" | awk '$1 > 0 { printf "%.2f", $2 / $1 }'; }
echo "== the shape: XenStore daemon's CPU a created guest (ms), real cxenstored and cxenstored on emu"
r1=$(cpu_per_guest $real xenstored 0 100) r2=$(cpu_per_guest $real xenstored 900 1000)
e1=$(cpu_per_guest $emu_cx cxenstored 0 100) e2=$(cpu_per_guest $emu_cx cxenstored 900 1000)
rg=$(growth "$r1" "$r2") eg=$(growth "$e1" "$e2")
printf '%-22s %10s %12s %8s\n' daemon 1-100 900-1000 growth
printf '%-22s %10s %12s %8s\n' "real cxenstored" "${r1:-?}" "${r2:-?}" "${rg:-?}"
printf '%-22s %10s %12s %8s\n' "cxenstored on emu" "${e1:-?}" "${e2:-?}" "${eg:-?}"
xr1=$(median $real xenstore 1 100) xr2=$(median $real xenstore 900 1000)
xe1=$(median $emu_cx xenstore 1 100) xe2=$(median $emu_cx xenstore 900 1000)
echo "XenStore phase median, ms (printed, not judged): real $xr1 -> $xr2 ($(growth "$xr1" "$xr2")x), emu $xe1 -> $xe2 ($(growth "$xe1" "$xe2")x)"
if [ -z "$rg" ] || [ -z "$eg" ] ||
   ! awk -v r="$rg" -v e="$eg" 'BEGIN { exit !(e >= 0.7 * r && e <= 1.3 * r) }'; then
	echo "bench_report: the daemon's growth on emu (${eg:-?}x) is not within 30% of real Xen's (${rg:-?}x)" >&2
	off=1
fi
echo "== guests up at the peak (created, not failed) and why the run stopped there"
q "select r.job, r.guests_planned, count(g.domid) filter (where g.failure is null), r.status from runs r join guests g on g.run_id = r.id group by r.id order by r.id"
exit $off
