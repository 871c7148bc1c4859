#!/usr/bin/env bash
# horde built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer (build/asan/horde, its daemons beside it) runs a whole
# job, two bridges, consoles and samples, and reports and lists it, with
# no sanitizer report and exit status 0; and a job on Xen's own cxenstored
# (guests on rings: horde's ring client and the Xen it keeps for the
# daemon, under the sanitizers). libxenstore's unwatch filter
# leaked every event it dropped (a creation's backend watch, a vif's
# frontend watch): horde drains its watches instead.
. "$(dirname "$0")/../lib.sh"

H=$B/asan/horde
[ -x "$H" ] || fail "$H is not built (make test builds it)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export HORDE_DATADIR=$PWD/analysis # the figures' scripts, as for build/horde

leftovers
cat > "$TMP/s.plan" <<'PLAN'
[global]
emu_latency=zero
boot_delay=10ms
bridges=2
sample_interval=100ms
[s]
guests=300
PLAN
db=$TMP/s.db
sanitizer_said() { grep -E 'Sanitizer|runtime error' "$1"; }

rc=0
"$H" run "$TMP/s.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" || rc=$?
sanitizer_said "$TMP/err" && fail "horde run under the sanitizers: $(head -40 "$TMP/err")"
expect_eq "exit status of the sanitized run ($(tail -3 "$TMP/err"))" "$rc" 0
expect_eq "guests alive" "$(q "$db" "select count(*) from guests where alive_ns > 0")" 300

"$H" report "$db" --out "$TMP/page" --quiet > "$TMP/out" 2> "$TMP/err" ||
	fail "report: $(cat "$TMP/err")"
sanitizer_said "$TMP/err" && fail "horde report under the sanitizers: $(head -40 "$TMP/err")"
"$H" runs "$db" --json > "$TMP/runs.json" 2> "$TMP/err" || fail "runs: $(cat "$TMP/err")"
sanitizer_said "$TMP/err" && fail "horde runs under the sanitizers: $(head -40 "$TMP/err")"
expect_eq "runs listed" "$(jq '.runs | length' "$TMP/runs.json")" 1

# Xen's own cxenstored (not sanitized itself), guests on rings.
XBIN=$(xen_utils)
[ -x "$XBIN/xenstored" ] || fail "no xen-utils-4.17 daemons"
sed -e 's/^guests=300$/guests=200/' -e "/^\[global\]$/a xenstored=cxenstored\nxenstored_bin=$XBIN/xenstored" \
	"$TMP/s.plan" > "$TMP/cx.plan"
rc=0
"$H" run "$TMP/cx.plan" --db "$TMP/cx.db" --quiet > "$TMP/out" 2> "$TMP/err" || rc=$?
sanitizer_said "$TMP/err" && fail "horde run on cxenstored under the sanitizers: $(head -40 "$TMP/err")"
expect_eq "exit status of the sanitized run on cxenstored ($(tail -3 "$TMP/err"))" "$rc" 0
expect_eq "guests alive on rings" "$(q "$TMP/cx.db" "select count(*) from guests where alive_ns > 0")" 200
q "$TMP/cx.db" "select platform_version from runs" | grep -q "XenStore cxenstored" ||
	fail "the run was not on cxenstored: $(q "$TMP/cx.db" "select platform_version from runs")"
leftovers
