#!/usr/bin/env bash
# twins.sh: emu's limits against real Xen's, at settings scaled into the
# QEMU lane. Real Xen 4.17 boots with gnttab_max_maptrack_frames=1 and
# dom0 runs four jobs on platform xen: guests of 256 MiB until the host's
# memory runs out, horde-guests until dom0's maptrack (1 frame) is full,
# horde-guests four at a time (Xen's domctl lock: do creations queue?),
# and, with dom0's kernel.pty.max at 20, horde-guests until xenconsoled
# finds no PTY. emu then runs each with the same setting: the host memory
# Xen reported free, max_maptrack_frames=1, and the PTYs dom0 had left
# (pty_max). Both must refuse the same guest (memory: within one, see
# below) for the same cause. dom0 also reports what it holds before any
# guest (event channels, IRQs, PTYs), the constants emu's model starts
# from.
# usage: twins.sh   (B=build dir, XEN_CACHE=where the .debs are kept)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/qemu.sh"
xen_test_setup
# The plan both sides run, each naming its platform and setting its knob
# (--set). Memory first, while no dying domain holds any; then the
# maptrack and the domctl lock; PTYs last, so that their limit touches no
# other job.
cat > "$JOB/twins.plan" <<'PLAN'
[global]
kernel=/horde/horde-guest
memory=4
alive_timeout=20s
probe_interval=20ms
# guests: what the host's free memory holds, and two (--set at run time)
[memory]
memory=256
[maptrack]
guests=70
[lock]
guests=16
concurrency=4
[pty]
guests=30
PLAN
cat > "$JOB/run.sh" <<'DOM0'
#!/bin/sh
set -x
H=/horde/build
# What dom0 holds before any guest.
lsevtchn 0 > /mnt/lsevtchn.txt 2>&1
cat /proc/interrupts > /mnt/interrupts.txt
dmesg > /mnt/dmesg.txt
free=$(xl info | awk '$1 == "free_memory" { print $3 }')
echo "$free" > /mnt/free-memory.txt
run() {
	$H/horde run /mnt/twins.plan --db /tmp/twins.db --quiet --set platform=xen \
		--job "$@" >> /mnt/horde.out 2>&1
}
run memory --set guests=$((free / 256 + 2))
run maptrack
run lock
# dom0's /dev/pts draws nothing from the reserve (with max 20 and the
# default reserve of 1,024 xenconsoled got no PTY at all), so it has
# kernel.pty.max less kernel.pty.reserve, less one (fs/devpts/inode.c,
# devpts_new_index): with no reserve, 19 PTYs.
cat /proc/sys/kernel/pty/nr > /mnt/pty-nr.txt
echo 0 > /proc/sys/kernel/pty/reserve
echo 20 > /proc/sys/kernel/pty/max
run pty
cp /tmp/twins.db /mnt/twins.db
DOM0
chmod +x "$JOB/run.sh"
xen_boot "$IMG" "$JOB" 4096 1536 1200 "$TMP/console.log" gnttab_max_maptrack_frames=1 ||
	fail "QEMU: $(tail -20 "$TMP/console.log")"
[ -f "$JOB/twins.db" ] || fail "the job did not run: $(tail -30 "$TMP/console.log")"
cat "$JOB/horde.out" >&2

# first_failure DB JOB: "seq|cause" of the first guest that failed.
first_failure() {
	q "$1" "select g.seq || '|' || g.failure from guests g join runs r on r.id = g.run_id where r.job = '$2' and g.failure is not null order by g.seq limit 1"
}
real=$JOB/twins.db
free=$(cat "$JOB/free-memory.txt") pty_nr=$(cat "$JOB/pty-nr.txt")
[ -n "$free" ] || fail "no free memory reported"

# What dom0 holds before any guest, for emu's model.
ports=$(grep -cE '^ *[0-9]+:' "$JOB/lsevtchn.txt")
irqs=$(grep -cE '^ *[0-9]+:' "$JOB/interrupts.txt")
nr_irqs=$(sed -n 's/.*nr_irqs: *\([0-9]*\).*/\1/p' "$JOB/dmesg.txt" | head -1)
echo "twins: dom0 before any guest: $ports event channel ports, $irqs IRQs in use, nr_irqs ${nr_irqs:-?}" >&2
[ "$ports" -gt 0 ] || fail "lsevtchn: $(head "$JOB/lsevtchn.txt")"
# emu's dom0 starts from that count (the plan key's default).
expect_eq "emu's dom0_own_ports against lsevtchn" \
	"$("$B/horde" help plan-markdown | awk -F'`' '$2 == "dom0_own_ports" { print $4 }')" "$ports"

# The same plan on emu, with the real host's settings: the memory Xen
# reported free, its maptrack frames, the PTYs dom0 had left.
emu() {
	"$B/horde" run "$JOB/twins.plan" --db "$TMP/emu.db" --quiet --set platform=emu \
		--set boot_delay=10ms --job "$@" > /dev/null 2>> "$TMP/emu.err"
}
emu memory --set guests=$((free / 256 + 2)) --set host_memory=$free
emu maptrack --set max_maptrack_frames=1
emu lock
emu pty --set pty_max=$((19 - $pty_nr))

