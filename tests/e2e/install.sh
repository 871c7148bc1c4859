#!/usr/bin/env bash
# make install with PREFIX and DESTDIR: the programs, horde-guest, the
# gnuplot scripts (found by the installed horde without HORDE_DATADIR), and
# manual pages that groff renders without a warning, horde's naming every
# command --help names; emu's Xen libraries, found by the installed horde.
. "$(dirname "$0")/../lib.sh"

root=$TMP/root
make -s install B="$B" DESTDIR="$root" PREFIX=/usr > "$TMP/out" 2>&1 || fail "make install: $(cat "$TMP/out")"
for f in bin/horde bin/cosmos bin/horde-xenstored bin/horde-consoled bin/horde-xsd-launch \
	 lib/horde/horde-guest lib/horde/xenlibs/libxenevtchn.so.1 lib/horde/xenlibs/libxenctrl.so.4.17 \
	 share/horde/analysis/creation.gp share/man/man1/horde.1 share/man/man1/cosmos.1; do
	[ -s "$root/usr/$f" ] || fail "not installed: /usr/$f"
done
for page in horde cosmos; do
	groff -man -ww -z "$root/usr/share/man/man1/$page.1" 2> "$TMP/warn" || fail "$page.1 does not render"
	[ ! -s "$TMP/warn" ] || fail "$page.1: $(cat "$TMP/warn")"
done
for c in $("$B/horde" --help | awk '/^  [a-z]/ { print $1 }'); do
	grep -q "^\.SS \"horde $c" "$root/usr/share/man/man1/horde.1" || fail "horde.1 lacks $c"
done
grep -q "^\.B emu_latency" "$root/usr/share/man/man1/horde.1" || fail "horde.1 lacks the plan keys"
grep -q "version" "$root/usr/share/man/man1/cosmos.1" || fail "cosmos.1: $(head "$root/usr/share/man/man1/cosmos.1")"
# The installed horde draws with the installed scripts.
"$B/gen_runs" -r 1 "$TMP/g.db" > /dev/null || fail "gen_runs"
env -u HORDE_DATADIR "$root/usr/bin/horde" report -q --out "$TMP/figs" "$TMP/g.db" > "$TMP/out" 2>&1 ||
	fail "installed horde report: $(cat "$TMP/out")"
[ -s "$TMP/figs/g-run1.png" ] || fail "no figure: $(ls "$TMP/figs")"
# The installed horde finds its launcher and emu's Xen libraries, for
# xenstored=cxenstored (any program stands in for Xen's daemon here).
printf '[global]\nxenstored=cxenstored\nxenstored_bin=/bin/true\n[x]\nguests=1\n' > "$TMP/x.plan"
"$root/usr/bin/horde" check "$TMP/x.plan" > "$TMP/out" 2>&1 ||
	fail "installed horde, xenstored=cxenstored: $(cat "$TMP/out")"
printf '[global]\nxenstored=cxenstored\nxenstored_bin=/nonexistent/xenstored\n[x]\nguests=1\n' > "$TMP/y.plan"
"$root/usr/bin/horde" check "$TMP/y.plan" > "$TMP/out" 2>&1 &&
	fail "a missing Xen daemon passed the check"
grep -q "xen-utils-4.17" "$TMP/out" || fail "the missing daemon's error: $(cat "$TMP/out")"
