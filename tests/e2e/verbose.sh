#!/usr/bin/env bash
# horde run -v: a line for each guest that fails, with the cause the
# database stores, as it happens; nothing of the kind without -v.
. "$(dirname "$0")/../lib.sh"

leftovers
printf '[global]\nboot_delay=10ms\nsample_interval=0\nhost_memory=64\nmemory=16\n[v]\nguests=6\n' > "$TMP/v.plan"
"$B/horde" run "$TMP/v.plan" --db "$TMP/v.db" -q -v > /dev/null 2> "$TMP/err"
expect_eq "exit status with failed guests" $? 1
grep '^horde: guest ' "$TMP/err" > "$TMP/told"
q "$TMP/v.db" "select 'horde: guest ' || seq || ' failed: ' || failure from guests where failure is not null order by seq" > "$TMP/stored"
diff -u "$TMP/stored" "$TMP/told" || fail "-v lines differ from the stored failures"
expect_eq "failed guests told" "$(wc -l < "$TMP/told")" 2
"$B/horde" run "$TMP/v.plan" --db "$TMP/v2.db" -q > /dev/null 2> "$TMP/err"
grep -q '^horde: guest ' "$TMP/err" && fail "failures told without -v"
leftovers
