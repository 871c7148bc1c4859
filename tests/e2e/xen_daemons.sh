#!/usr/bin/env bash
# Xen 4.17's own XenStore daemons, Debian's cxenstored and oxenstored
# unmodified (xen-utils-4.17, downloaded and unpacked, never installed),
# run on the emulated host's Xen libraries (build/xenlibs) with no
# hypervisor, and horde-xenstored on the same emulated Xen: the real
# xenstore-utils talk to each over its socket, a
# guest introduced with a ring reads its own node through it and is
# refused dom0's, and a guest destroyed without closing its ring is
# released: @releaseDomain fires, the nodes it owned are gone, and so is
# the watch it set through its ring.
. "$(dirname "$0")/../lib.sh"

XBIN=$(xen_utils)
[ -x "$XBIN/xenstored" ] || fail "no xen-utils-4.17 daemons"
LIBS=$PWD/$B/xenlibs
XE=$B/xe_tool

# start DAEMON DIR: the daemon on DIR's state, its socket in DIR/run.
start() {
	local d=$2
	case $1 in
	horde-xenstored)
		"$B/horde-xenstored" --socket "$d/run/socket" --xen-state "$d/state" \
			--stats-file "$d/stats" > "$d/out" 2>&1 &
		;;
	cxenstored)
		# Its socket is libxenstore's: XENSTORED_PATH if set.
		XENSTORED_PATH=$d/run/socket XENSTORED_RUNDIR=$d/run \
			HORDE_XEN_STATE=$d/state LD_LIBRARY_PATH=$LIBS \
			"$XBIN/xenstored" -N -T "$d/trace" > "$d/out" 2>&1 &
		;;
	oxenstored)
		cat > "$d/oxenstored.conf" <<-CONF
		pid-file = $d/pid
		xenstored-log-file = $d/xenstored.log
		access-log-file = $d/access.log
		xenstored-kva = $d/state/rings
		xenstored-port = $d/state/xsd_port
		CONF
		# Its socket is /var/run/xenstored/socket, always: in a mount
		# namespace of its own, that is DIR/run.
		HORDE_XEN_STATE=$d/state LD_LIBRARY_PATH=$LIBS \
			unshare --mount --propagation private sh -c \
			"mount -t tmpfs horde-xsd /run && mkdir /run/xenstored &&
			 mount --bind '$d/run' /run/xenstored &&
			 exec '$XBIN/oxenstored' --no-fork --config-file '$d/oxenstored.conf'" \
			> "$d/out" 2>&1 &
		;;
	esac
	daemon=$!
	wait_for 10 test -S "$d/run/socket"
}

daemon=
trap '[ -n "$daemon" ] && kill "$daemon" 2> /dev/null; rm -rf "$TMP"' EXIT
# store_count DIR KEY: horde-xenstored's own count (watches,
# transactions), from its statistics.
store_count() {
	rm -f "$1/stats"
	kill -USR1 "$daemon"
	wait_for 10 test -f "$1/stats"
	sed -n "s/^$2 //p" "$1/stats"
}

for name in horde-xenstored cxenstored oxenstored; do
	d=$TMP/$name
	mkdir -p "$d/run"
	"$XE" "$d/state" init > /dev/null || fail "$name: init"
	start "$name" "$d"
	export XENSTORED_PATH=$d/run/socket
	xenstore-write /local/domain/1/name guest1 /dom0-only secret ||
		fail "$name: xenstore-write: $(cat "$d/out")"
	expect_eq "$name: read over the socket" "$(xenstore-read /local/domain/1/name)" guest1

	port=$("$XE" "$d/state" create 1) || fail "$name: create"
	xenstore-chmod /local/domain/1/name n1 || fail "$name: chmod"
	"$XE" "$d/state" introduce 1 "$port" || fail "$name: introduce: $(cat "$d/out")"
	expect_eq "$name: the guest's read through its ring" \
		"$(timeout 10 "$XE" "$d/state" read 1 /local/domain/1/name)" guest1
	expect_eq "$name: the guest's read of dom0's node" \
		"$(timeout 10 "$XE" "$d/state" read 1 /dom0-only)" "error: EACCES"

	# A watch of the guest's own, set through its ring and left there.
	expect_eq "$name: the guest's watch, set" \
		"$(timeout 10 "$XE" "$d/state" watch 1 /local/domain/1 tok1 | tr '\n' ' ')" \
		"event: /local/domain/1 tok1 OK "

	# And a transaction, left open.
	timeout 10 "$XE" "$d/state" txn 1 | grep -qx '[0-9]*' ||
		fail "$name: the guest's transaction"
	if [ "$name" = horde-xenstored ]; then
		w=$(store_count "$d" watches) t=$(store_count "$d" transactions)
		[ "$w" -ge 1 ] && [ "$t" -ge 1 ] || fail "$name: watches $w, transactions $t"
	fi

	timeout 10 xenstore-watch -n 2 @releaseDomain > "$d/watch" &
	watcher=$!
	wait_for 10 test -s "$d/watch" # the watch's first event: it is set
	"$XE" "$d/state" destroy 1 || fail "$name: destroy"
	wait "$watcher" || fail "$name: no @releaseDomain after the guest died"
	expect_eq "$name: @releaseDomain, set then fired" "$(grep -c '^@releaseDomain$' "$d/watch")" 2
	if [ "$name" = horde-xenstored ]; then
		expect_eq "$name: the dead guest's watch gone" "$(store_count "$d" watches)" $((w - 1))
		expect_eq "$name: its transaction gone" "$(store_count "$d" transactions)" $((t - 1))
	fi
	xenstore-read /local/domain/1/name > /dev/null 2>&1 &&
		fail "$name: the dead guest's node is still there"
	expect_eq "$name: dom0's node" "$(xenstore-read /dom0-only)" secret
	# The same domain id again, on the same ring page: had the dead
	# guest's connection kept its watch, a change under /local/domain/1
	# would put its event in that page, ahead of the new guest's reply.
	port=$("$XE" "$d/state" create 1) || fail "$name: create again"
	"$XE" "$d/state" introduce 1 "$port" || fail "$name: introduce again"
	xenstore-write /local/domain/1/probe v && xenstore-chmod /local/domain/1/probe n1 ||
		fail "$name: write the probe node"
	expect_eq "$name: the new guest's read, no event of the dead one's" \
		"$(timeout 10 "$XE" "$d/state" read 1 /local/domain/1/probe)" v

	kill -TERM "$daemon"
	wait "$daemon" 2> /dev/null
	kill -0 "$daemon" 2> /dev/null && fail "$name: still running"
	daemon=
done
leftovers
