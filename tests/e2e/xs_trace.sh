#!/usr/bin/env bash
# The same work, counted by the same daemon: cxenstored's own trace of an
# emu run (guests on rings, dom0's kernel on its ring, horde-consoled)
# against its trace on a real Xen 4.17 (tests/xen/xs-trace-real.txt, made
# by tests/xen/trace.sh on the real-Xen machine: 1,000 horde-guests with
# libxcl). For each window of 100 guests and each origin (toolstack,
# dom0's kernel, the console daemon, the guest) the requests it sent and
# the watch events it was sent, a guest, are within 10% of real's.
# usage: xs_trace.sh [GUESTS]   (100; make bench runs 1,000)
. "$(dirname "$0")/../lib.sh"

GUESTS=${1:-100}
REAL=$(dirname "$0")/../xen/xs-trace-real.txt
XBIN=$(xen_utils)
[ -x "$XBIN/xenstored" ] || fail "no xen-utils-4.17 daemons"
leftovers
cat > "$TMP/trace.plan" <<PLAN
[global]
emu_latency=zero
boot_delay=10ms
alive_timeout=120s
xenstored=cxenstored
xenstored_bin=$XBIN/xenstored
xenstored_trace=$TMP/xs.trace
[trace]
guests=$GUESTS
PLAN
"$B/horde" run "$TMP/trace.plan" --db "$TMP/trace.db" --quiet > "$TMP/out" 2>&1 ||
	fail "horde: $(cat "$TMP/out")"
expect_eq "guests alive" \
	"$(q "$TMP/trace.db" "select count(*) from guests where alive_ns > 0 and failure is null")" "$GUESTS"
leftovers
awk -v W=100 -f "$(dirname "$0")/../../analysis/xs_trace.awk" "$TMP/xs.trace" "$TMP/xs.trace" |
	sort > "$TMP/emu"
[ -s "$TMP/emu" ] || fail "nothing counted in emu's trace"

# Each line: guests WINDOW ORIGIN REQUESTS EVENTS. Every origin of every
# emu window has its real counterpart, within 10% (or both nothing).
awk 'NR == FNR { if ($1 == "guests") real[$2 " " $3] = $4 " " $5; next }
     $1 == "guests" {
	key = $2 " " $3
	if (!(key in real)) { printf "no real figures for %s\n", key; bad = 1; next }
	split(real[key], r, " ")
	printf "%-9s %-9s requests %6.2f (real %6.2f)  events %6.2f (real %6.2f)\n",
	       $2, $3, $4, r[1], $5, r[2]
	for (i = 1; i <= 2; i++) {
		e = $(3 + i) + 0; g = r[i] + 0
		if ((g == 0 && e != 0) || (g != 0 && (e - g) / g > 0.10) ||
		    (g != 0 && (g - e) / g > 0.10)) {
			printf "  off by more than 10%%\n"; bad = 1
		}
	}
	n++
     }
     END { if (n < 4) { print "no window of 4 origins"; bad = 1 } exit bad }' \
	"$REAL" "$TMP/emu" || fail "emu's requests differ from real Xen's (above)"
