#!/usr/bin/env bash
# bench.sh: the large real-Xen run (make xen-bench). Boots Debian's Xen 4.17
# in a QEMU machine sized for it (10 GiB, dom0 3 GiB) and runs in dom0
# tests/xen/bench.plan: 10 horde-guests and 10 Debian Linux guests (time to
# alive of each), a libxcl ramp of 1,100 horde-guests on one bridge (the
# bridge refuses port 1,024) and the same ramp with xl to 300, with sweeps
# and the host sampler. The database comes back to results/xen-bench.db and
# `horde report` draws its figures in results/xen-bench/. Progress shows on
# the terminal; under software emulation it takes tens of minutes.
# usage: bench.sh   (B=build dir, XEN_CACHE=where the .debs are kept,
#                    XEN_BENCH_JOB=one job of the plan, for a shorter run)
set -eu
B=${B:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/qemu.sh"
CACHE=${XEN_CACHE:-.cache/xen-debs}
IMG=$B/xen-images
OUT=results/xen-bench
DB=results/xen-bench.db

"$HERE/mkimages.sh" "$CACHE" "$IMG" "$B"
JOB=$(mktemp -d /tmp/horde-xen-bench-XXXXXX)
trap 'rm -rf "$JOB"' EXIT
cp "$HERE/bench.plan" "$JOB/bench.plan"
printf '%s\n' "${XEN_BENCH_JOB:+--job $XEN_BENCH_JOB}" > "$JOB/args"
cat > "$JOB/run.sh" <<'DOM0'
#!/bin/sh
# Runs in dom0; horde's progress goes to the console, which QEMU prints.
H=/horde/build
say() { echo "xen-bench: $*" > /dev/console; }
say "dom0 up: $(nproc) CPUs, $(free -m | awk '/^Mem/ { print $2 }') MiB," \
	"xenconsoled's open file limit $(awk '/open files/ { print $4 }' /proc/$(cat /run/xenconsoled.pid)/limits)"
mkdir -p /mnt/snap
# Every 30 s: a copy of the database (SQLite's WAL needs a local disk, so
# the run writes to /tmp) and of dom0's state, so that a run that stalls
# or dies still leaves its figures; after 3 minutes without a progress
# line, where horde's threads and the daemons wait, and dmesg; after 6,
# the machine powers off.
(
	last=""; quiet=0
	while sleep 30; do
		cp /tmp/bench.db /mnt/snap/bench.db 2> /dev/null
		cp /tmp/bench.db-wal /mnt/snap/bench.db-wal 2> /dev/null
		{ date; cat /proc/loadavg; free -m; xl list | wc -l; } > /mnt/snap/state.txt 2>&1
		now=$(wc -l < /mnt/horde.out)
		if [ "$now" = "$last" ]; then quiet=$((quiet + 30)); else quiet=0; fi
		last=$now
		if [ "$quiet" -ge 180 ] && [ ! -f /mnt/snap/stall.txt ]; then
			{
				for p in $(pidof horde xenstored xenconsoled); do
					for t in /proc/$p/task/*; do
						echo "== $t $(cat $t/comm): $(cat $t/wchan)"
						cat $t/stack
					done
				done
				dmesg | tail -100
			} > /mnt/snap/stall.txt 2>&1
			say "no progress for 3 minutes: see stall.txt"
		fi
		# Stalled for good: keep what there is and end the machine.
		if [ "$quiet" -ge 360 ]; then
			say "no progress for 6 minutes: powering off"
			sync
			poweroff -f
		fi
	done
) &
{ $H/horde run /mnt/bench.plan --db /tmp/bench.db $(cat /mnt/args); echo $? > /mnt/horde.rc; } 2>&1 |
	tee /mnt/horde.out > /dev/console
cp /tmp/bench.db /mnt/bench.db
xl info > /mnt/xl-info.txt
uname -r > /mnt/dom0-kernel.txt
say "done, horde exit status $(cat /mnt/horde.rc)"
DOM0
chmod +x "$JOB/run.sh"

start=$SECONDS
echo "xen-bench: booting Xen 4.17 in QEMU (software emulation); progress every 10 s"
# The console shows Xen's and dom0's boot too; the terminal gets the job's lines.
xen_boot "$IMG" "$JOB" 10240 3072 7200 "$JOB/console.log" &
qemu=$!
tail -n +1 -F "$JOB/console.log" 2> /dev/null |
	grep --line-buffered -E 'xen-bench:|created .*/s|^(job|run|  )' &
tailer=$!
rc=0
wait "$qemu" || rc=$?
kill "$tailer" 2> /dev/null || true
echo "xen-bench: QEMU ran $((SECONDS - start)) s"
mkdir -p "$OUT"
cp "$JOB/horde.out" "$JOB/console.log" "$OUT/" 2> /dev/null || true
cp "$JOB"/snap/*.txt "$OUT/" 2> /dev/null || true
if [ ! -f "$JOB/bench.db" ] && [ -f "$JOB/snap/bench.db" ]; then
	# The run did not end: its last snapshot, the log folded back in.
	cp "$JOB/snap/bench.db" "$JOB/bench.db"
	[ -f "$JOB/snap/bench.db-wal" ] && cp "$JOB/snap/bench.db-wal" "$JOB/bench.db-wal"
	echo "xen-bench: the run did not end (QEMU status $rc); its last snapshot is kept" >&2
	rc=1
fi
[ -f "$JOB/bench.db" ] || { tail -30 "$JOB/console.log"; echo "xen-bench: no database came back" >&2; exit 1; }
cp "$JOB/bench.db" "$DB"
[ -f "$JOB/bench.db-wal" ] && cp "$JOB/bench.db-wal" "$DB-wal"
cp "$JOB/xl-info.txt" "$OUT/" 2> /dev/null || true
B=$B bash "$HERE/bench_report.sh" "$DB" "$OUT"
echo "xen-bench: database $DB, figures and page in $OUT/"
exit "$rc"
