# lib.sh: helpers for horde's shell tests. Each test is a bash script that
# exits 0 on success; `fail` explains what did not hold.
set -u
B=${B:-build}

# Each test looks only at what its own hordes made, never at the whole
# machine, since lab hosts are shared: it runs in a mount namespace of its
# own whose /run/netns is private (the network namespaces it sees are the
# ones its hordes made, and they go with it), with TMPDIR in its own folder
# (where its hordes make their run folders), and with HORDE_TEST_ID in the
# environment every process it starts inherits.
if [ -z "${HORDE_TEST_ID:-}" ]; then
	export HORDE_TEST_ID=pending
	exec unshare --mount --propagation private -- bash -c \
		'mkdir -p /run/netns && mount -t tmpfs horde-test /run/netns &&
		 exec bash "$0" "$@"' "$0" "$@"
fi
TMP=$(mktemp -d /tmp/horde-test-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export HORDE_TEST_ID=$TMP
export TMPDIR=$TMP/tmp
mkdir "$TMPDIR"

fail() { echo "FAIL: $*" >&2; exit 1; }

# q DB SQL: one value from the database.
q() { sqlite3 -batch -noheader "$1" "$2"; }

# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# The horde processes (horde, its daemons, cosmos) this test started that
# are still running, one "pid name" a line.
own_processes() {
	local p comm
	for p in /proc/[0-9]*; do
		comm=$(cat "$p/comm" 2>/dev/null) || continue
		case $comm in
		horde | horde-xenstored | horde-consoled | cosmos) ;;
		horde-xsd-launc | xenstored | oxenstored) ;; # Xen's daemons on emu
		*) continue ;;
		esac
		tr '\0' '\n' 2>/dev/null < "$p/environ" | grep -qxF "HORDE_TEST_ID=$TMP" &&
			echo "${p#/proc/} $comm"
	done
	return 0
}

# Everything horde makes carries the prefix horde; none of what this
# test's hordes made may outlive them.
leftovers() {
	local left=""
	left+=$(ip netns list 2>/dev/null | grep -E '^horde-' || true)
	left+=$(own_processes)
	left+=$(ls -d "$TMPDIR"/horde-* 2>/dev/null || true)
	[ -z "$left" ] || fail "left behind: $left"
}

# latency_profile FILE CREATE EVTCHN BUILD GNTTAB UNPAUSE DESTROY: an emu
# latency profile of the test's own (emu_latency=FILE), each hypervisor
# operation a fixed time in ns: no growth with the domains, no spread.
latency_profile() {
	local file=$1 op
	shift
	printf 'name = %s\nsource = %s\n' "$(basename "$file" .profile)" \
		"$(basename "$0")" > "$file"
	for op in create evtchn build gnttab unpause destroy; do
		printf '%s = %s 0 0\n' "$op" "$1" >> "$file"
		shift
	done
}

# guests_stored DB N: DB holds N guest rows or more (a horde writing it
# has committed them).
guests_stored() {
	[ "$(q "$1" "select count(*) from guests" 2>/dev/null || echo 0)" -ge "$2" ]
}

# xen_utils: Debian's xen-utils-4.17, downloaded into XEN_CACHE (as the
# real-Xen lane keeps its packages) and unpacked into the test's folder,
# never installed; prints where its daemons are.
xen_utils() {
	local cache=${XEN_CACHE:-.cache/xen-debs}
	mkdir -p "$cache"
	if ! ls "$cache"/xen-utils-4.17_*.deb > /dev/null 2>&1; then
		(cd "$cache" && apt-get download xen-utils-4.17 > /dev/null 2>&1) ||
			(apt-get update -qq && cd "$cache" &&
			 apt-get download xen-utils-4.17 > /dev/null) ||
			fail "cannot download xen-utils-4.17"
	fi
	[ -d "$TMP/xen-utils" ] ||
		dpkg -x "$(ls "$cache"/xen-utils-4.17_*.deb | tail -1)" "$TMP/xen-utils"
	echo "$TMP/xen-utils/usr/lib/xen-4.17/bin"
}

# wait_for SECONDS COMMAND...: polls a condition, failing after SECONDS.
wait_for() {
	local limit=$1; shift
	local end=$((SECONDS + limit))
	until "$@"; do
		[ $SECONDS -lt $end ] || fail "timed out after ${limit}s waiting for: $*"
		sleep 0.05
	done
}
