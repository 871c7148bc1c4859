#!/usr/bin/env bash
# Databases horde did not make, or cannot write: `horde clean` on a file
# that is no database still cleans the host and says what was wrong, and
# makes no database of a name that is none; `horde run` leaves another
# program's SQLite file as it was; a results database in a read-only
# folder is read (and one whose rows are still in its -wal is refused
# with the reason).
. "$(dirname "$0")/../lib.sh"

leftovers
printf '[global]\nemu_latency=zero\nboot_delay=10ms\nconsole=lazy\n[k]\nguests=3000\n' > "$TMP/k.plan"
db=$TMP/k.db

# A horde killed mid-run leaves a namespace, a run folder and a -wal.
"$B/horde" run "$TMP/k.plan" --db "$db" --quiet > /dev/null 2> "$TMP/err" &
pid=$!
wait_for 120 guests_stored "$db" 200
kill -KILL "$pid"
wait "$pid" 2> /dev/null
daemons_gone() { [ -z "$(own_processes)" ]; }
wait_for 10 daemons_gone
mkdir "$TMP/ro" "$TMP/ro-wal"
[ -f "$db-wal" ] || fail "the killed horde left no -wal"
cp "$db" "$db-wal" "$TMP/ro-wal/"

# clean on garbage: the host is cleaned all the same, the error told.
head -c 8192 /dev/urandom > "$TMP/garbage.db"
rc=0
"$B/horde" clean "$TMP/garbage.db" "$TMP/none.db" > "$TMP/clean" 2> "$TMP/clean.err" || rc=$?
expect_eq "exit status of clean on garbage" "$rc" 1
grep -q "removed network namespace horde-$pid" "$TMP/clean" ||
	fail "clean skipped the host: $(cat "$TMP/clean" "$TMP/clean.err")"
grep -q "garbage.db: .*not a database" "$TMP/clean.err" || fail "clean said: $(cat "$TMP/clean.err")"
grep -q "none.db: No such file" "$TMP/clean.err" || fail "clean said: $(cat "$TMP/clean.err")"
[ -e "$TMP/none.db" ] && fail "clean made a database of a name that was none"
leftovers

# Another program's database: refused, and left byte for byte.
sqlite3 "$TMP/other.db" "create table notes(t text); insert into notes values ('mine')"
before=$(sha256sum < "$TMP/other.db")
rc=0
"$B/horde" run "$TMP/k.plan" --db "$TMP/other.db" --quiet > /dev/null 2> "$TMP/err" || rc=$?
expect_eq "exit status of run on another program's database" "$rc" 1
grep -q "another program" "$TMP/err" || fail "run said: $(cat "$TMP/err")"
expect_eq "another program's database, after" "$(sha256sum < "$TMP/other.db")" "$before"
[ -e "$TMP/other.db-wal" ] && fail "run turned another program's database to WAL"

# Read-only folders. The clean above folded the -wal into k.db.
"$B/horde" clean "$db" > /dev/null 2>&1 || fail "clean $db"
[ -e "$db-wal" ] && fail "$db-wal is still there after its last connection closed"
cp "$db" "$TMP/ro/"
# Unmounted also on failure, so that lib.sh's trap can remove them.
trap 'umount "$TMP/ro" "$TMP/ro-wal" 2> /dev/null; rm -rf "$TMP"' EXIT
mount --bind -o ro "$TMP/ro" "$TMP/ro"
mount --bind -o ro "$TMP/ro-wal" "$TMP/ro-wal"
"$B/horde" runs "$TMP/ro/k.db" --json > "$TMP/runs.json" 2> "$TMP/err" ||
	fail "runs in a read-only folder: $(cat "$TMP/err")"
expect_eq "runs read from a read-only folder" "$(jq -r '.runs[0].status' "$TMP/runs.json")" crashed
expect_eq "its guests" "$(jq -r '.runs[0].created' "$TMP/runs.json")" \
	"$(q "$db" "select count(*) from guests where domid is not null")"
"$B/horde" report "$TMP/ro/k.db" --out "$TMP/page" --quiet > /dev/null 2> "$TMP/err" ||
	fail "report in a read-only folder: $(cat "$TMP/err")"
[ -f "$TMP/page/k.html" ] || fail "no page from a read-only folder"
rc=0
"$B/horde" runs "$TMP/ro-wal/k.db" > /dev/null 2> "$TMP/err" || rc=$?
expect_eq "exit status, rows in a -wal of a read-only folder" "$rc" 1
grep -q "rows still in $TMP/ro-wal/k.db-wal" "$TMP/err" || fail "runs said: $(cat "$TMP/err")"
umount "$TMP/ro" "$TMP/ro-wal"
leftovers
