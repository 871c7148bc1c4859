#!/usr/bin/env bash
# The README's plan key table is the one the option table generates, and
# its exit status table the command table's.
. "$(dirname "$0")/../lib.sh"

sed -n '/<!-- plan-keys:begin -->/,/<!-- plan-keys:end -->/p' README.md |
	sed '1d;$d' > "$TMP/readme"
"$B/horde" help plan-markdown > "$TMP/generated"
diff -u "$TMP/generated" "$TMP/readme" ||
	fail "README plan keys differ from 'horde help plan-markdown'"
sed -n '/<!-- exits:begin -->/,/<!-- exits:end -->/p' README.md |
	sed '1d;$d' > "$TMP/readme-exits"
"$B/horde" help exits-markdown > "$TMP/generated-exits"
diff -u "$TMP/generated-exits" "$TMP/readme-exits" ||
	fail "README exit statuses differ from 'horde help exits-markdown'"
