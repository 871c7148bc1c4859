#!/usr/bin/env bash
# A daemon of the emulated host that dies takes the run down with a
# stored cause naming it: on the run (its summary says it), and on the
# guests whose creation it broke.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/d.plan" <<'PLAN'
[global]
emu_latency=zero
boot_delay=10ms
console=eager
[d]
guests=3000
PLAN
# kill_daemon NAME DB: runs the plan into DB and kills daemon NAME once
# 300 guests are stored; the horde's exit status goes to $TMP/rc.
kill_daemon() {
	local name=$1 db=$2 pid daemon
	"$B/horde" run "$TMP/d.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" &
	pid=$!
	wait_for 120 guests_stored "$db" 300
	daemon=$(own_processes | awk -v n="$name" '$2 == n { print $1 }')
	[ -n "$daemon" ] || fail "no $name running"
	kill -KILL "$daemon"
	wait "$pid"
	echo $? > "$TMP/rc"
}

kill_daemon horde-consoled "$TMP/c.db"
expect_eq "horde's status, its console daemon killed" "$(cat "$TMP/rc")" 1
expect_eq "the run" "$(q "$TMP/c.db" "select status from runs")" failed
q "$TMP/c.db" "select cause from runs" |
	grep -q "^emu: horde-consoled (pid [0-9]*) has gone: killed by signal 9" ||
	fail "the run's cause: $(q "$TMP/c.db" "select cause from runs")"
"$B/horde" report "$TMP/c.db" --out "$TMP/rep" > "$TMP/report" 2>&1 || fail "report: $(cat "$TMP/report")"
grep -q "FAILED: emu: horde-consoled (pid [0-9]*) has gone" "$TMP/report" ||
	fail "the summary does not say why: $(cat "$TMP/report")"
"$B/horde" report "$TMP/c.db" --json --out "$TMP/rep" | jq -e '.runs[0].cause | test("horde-consoled")' > /dev/null ||
	fail "the JSON summary has no cause"
leftovers

kill_daemon horde-xenstored "$TMP/x.db"
expect_eq "horde's status, its XenStore daemon killed" "$(cat "$TMP/rc")" 1
expect_eq "the run" "$(q "$TMP/x.db" "select status from runs")" failed
q "$TMP/x.db" "select cause from runs" |
	grep -q "^emu: horde-xenstored (pid [0-9]*) has gone: killed by signal 9" ||
	fail "the run's cause: $(q "$TMP/x.db" "select cause from runs")"
# A creation the dead store broke names it.
expect_eq "creations failed without naming the dead daemon" \
	"$(q "$TMP/x.db" "select count(*) from guests where domid is null and failure not like '%horde-xenstored (pid %) has gone%'")" 0
leftovers
