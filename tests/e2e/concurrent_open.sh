#!/usr/bin/env bash
# Two hordes starting at once on one new database both run: the schema is
# read and made under one BEGIN IMMEDIATE, the second waits for the first.
# Ten pairs, each on a database of its own.
. "$(dirname "$0")/../lib.sh"

leftovers
printf '[global]\nboot_delay=1ms\nsample_interval=0\n[pair]\nguests=2\n' > "$TMP/p.plan"
# The schema a horde alone makes is the one each pair must end with.
"$B/horde" run "$TMP/p.plan" --db "$TMP/alone.db" --quiet > /dev/null 2>&1 || fail "a horde alone"
version=$(q "$TMP/alone.db" "pragma user_version")
[ "$version" -gt 0 ] || fail "a horde alone made schema version $version"
for i in $(seq 10); do
	db=$TMP/c$i.db
	"$B/horde" run "$TMP/p.plan" --db "$db" --quiet > "$TMP/a$i" 2>&1 &
	a=$!
	"$B/horde" run "$TMP/p.plan" --db "$db" --quiet > "$TMP/b$i" 2>&1 &
	b=$!
	wait "$a" || fail "pair $i, first: $(cat "$TMP/a$i")"
	wait "$b" || fail "pair $i, second: $(cat "$TMP/b$i")"
	expect_eq "pair $i: runs done" "$(q "$db" "select count(*) from runs where status = 'done'")" 2
	expect_eq "pair $i: schema version" "$(q "$db" "pragma user_version")" "$version"
done
leftovers
