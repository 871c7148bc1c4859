#!/usr/bin/env bash
# trace.sh: what one created guest costs Xen's XenStore daemon on a real
# Xen 4.17, request by request. Boots the lane's QEMU machine, turns on
# cxenstored's own trace (xenstore-control logfile: every message in and
# out, by connection), runs GUESTS horde-guests with libxcl (created one
# after the other, all held, then destroyed), and copies the trace to OUT.
# analysis/xs_trace.awk counts it by origin; tests/e2e/xs_trace.sh runs
# the same plan on emu and compares.
# usage: trace.sh GUESTS OUT   (B=build dir, XEN_CACHE=where the .debs are)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/qemu.sh"
GUESTS=${1:?usage: trace.sh GUESTS OUT} OUT=${2:?usage: trace.sh GUESTS OUT}
xen_test_setup
echo "$GUESTS" > "$JOB/guests"
cat > "$JOB/run.sh" <<'DOM0'
#!/bin/sh
# Runs in dom0. The trace is written to dom0's own disk, then copied.
H=/horde/build
# xenconsoled as Debian runs it: without guest logs (the lane keeps them
# for its console checks; each costs two more requests a guest).
# Its parent is init (this machine's init is a script that reaps no one):
# it is gone once it is a zombie.
p=$(cat /run/xenconsoled.pid)
kill "$p"
while [ -e "/proc/$p" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status"; do sleep 0.1; done
xenconsoled --pid-file=/run/xenconsoled.pid
cat > /tmp/trace.plan <<PLAN
[global]
kernel=/horde/horde-guest
memory=4
alive_timeout=300s
probe_interval=50ms
probe_rate=200
guests=$(cat /mnt/guests)
[xen]
platform=xen
PLAN
xenstore-control logfile /tmp/xs.trace > /mnt/control.out 2>&1
$H/horde run /tmp/trace.plan --db /tmp/trace.db --quiet > /mnt/horde.out 2>&1
echo $? > /mnt/horde.rc
# dom0's kernel works its watch events off after horde has ended: the
# trace ends when netback has removed every vif (at most 10 minutes).
for i in $(seq 1200); do
	ls /sys/bus/xen-backend/devices 2> /dev/null | grep -q . || break
	sleep 0.5
done
ls /sys/bus/xen-backend/devices > /mnt/backends-left.txt 2>&1
xenstore-control log off >> /mnt/control.out 2>&1
cp /tmp/xs.trace /tmp/trace.db /mnt/
DOM0
chmod +x "$JOB/run.sh"
limit=$((600 + GUESTS * 6))
# dom0's /tmp holds the trace (about 1 MB a guest); sized as xen-bench's
# machine for a thousand guests.
mem=6144 dom0=2048
[ "$GUESTS" -gt 200 ] && mem=10240 dom0=3072
xen_boot "$IMG" "$JOB" "$mem" "$dom0" "$limit" "$JOB/console.log" ||
	fail "QEMU: status $? (console: $JOB/console.log)"
[ "$(cat "$JOB/horde.rc" 2> /dev/null)" = 0 ] ||
	fail "horde in dom0: $(cat "$JOB/horde.out" "$JOB/control.out" 2> /dev/null)"
mkdir -p "$OUT"
cp "$JOB/xs.trace" "$JOB/trace.db" "$JOB/backends-left.txt" "$OUT/"
echo "trace.sh: $(wc -l < "$OUT/xs.trace") trace lines of $GUESTS guests in $OUT"
