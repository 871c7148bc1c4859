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
IMG=$B/xen
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
# SQLite's WAL needs a local disk, not the 9p share: copy it when done.
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
[ "$rc" = 0 ] || { tail -30 "$JOB/console.log"; echo "xen-bench: QEMU failed ($rc)" >&2; exit 1; }
[ -f "$JOB/bench.db" ] || { tail -30 "$JOB/console.log"; echo "xen-bench: no database came back" >&2; exit 1; }
mkdir -p "$OUT"
cp "$JOB/bench.db" "$DB"
cp "$JOB/horde.out" "$JOB/xl-info.txt" "$JOB/console.log" "$OUT/"
runs=$(sqlite3 -batch "$DB" "select group_concat(id, ' ') from runs")
"$B/horde" report --out "$OUT" "$DB" $runs
echo "xen-bench: database $DB, figures and page in $OUT/"