# Memory: emu refuses guest free/256 + 1. Xen's own allocations for each
# domain (its struct domain, vcpu, page tables of the build) come out of
# the same free memory, so real Xen may refuse one guest sooner.
IFS='|' read -r real_mem real_mem_cause <<< "$(first_failure "$real" memory)"
IFS='|' read -r emu_mem emu_mem_cause <<< "$(first_failure "$TMP/emu.db" memory)"
echo "twins: memory: $free MiB free; real Xen refused guest $real_mem ($real_mem_cause), emu guest $emu_mem ($emu_mem_cause)" >&2
[ -n "$real_mem" ] && [ -n "$emu_mem" ] || fail "memory: a side refused no guest"
[ "$real_mem" -le "$emu_mem" ] && [ "$real_mem" -ge $((emu_mem - 1)) ] ||
	fail "memory: real refused guest $real_mem, emu $emu_mem"
# Real Xen's cause is the builder's: populating the guest's memory failed
# (libxc reports the short count as EBUSY).
grep -q "xc_dom_boot_mem_init" <<< "$real_mem_cause" && grep -q "memory: host out of memory" <<< "$emu_mem_cause" ||
	fail "memory: causes differ: '$real_mem_cause' vs '$emu_mem_cause'"

# dom0's maptrack: 1 frame of 256 maps, 6 a guest: emu's guest 43 gets
# its pages mapped but not its vif's rings. Real Xen refuses at 40 to 43:
# netback also maps guests' TX buffers while their packets are in flight,
# and Xen keeps each vCPU's last free entry, so a few maps are taken at
# any moment (runs here: 43, 40, 43, 43). netback, unable to map the refused
# guest's rings, writes why under dom0's error/ node (xenbus_dev_fatal),
# and the guest never answers ARP; later ones fail creation when
# xenstored cannot map their store page (introduce refused), where emu
# says the maptrack is full.
IFS='|' read -r real_mt real_mt_cause <<< "$(first_failure "$real" maptrack)"
IFS='|' read -r emu_mt emu_mt_cause <<< "$(first_failure "$TMP/emu.db" maptrack)"
echo "twins: maptrack: real Xen refused guest $real_mt ($real_mt_cause), emu guest $emu_mt ($emu_mt_cause)" >&2
expect_eq "maptrack: emu's first refused guest" "$emu_mt" 43
[ -n "$real_mt" ] && [ "$real_mt" -le "$emu_mt" ] && [ "$real_mt" -ge $((emu_mt - 3)) ] ||
	fail "maptrack: real Xen refused guest ${real_mt:-none}, emu $emu_mt (tolerance 3)"
failures_like() { q "$1" "select count(*) from guests g join runs r on r.id = g.run_id where r.job = 'maptrack' and g.failure like '%$2%'"; }
grep -q "^vif: netback: .*mapping" <<< "$real_mt_cause" ||
	fail "maptrack: real Xen's first refused guest is not netback's: $real_mt_cause"
[ "$(failures_like "$real" "xenstore: introduce")" -gt 0 ] || fail "maptrack: real Xen refused no introduction"
[ "$(failures_like "$TMP/emu.db" "grant: dom0 maptrack full")" -gt 0 ] || fail "maptrack: emu's maptrack never full"

# Xen's domctl lock covers one domctl hypercall at a time: four creations
# at once queue for each other's domain creation (short), not for each
# other's builds (memory_op and foreign mappings, outside the lock). On
# both, create's median stays well under the build's; were creations to
# queue behind builds, as emu once modelled, it would come near it.
median_op() {
	q "$1" "with o as (select h.dur_ns, row_number() over (order by h.dur_ns) rn, count(*) over () n from hv_ops h join runs r on r.id = h.run_id where r.job = 'lock' and h.stage = 'create' and h.op = '$2') select printf('%.2f', dur_ns / 1e6) from o where rn = (n + 1) / 2"
}
for side in "real Xen:$real" "emu:$TMP/emu.db"; do
	c=$(median_op "${side#*:}" create) b=$(median_op "${side#*:}" build)
	echo "twins: domctl lock: ${side%%:*}, 4 at a time: create ${c:-?} ms, build ${b:-?} ms (medians)" >&2
	[ -n "$c" ] && [ -n "$b" ] && awk -v c="$c" -v b="$b" 'BEGIN { exit !(c < b / 3) }' ||
		fail "domctl lock: ${side%%:*}: creations queued behind builds (create ${c:-?} ms, build ${b:-?} ms)"
done

# PTYs: with kernel.pty.max 20 and no reserve, dom0 had 19 PTYs less those
# in use before any guest; emu's console daemon gets as many (pty_max).
# xenconsoled, finding none, logs and leaves the guest running without a
# console; horde finds it by its missing console/tty 10 s on
# (xen/xen_late_faults.c), where emu's daemon reports it at once.
IFS='|' read -r real_pty real_pty_cause <<< "$(first_failure "$real" pty)"
IFS='|' read -r emu_pty emu_pty_cause <<< "$(first_failure "$TMP/emu.db" pty)"
echo "twins: pty: $pty_nr in use before; real Xen refused guest $real_pty ($real_pty_cause), emu guest $emu_pty ($emu_pty_cause)" >&2
expect_eq "pty: emu's first refused guest" "$emu_pty" $((20 - $pty_nr))
expect_eq "pty: real Xen's first refused guest" "$real_pty" "$emu_pty"
grep -q "xenconsoled gave it no PTY" <<< "$real_pty_cause" && grep -q "pty: devpts max=" <<< "$emu_pty_cause" ||
	fail "pty: causes differ: '$real_pty_cause' vs '$emu_pty_cause'"
