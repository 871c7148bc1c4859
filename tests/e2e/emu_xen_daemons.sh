#!/usr/bin/env bash
# horde runs 1,000 guests on emu with each of Xen's own XenStore daemons
# (xenstored=cxenstored and oxenstored, Debian's, unmodified): guests on
# rings, every guest alive, the run stores which daemon served it (and
# which build: its ELF build ID) and the daemon's own CPU, and nothing is
# left: no process, namespace or run folder. With cxenstored the XenStore
# phase grows with the guests, as on real Xen, where horde-xenstored's
# stays flat.
. "$(dirname "$0")/../lib.sh"

XBIN=$(xen_utils)
[ -x "$XBIN/xenstored" ] || fail "no xen-utils-4.17 daemons"
leftovers
for name in cxenstored oxenstored; do
	bin=$XBIN/xenstored
	[ "$name" = oxenstored ] && bin=$XBIN/oxenstored
	cat > "$TMP/$name.plan" <<-PLAN
	[global]
	emu_latency=zero
	boot_delay=10ms
	# As make xen-bench allows real Xen: cxenstored holds back a domain
	# that writes faster than its write rate limit lets it (wrl, in
	# xenstored_domain.c), and a host creating guests fast drains it.
	alive_timeout=120s
	console=lazy
	bucket=100
	xenstored=$name
	xenstored_bin=$bin
	[$name]
	guests=1000
	PLAN
	db=$TMP/$name.db
	"$B/horde" run "$TMP/$name.plan" --db "$db" --quiet > "$TMP/out" 2> "$TMP/err" ||
		fail "$name: $(cat "$TMP/err" "$TMP/out")"
	expect_eq "$name: guests alive" \
		"$(q "$db" "select count(*) from guests where alive_ns > 0 and failure is null")" 1000
	# Which daemon, and which build of it, as readelf reads its build ID.
	id=$(readelf -n "$bin" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
	[ -n "$id" ] || fail "$name: readelf finds no build ID in $bin"
	expect_eq "$name: the run's store" "$(q "$db" "select platform_version from runs" |
		sed -n 's/.*, XenStore //p')" "$name (build-id $id)"
	[ "$(q "$db" "select count(*) from samples where source = '$name' and metric = 'cpu_ns' and value > 0")" -gt 0 ] ||
		fail "$name: no CPU samples of the daemon"
	leftovers
done

# The XenStore phase's median, guests 901-1,000 against 1-100.
median() { # DB FIRST LAST [PHASE]
	q "$1" "select dur_ns from phases where phase = '${4:-xenstore}' and seq between $2 and $3 order by dur_ns limit 1 offset 50"
}
first=$(median "$TMP/cxenstored.db" 1 100) last=$(median "$TMP/cxenstored.db" 901 1000)
echo "cxenstored: XenStore phase median $first ns (1-100), $last ns (901-1,000)"
echo "cxenstored: dom0 phase median $(median "$TMP/cxenstored.db" 1 100 dom0) ns (1-100)," \
	"$(median "$TMP/cxenstored.db" 901 1000 dom0) ns (901-1,000); the daemon's CPU" \
	"$(q "$TMP/cxenstored.db" "select cast(max(value) / 1e9 as int) from samples where source = 'cxenstored' and metric = 'cpu_ns'") s"
[ "$last" -gt $((2 * first)) ] ||
	fail "cxenstored's XenStore phase did not grow: $first ns, then $last ns"
