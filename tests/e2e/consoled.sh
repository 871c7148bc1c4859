#!/usr/bin/env bash
# horde-consoled on its own against horde-xenstored, domains made in an
# emulated Xen's table (xe_tool) and introduced as a toolstack does: an
# eager console gets a real PTY (in the daemon's own devpts) and its tty in
# the store; a full devpts fails the next console with the kernel's
# ENOSPC; a lazy console gets its PTY on "attach", and with a shared
# event channel holds no descriptor; a released domain gives its
# descriptors back and its console watch (the daemon's own count).
. "$(dirname "$0")/../lib.sh"

leftovers
sock=$TMP/xs.sock
mkfifo "$TMP/ready"
"$B/horde-xenstored" --socket "$sock" --stats-file "$TMP/stats" --ready-fd 3 3> "$TMP/ready" &
xsd=$!
read -r -n 1 _ < "$TMP/ready" || fail "xenstored did not start"
export XENSTORED_PATH=$sock
XE=$B/xe_tool
"$XE" "$TMP/xen" init > /dev/null || fail "xe_tool init"

# console DOMID: a domain as a toolstack makes it: in Xen, its console
# entries, then XS_INTRODUCE (xenconsoled's cue, @introduceDomain).
console() {
	local port
	port=$("$XE" "$TMP/xen" create "$1") || fail "create $1"
	xenstore-write /local/domain/$1/name g$1 \
		/local/domain/$1/console/ring-ref 1 /local/domain/$1/console/port 2 ||
		fail "write console of $1"
	"$XE" "$TMP/xen" introduce "$1" "$port" || fail "introduce $1"
}
# gone DOMID: destroyed in Xen, its entries removed, released.
gone() {
	"$XE" "$TMP/xen" destroy "$1" && xenstore-rm /local/domain/$1 &&
		"$XE" "$TMP/xen" release "$1" || fail "release $1"
}

# start_consoled ARGS...: consoled reporting to $TMP/report, commands from
# the fifo $TMP/cmd (kept open on descriptor 7).
start_consoled() {
	rm -f "$TMP/cmd" "$TMP/ready2"
	: > "$TMP/report"
	mkfifo "$TMP/cmd" "$TMP/ready2"
	"$B/horde-consoled" "$@" --xen-state "$TMP/xen" --report-fd 5 --ready-fd 4 \
		< "$TMP/cmd" 5>> "$TMP/report" 4> "$TMP/ready2" &
	csd=$!
	exec 7> "$TMP/cmd"
	read -r -n 1 _ < "$TMP/ready2" || fail "consoled did not start"
}
stop_consoled() {
	exec 7>&-
	kill -TERM "$csd"; wait "$csd"
}
# sync N: waits until consoled has handled every entry written before.
synced() { grep -qx "sync $1" "$TMP/report"; }
sync_to() { xenstore-write /tool/horde/console-sync "$1"; wait_for 10 synced "$1"; }
fds() { ls /proc/$csd/fd | wc -l; }
# watches: how many watches the daemon holds, from its own stats.
watches() {
	rm -f "$TMP/stats"
	kill -USR1 "$xsd"
	wait_for 10 test -f "$TMP/stats"
	sed -n 's/^watches //p' "$TMP/stats"
}

# Eager, room for one PTY.
start_consoled --pty-max 1
before=$(fds)
w0=$(watches)
console 5
console 6
sync_to 1
# xenconsoled's watch_domain: one watch on each domain's console node.
expect_eq "watches with two consoles" "$(watches)" $((w0 + 2))
tty=$(xenstore-read /local/domain/5/console/tty) || fail "no tty for 5"
[ -c "/proc/$csd/root$tty" ] || fail "$tty is not a PTY in the daemon's devpts"
grep -qx "fail 6 pty: devpts max=1 reached (the console daemon's own instance)" "$TMP/report" ||
	fail "report: $(cat "$TMP/report")"
xenstore-exists /local/domain/6/console/tty && fail "tty for the failed console"
# Domain 5: an event channel and a PTY's two ends; 6: its event channel.
expect_eq "descriptors" "$(fds)" $((before + 4))
gone 5
gone 6
sync_to 2
expect_eq "descriptors after removal" "$(fds)" "$before"
expect_eq "watches after removal" "$(watches)" "$w0"
stop_consoled
ls /dev/pts | grep -qx "ptmx" || fail "the host's devpts is gone"

# Lazy: no PTY until attached.
start_consoled --lazy --pty-max 4
console 9
sync_to 3
xenstore-exists /local/domain/9/console/tty && fail "lazy console has a tty"
echo "attach 9" >&7
got_tty() { grep -q "^tty 9 " "$TMP/report"; }
wait_for 10 got_tty
tty=$(sed -n 's/^tty 9 //p' "$TMP/report")
expect_eq "tty in the store" "$(xenstore-read /local/domain/9/console/tty)" "$tty"
[ -c "/proc/$csd/root$tty" ] || fail "$tty is not a PTY"
echo "attach 12" >&7
got_error() { grep -q "^error attach 12" "$TMP/report"; }
wait_for 10 got_error
stop_consoled

# Shared: one event-channel handle for every console, none a console.
start_consoled --lazy --shared-evtchn --pty-max 4
before=$(fds)
console 13
console 14
sync_to 4
expect_eq "descriptors with two shared consoles" "$(fds)" "$before"
stop_consoled

kill -TERM "$xsd"; wait "$xsd" || fail "xenstored exit status"
leftovers
