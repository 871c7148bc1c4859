#!/usr/bin/env bash
# The xl entry profile writes more than lean, and, like xl, reads every
# guest's name before each creation: its XenStore calls grow with the
# guest count, lean's do not.
. "$(dirname "$0")/../lib.sh"

leftovers
printf '[global]\nboot_delay=10ms\nguests=150\n[lean]\nprofile=lean\n[xl]\nprofile=xl\n' > "$TMP/p.plan"
db=$TMP/p.db
"$B/horde" run "$TMP/p.plan" --db "$db" --quiet > "$TMP/out" 2>&1 || fail "$(cat "$TMP/out")"
calls() { # PROFILE FIRST LAST: mean XenStore calls per guest
	q "$db" "select cast(avg(p.calls) as int) from phases p join runs r on r.id = p.run_id where r.profile = '$1' and p.phase = 'xenstore' and p.seq between $2 and $3"
}
expect_eq "lean calls, first guests" "$(calls lean 1 50)" 24
expect_eq "lean calls, last guests" "$(calls lean 101 150)" 24
first=$(calls xl 1 50) last=$(calls xl 101 150)
[ "$first" -gt 24 ] || fail "xl makes $first calls a guest, lean 24"
[ "$last" -ge $((first + 90)) ] || fail "xl's calls did not grow with guests: $first then $last"
expect_eq "all alive" "$(q "$db" "select count(*) from guests where alive_ns > 0")" 300
leftovers
