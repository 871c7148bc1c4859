#!/usr/bin/env bash
# What reads a results database (report, runs, compare, calibrate) says
# one clear line and exits 1 on a missing, empty or foreign database or an
# unknown run, creating nothing; and it leaves no -wal or -shm file behind.
. "$(dirname "$0")/../lib.sh"

BIN=$(realpath "$B")
H=$BIN/horde
cd "$TMP"
"$BIN/gen_runs" good.db > /dev/null || fail "gen_runs"
sqlite3 foreign.db "create table t(x); insert into t values (1);"
: > empty.db
rm -f good.db-wal good.db-shm
# expect_error WHAT STATUS MESSAGE COMMAND...: one line on stderr, nothing
# on stdout, the exit status.
expect_error() {
	local what=$1 status=$2 msg=$3; shift 3
	"$H" "$@" > out 2> err
	local rc=$?
	expect_eq "$what: exit status" "$rc" "$status"
	expect_eq "$what: message" "$(cat err)" "horde: $msg"
	[ ! -s out ] || fail "$what: printed '$(cat out)'"
}
expect_error "report, foreign" 1 "foreign.db: not a horde results database (no runs table)" report foreign.db
expect_error "report, empty" 1 "empty.db: empty, not a horde results database" report empty.db
expect_error "runs, foreign" 1 "foreign.db: not a horde results database (no runs table)" runs foreign.db
expect_error "report, missing" 1 "missing.db: No such file or directory" report missing.db
expect_error "report, unknown run" 1 "good.db: no run 99" report --out newdir good.db 99
[ ! -e newdir ] || fail "report made its folder before failing"
expect_error "calibrate, unknown run" 1 "good.db: no run 99" calibrate good.db:99
expect_error "compare, foreign" 2 "foreign.db: not a horde results database (no runs table)" compare foreign.db good.db
# report --quiet (make run's, after the run's own summary) says only
# where the page is.
"$H" report --quiet --out figs good.db 1 > out || fail "report --quiet"
expect_eq "report --quiet" "$(cat out)" "report: figs/good.html (figures beside it, as .png and .svg, with their CSV)"
# Readers fold the write-ahead log back when they close.
"$H" runs good.db > /dev/null || fail "runs"
"$H" report --out figs good.db 1 > /dev/null || fail "report"
ls good.db-wal good.db-shm 2> /dev/null && fail "a reader left the write-ahead log behind"
exit 0
