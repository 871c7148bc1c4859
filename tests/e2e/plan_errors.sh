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
"$B/horde" run "$TMP/missing.plan" 2> "$TMP/err" && fail "missing plan accepted"
grep -q "missing.plan: No such file" "$TMP/err" || fail "message: $(cat "$TMP/err")"
leftovers
