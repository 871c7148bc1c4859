#!/usr/bin/env bash
# Several hordes share one results database and all complete: a horde
# keeps its rows in memory between commits and holds the write lock only
# while it writes them. Checked two ways: another writer, willing to wait
# 1 s, always gets the lock while a horde runs; and four hordes run at
# once on one database, with `horde clean` on it meanwhile, every run done
# with every guest.
. "$(dirname "$0")/../lib.sh"

leftovers
cat > "$TMP/w.plan" <<'PLAN'
[global]
emu_latency=zero
boot_delay=10ms
console=lazy
sample_interval=200ms
[w]
guests=600
PLAN
db=$TMP/w.db

# One horde, and a writer beside it taking the lock every 50 ms while the
# run runs. (Not after: closing the database checkpoints its WAL into it,
# which holds the file for as long as the disk takes to sync.)
sed 's/^guests=.*/guests=1000/' "$TMP/w.plan" > "$TMP/long.plan"
"$B/horde" run "$TMP/long.plan" --db "$db" --quiet > /dev/null 2> "$TMP/err" &
pid=$!
running() { [ "$(q "$db" "select status from runs" 2>/dev/null)" = running ]; }
wait_for 60 guests_stored "$db" 1
tries=0 refused=0
while running && [ $tries -lt 60 ]; do
	tries=$((tries + 1))
	sqlite3 -cmd '.timeout 1000' "$db" 'BEGIN IMMEDIATE; COMMIT;' 2> "$TMP/writer" ||
		{ refused=$((refused + 1)); cat "$TMP/writer"; }
	sleep 0.05
done
wait "$pid" || fail "the horde: $(cat "$TMP/err")"
echo "the writer tried $tries times while the run ran, refused $refused"
expect_eq "write lock refused to a writer waiting 1 s, of $tries tries" "$refused" 0
[ $tries -ge 20 ] || fail "only $tries tries while the horde ran"

# Four at once, and a clean of the database while they write.
rm -f "$db"*
for i in 1 2 3 4; do
	"$B/horde" run "$TMP/w.plan" --db "$db" --quiet > /dev/null 2> "$TMP/err$i" &
	eval "pid$i=\$!"
done
wait_for 60 guests_stored "$db" 1
"$B/horde" clean "$db" > /dev/null 2> "$TMP/clean.err" || fail "clean: $(cat "$TMP/clean.err")"
for i in 1 2 3 4; do
	eval "wait \$pid$i" || fail "horde $i: $(cat "$TMP/err$i")"
done
expect_eq "runs" "$(q "$db" "select count(*) from runs")" 4
expect_eq "runs done" "$(q "$db" "select count(*) from runs where status = 'done'")" 4
expect_eq "guests, every run" \
	"$(q "$db" "select group_concat(n) from (select count(*) n from guests group by run_id)")" \
	"600,600,600,600"
q "$db" "select run_id, failure, count(*) from guests where failure is not null group by 1, 2"
expect_eq "guests alive and destroyed" \
	"$(q "$db" "select count(*) from guests where alive_ns > 0 and destroy_ns > 0 and failure is null")" 2400
leftovers
