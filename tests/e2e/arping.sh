#!/usr/bin/env bash
# horde arping, like arp-scan, in a namespace of the test's own: a bridge
# with five "guests" (veth ends holding 198.18.0.2-6): the five answer with
# their own MACs, the other five of the range are missed, and an address
# outside horde's range is refused before anything is sent.
. "$(dirname "$0")/../lib.sh"

leftovers
ns=horde-test-arping-$$
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$TMP"' EXIT
ip netns add "$ns" || fail "ip netns add"
in_ns() { ip netns exec "$ns" "$@"; }
# Each "guest" answers only for its own address, as separate machines
# would (the kernel's default answers for all of them on every port).
in_ns sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.default.arp_ignore=1
in_ns ip link add tbr type bridge || fail "bridge"
in_ns ip link set tbr address 02:68:6f:72:64:65 up
for i in 2 3 4 5 6; do
	in_ns ip link add tp$i type veth peer name tg$i
	in_ns ip link set tp$i master tbr up
	in_ns ip link set tg$i address 00:16:3e:00:00:0$i up
	in_ns ip addr add 198.18.0.$i/32 dev tg$i
done

in_ns "$B/horde" arping tbr 198.18.0.2-198.18.0.11 --timeout 300ms > "$TMP/out" 2> "$TMP/err"
expect_eq "exit status (some missed)" $? 1
for i in 2 3 4 5 6; do
	grep -qP "^198\.18\.0\.$i\t00:16:3e:00:00:0$i\t[0-9.]+ ms\t" "$TMP/out" ||
		fail "no answer line for .$i: $(cat "$TMP/out")"
done
expect_eq "answer lines" "$(grep -c '^198\.' "$TMP/out")" 5
grep -q "10 addresses probed in .* 5 responded, 5 missed" "$TMP/out" ||
	fail "summary: $(tail -1 "$TMP/out")"

in_ns "$B/horde" arping tbr 198.18.0.4/30 > "$TMP/out" 2> "$TMP/err"
expect_eq "all answered (.5 and .6)" $? 0
grep -q "2 addresses probed.* 2 responded, 0 missed" "$TMP/out" ||
	fail "summary /30: $(tail -1 "$TMP/out")"

in_ns "$B/horde" arping tbr 10.0.0.1 > "$TMP/out" 2> "$TMP/err"
expect_eq "outside 198.18.0.0/15" $? 1
grep -q "range outside 198.18.0.0/15" "$TMP/err" || fail "message: $(cat "$TMP/err")"
[ ! -s "$TMP/out" ] || fail "probed anyway: $(cat "$TMP/out")"
"$B/horde" arping tbr 198.18.0.300 > /dev/null 2> "$TMP/err"
grep -q "not an IPv4 address" "$TMP/err" || fail "bad range: $(cat "$TMP/err")"

ip netns del "$ns"
leftovers
