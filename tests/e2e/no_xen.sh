#!/usr/bin/env bash
# Without a hypervisor, platforms xen and xl stop at once, saying so,
# before anything is written.
. "$(dirname "$0")/../lib.sh"

[ -e /dev/xen/privcmd ] || [ -e /proc/xen/privcmd ] && { echo "skip: this is a Xen host"; exit 77; }
for p in xen xl; do
	printf '[j]\nplatform=%s\nkernel=/boot/vmlinuz\nguests=2\n' "$p" > "$TMP/$p.plan"
	"$B/horde" run "$TMP/$p.plan" --db "$TMP/$p.db" > "$TMP/out" 2>&1 && fail "$p ran without Xen"
	grep -q "platform $p: no hypervisor found" "$TMP/out" || fail "message: $(cat "$TMP/out")"
	[ ! -e "$TMP/$p.db" ] || fail "a database was written"
done
"$B/cosmos" --platform xen list > "$TMP/out" 2>&1 && fail "cosmos ran without Xen"
grep -q "no hypervisor found" "$TMP/out" || fail "cosmos: $(cat "$TMP/out")"
