#!/usr/bin/env bash
# The README's plan key table is the one the option table generates.
. "$(dirname "$0")/../lib.sh"

sed -n '/<!-- plan-keys:begin -->/,/<!-- plan-keys:end -->/p' README.md |
	sed '1d;$d' > "$TMP/readme"
"$B/horde" help plan-markdown > "$TMP/generated"
diff -u "$TMP/generated" "$TMP/readme" ||
	fail "README plan keys differ from 'horde help plan-markdown'"
