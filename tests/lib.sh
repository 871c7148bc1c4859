# lib.sh: helpers for horde's shell tests. Each test is a bash script that
# exits 0 on success; `fail` explains what did not hold.
set -u
B=${B:-build}
TMP=$(mktemp -d /tmp/horde-test-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# q DB SQL: one value from the database.
q() { sqlite3 -batch -noheader "$1" "$2"; }

# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# Everything horde makes carries the prefix horde; none may outlive a run.
# The test's own folder is /tmp/horde-test-*, which is not horde's.
leftovers() {
	local left=""
	left+=$(ip netns list 2>/dev/null | grep -E '^horde-' || true)
	left+=$(pgrep -a -f 'horde-(xenstored|consoled)' || true)
	left+=$(ls -d /tmp/horde-* 2>/dev/null | grep -v '^/tmp/horde-test-' || true)
	[ -z "$left" ] || fail "left behind: $left"
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
