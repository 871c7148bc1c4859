#!/usr/bin/env bash
# Each plan in plans/limits hits its limit at the guest its accounting
# says, with the cause stored; each fix plan lets every guest come up.
# Where the limit is a plan key the plan is scaled down (sed on the
# plan's own text); the event channel and bridge limits are the kernel's
# and the ABI's, and run at full size. A limit does not depend on how
# long the hypervisor takes, so the runs model none (emu_latency=zero).
. "$(dirname "$0")/../lib.sh"

leftovers
# run NAME WANT-EXIT PLAN [SED-EXPR...]: runs PLAN (edited by the
# expressions) into $TMP/NAME.db; horde exits 1 when a guest failed.
run() {
	local name=$1 want=$2 plan=$3; shift 3
	local args=()
	for e in "$@"; do args+=(-e "$e"); done
	if [ ${#args[@]} -gt 0 ]; then
		sed "${args[@]}" "$plan" > "$TMP/$name.plan"
	else
		cp "$plan" "$TMP/$name.plan"
	fi
	"$B/horde" run "$TMP/$name.plan" --db "$TMP/$name.db" --quiet \
		--set emu_latency=zero \
		> "$TMP/$name.out" 2> "$TMP/$name.err"
	local rc=$?
	expect_eq "$name: exit status ($(cat "$TMP/$name.err"))" $rc "$want"
	expect_eq "$name: status" "$(q "$TMP/$name.db" "select status from runs")" done
	leftovers
}
# first_failure NAME: "seq|failure" of the first failed guest.
first_failure() {
	q "$TMP/$1.db" "select seq || '|' || failure from guests where failure is not null order by seq limit 1"
}
# expect_first NAME SEQ CAUSE: guest SEQ is the first to fail, its stored
# failure contains CAUSE, and every guest before it came up.
expect_first() {
	local name=$1 seq=$2 cause=$3 got
	got=$(q "$TMP/$name.db" "select seq from guests where failure is not null order by seq limit 1")
	expect_eq "$name: first failed guest" "$got" "$seq"
	got=$(q "$TMP/$name.db" "select failure from guests where seq = $seq")
	case $got in *"$cause"*) ;; *) fail "$name: cause '$got', want '$cause'" ;; esac
	expect_eq "$name: guests before it alive" \
		"$(q "$TMP/$name.db" "select count(*) from guests where seq < $seq and alive_ns > 0 and failure is null")" \
		$((seq - 1))
}
# expect_all_up NAME N: N guests, all created and alive, no failure.
expect_all_up() {
	expect_eq "$1: guests up" \
		"$(q "$TMP/$1.db" "select count(*) from guests where alive_ns > 0 and failure is null")" "$2"
}

L=plans/limits

# Event channels, 2-level ABI: 4,095 usable dom0 ports, 3 per guest.
run evtchn 1 $L/evtchn-2level.plan
expect_first evtchn 1358 "evtchn: dom0 out of event channels (4096)"
run evtchn-fifo 0 $L/evtchn-fifo.plan
expect_all_up evtchn-fifo 1400

# Bridge ports: the kernel's own EXFULL for the 1,024th port.
run bridge 1 $L/bridge-one.plan
expect_first bridge 1024 "bridge horde-br0: EXFULL at port 1024"
run bridge-two 0 $L/bridge-several.plan
expect_all_up bridge-two 1030

# PTYs, scaled down: a devpts instance of 40.
run pty 1 $L/console-pty.plan 's/^pty_max=.*/pty_max=40/' 's/^guests=.*/guests=50/'
expect_first pty 41 "pty: devpts max=40 reached (the console daemon's own instance)"
run pty-lazy 0 $L/console-lazy.plan 's/^pty_max=.*/pty_max=40/' 's/^guests=.*/guests=50/'
expect_all_up pty-lazy 50
[ -n "$(q "$TMP/pty.db" "select 1 from runs where modelled like '%console daemon%'")" ] ||
	fail "pty: the run does not say what was measured"

# Descriptors, scaled down: 64 for the console daemon, 3 per console.
run fd 1 $L/console-fd.plan 's/^console_fd_limit=.*/console_fd_limit=64/' 's/^guests=.*/guests=40/'
ff=$(first_failure fd)
own=$(echo "$ff" | sed -n 's/.*limit 64: \([0-9]*\) own + 3 per console.*/\1/p')
[ -n "$own" ] || fail "fd: cause '$ff'"
expect_first fd $(((64 - own) / 3 + 1)) "fd: EMFILE"
run fd-raised 0 $L/console-fd-raised.plan 's/^guests=.*/guests=40/'
expect_all_up fd-raised 40

# Grant tables are per domain in Xen 4.17: 1 frame a guest limits nothing.
run grant 0 $L/grant-frames.plan
expect_all_up grant 300

# dom0's maptrack, scaled down: 1 frame of 256 maps, 6 per guest: guest
# 43's vif finds no room for its rings, as on real Xen (twins.sh).
run maptrack 1 $L/maptrack.plan
expect_first maptrack 43 "grant: dom0 maptrack full (1 frames, 256 maps)"
run maptrack-default 0 $L/maptrack-default.plan
expect_all_up maptrack-default 100

# Memory, scaled down: 256 MiB of 8 MiB guests. With on_failure=stop the
# run creates nothing after the first failure.
run memory 1 $L/memory.plan 's/^host_memory=.*/host_memory=256/' 's/^guests=.*/guests=40/'
expect_first memory 33 "memory: host out of memory (256 of 256 MiB used)"
expect_eq "memory: continue tries every guest" "$(q "$TMP/memory.db" "select count(*) from guests")" 40
run memory-stop 1 $L/memory.plan 's/^host_memory=.*/host_memory=256/' 's/^guests=.*/guests=40/' \
	's/^\[memory\]/on_failure=stop\n[memory]/'
expect_first memory-stop 33 "memory: host out of memory"
expect_eq "memory: stop ends at the failure" "$(q "$TMP/memory-stop.db" "select count(*) from guests")" 33
