#!/usr/bin/env bash
# Bad plans fail before anything is created, naming file and line.
. "$(dirname "$0")/../lib.sh"

leftovers
printf '[global]\nboot_delay=10ms\n[j]\ngusets=5\n' > "$TMP/typo.plan"
printf '[j]\n# negative\nguests=-5\n' > "$TMP/neg.plan"

for case in "typo.plan:4: unknown key 'gusets' (did you mean 'guests'?)" \
	    "neg.plan:3: guests: -5 is out of range"; do
	plan=$TMP/${case%%:*}
	if "$B/horde" run "$plan" --db "$TMP/x.db" > "$TMP/out" 2> "$TMP/err"; then
		fail "$plan was accepted"
	fi
	grep -qF "$plan:${case#*:}" "$TMP/err" || fail "message: $(cat "$TMP/err")"
	[ ! -e "$TMP/x.db" ] || fail "a database was created for a bad plan"
	leftovers
done
# An empty database path would be SQLite's temporary database, gone at
# exit with every figure.
printf '[j]\nguests=1\n' > "$TMP/one.plan"
"$B/horde" run "$TMP/one.plan" --db "" > "$TMP/out" 2> "$TMP/err" && fail "--db '' accepted"
grep -q "results database: an empty path" "$TMP/err" || fail "--db '': $(cat "$TMP/err")"
leftovers
"$B/horde" run "$TMP/missing.plan" 2> "$TMP/err" && fail "missing plan accepted"
grep -q "missing.plan: No such file" "$TMP/err" || fail "message: $(cat "$TMP/err")"
leftovers

# Plans that would take the machine before anything runs fail at once,
# naming file and line: an include bomb (eight files, each including the
# next ten times), an include of a FIFO (which would block forever), and
# /dev/stdin. timeout only guards against a hang.
for n in 1 2 3 4 5 6 7; do
	for _ in $(seq 10); do echo "include=bomb$((n + 1)).inc"; done > "$TMP/bomb$n.inc"
done
echo 'guests=1' > "$TMP/bomb8.inc"
printf '[j]\ninclude=bomb1.inc\n' > "$TMP/bomb.plan"
timeout 20 "$B/horde" check "$TMP/bomb.plan" > "$TMP/out" 2> "$TMP/err" && fail "include bomb accepted"
grep -q "bomb[0-9].inc:[0-9]*: more than 256 includes" "$TMP/err" || fail "bomb: $(cat "$TMP/err")"
mkfifo "$TMP/fifo"
printf '[j]\ninclude=fifo\n' > "$TMP/fifo.plan"
timeout 20 "$B/horde" check "$TMP/fifo.plan" > "$TMP/out" 2> "$TMP/err" && fail "FIFO include accepted"
grep -q "fifo.plan:2: include: .*fifo: not a regular file" "$TMP/err" || fail "FIFO: $(cat "$TMP/err")"
# A latency profile that is a FIFO, /dev/zero or a folder is refused at
# once (a FIFO used to be waited on forever), naming the job's place.
for f in "$TMP/fifo" /dev/zero "$TMP"; do
	printf '[global]\nguests=1\n\n[j]\nemu_latency=%s\n' "$f" > "$TMP/lat.plan"
	timeout 20 "$B/horde" run "$TMP/lat.plan" --db "$TMP/lat.db" > "$TMP/out" 2> "$TMP/err" &&
		fail "emu_latency=$f accepted"
	grep -q "lat.plan:4: \[j\]: emu_latency: $f: not a regular file" "$TMP/err" ||
		fail "emu_latency=$f: $(cat "$TMP/err")"
	[ ! -e "$TMP/lat.db" ] || fail "a database was made for emu_latency=$f"
done
leftovers
printf '[j]\ninclude=/dev/stdin\n' > "$TMP/stdin.plan"
echo '[k]' | timeout 20 "$B/horde" check "$TMP/stdin.plan" > "$TMP/out" 2> "$TMP/err" &&
	fail "/dev/stdin include accepted"
grep -q "stdin.plan:2: include: /dev/stdin: not a regular file" "$TMP/err" || fail "stdin: $(cat "$TMP/err")"
