#!/usr/bin/env bash
# Debian's xenstore-* commands work against horde-xenstored through
# XENSTORED_PATH.
. "$(dirname "$0")/../lib.sh"

sock=$TMP/xs.sock
mkfifo "$TMP/ready"
"$B/horde-xenstored" --socket "$sock" --ready-fd 3 3> "$TMP/ready" &
pid=$!
read -r -n 1 _ < "$TMP/ready" || fail "daemon did not start"
export XENSTORED_PATH=$sock

xenstore-write /t/a 1 /t/b two || fail "write"
expect_eq "read" "$(xenstore-read /t/a)" 1
expect_eq "read two" "$(xenstore-read /t/a /t/b | tr '\n' ' ')" "1 two "
xenstore-exists /t/a || fail "exists"
xenstore-exists /t/zz && fail "exists on a missing node"
expect_eq "list" "$(xenstore-list /t | tr '\n' ' ')" "a b "
xenstore-ls /t | grep -q 'b = "two"' || fail "ls: $(xenstore-ls /t)"
xenstore-chmod /t/a n0 r5 || fail "chmod"
xenstore-ls -p /t | grep -q '(n0,r5)' || fail "ls -p: $(xenstore-ls -p /t)"
xenstore-rm /t/a || fail "rm"
xenstore-exists /t/a && fail "rm left the node"

xenstore-watch -n 2 /t/w > "$TMP/events" &
wpid=$!
has_lines() { [ "$(wc -l < "$TMP/events")" -ge "$1" ]; }
wait_for 10 has_lines 1      # the event every new watch gets at once
xenstore-write /t/w/x 1
wait_for 10 has_lines 2
wait "$wpid" || fail "xenstore-watch"
expect_eq "events" "$(tr '\n' ' ' < "$TMP/events")" "/t/w /t/w/x "

kill -TERM "$pid"
wait "$pid" || fail "daemon exit status"
[ ! -e "$sock" ] || fail "socket left behind"
