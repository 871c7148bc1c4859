#!/usr/bin/env bash
# cosmos creates, lists and destroys guests through libxcl on emu.
. "$(dirname "$0")/../lib.sh"

leftovers
"$B/cosmos" create alpha create beta list destroy 1 list > "$TMP/out" 2>&1 ||
	fail "cosmos: $(cat "$TMP/out")"
grep -q "^created alpha: domid 1$" "$TMP/out" || fail "create: $(cat "$TMP/out")"
grep -q "^created beta: domid 2$" "$TMP/out" || fail "create: $(cat "$TMP/out")"
grep -q "total .* toolstack .* xenstore .* hypervisor .* dom0 " "$TMP/out" || fail "phases"
expect_eq "alpha listed, then gone" "$(grep -c '^1 *alpha$' "$TMP/out")" 1
expect_eq "beta listed twice" "$(grep -c '^2 *beta$' "$TMP/out")" 2
grep -q "^destroyed domid 1$" "$TMP/out" || fail "destroy"
"$B/cosmos" destroy 7 > "$TMP/out" 2>&1 && fail "destroying a missing domain succeeded"
grep -q "no domain 7" "$TMP/out" || fail "message: $(cat "$TMP/out")"
"$B/cosmos" frobnicate 2> "$TMP/out" && fail "bad command accepted"
leftovers
# Its version, as horde's: the same build.
expect_eq "cosmos --version" "$("$B/cosmos" --version | cut -d' ' -f2-)" "$("$B/horde" --version | cut -d' ' -f2-)"
