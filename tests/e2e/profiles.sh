#!/usr/bin/env bash
# The xl entry profile writes more than lean, and, like xl, reads every
# guest's name before each creation: its XenStore calls grow with the
# guest count, lean's do not.
. "$(dirname "$0")/../lib.sh"

leftovers
printf '[global]\nemu_latency=zero\nboot_delay=10ms\nguests=150\n[lean]\nprofile=lean\n[xl]\nprofile=xl\n' > "$TMP/p.plan"
db=$TMP/p.db
"$B/horde" run "$TMP/p.plan" --db "$db" --quiet > "$TMP/out" 2>&1 || fail "$(cat "$TMP/out")"
# XenStore round trips per guest, exactly: lean makes 31 (transaction
# start, 4 directories with their permissions, 17 writes, commit,
# introduce, the wait's watch, first read and unwatch), plus one read after
# each dom0 wait. xl makes 81 for its 7 directories and 61 writes, and
# before each creation lists /local/domain and reads every name there:
# guest N finds N-1 guests and dom0 (whose directory appears with the first
# vif), N + 1 round trips more.
mismatch() { # PROFILE EXPECTED-SQL
	q "$db" "select count(*) from phases x join phases d on d.run_id = x.run_id and d.seq = x.seq and d.phase = 'dom0' join runs r on r.id = x.run_id where r.profile = '$1' and x.phase = 'xenstore' and x.seq > 1 and x.calls != $2 + d.calls"
}
expect_eq "lean: guests not making 31 calls plus a read a wait" "$(mismatch lean 31)" 0
expect_eq "xl: guests not making 82 + N calls plus a read a wait" "$(mismatch xl '82 + x.seq')" 0
expect_eq "all alive" "$(q "$db" "select count(*) from guests where alive_ns > 0")" 300
leftovers
