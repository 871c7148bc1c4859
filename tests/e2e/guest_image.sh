#!/usr/bin/env bash
# horde-guest as built is what a Xen 4.17 PV domain builder takes and what
# the README says: an x86-64 ELF with the Xen notes (guest OS, loader,
# Xen version, virtual base 0, entry, hypercall page) in a PT_NOTE
# segment, entered at _start, under 64 KiB on disk. (The lane boots it.)
. "$(dirname "$0")/../lib.sh"

g=$B/horde-guest
[ -f "$g" ] || fail "no $g"
size=$(stat -c %s "$g")
[ "$size" -lt 65536 ] || fail "horde-guest is $size bytes, over 64 KiB"
readelf -h "$g" > "$TMP/h" || fail "not an ELF"
grep -q "Class: *ELF64" "$TMP/h" && grep -q "Machine: *Advanced Micro Devices X86-64" "$TMP/h" ||
	fail "not x86-64: $(cat "$TMP/h")"
readelf -lW "$g" | grep -q '^ *NOTE ' || fail "no PT_NOTE segment"
readelf -nW "$g" > "$TMP/n"
expect_eq "Xen notes" "$(grep -c '^ *Xen ' "$TMP/n")" 8
# The descriptions, as strings: guest OS, loader, Xen version.
for s in horde-guest generic xen-3.0; do
	readelf -p .note "$g" | grep -q "$s" || fail "note '$s' missing"
done
# Entry and hypercall page: the notes name the symbols (types 1 and 2).
entry=$(nm "$g" | awk '$3 == "_start" { print $1 }')
page=$(nm "$g" | awk '$3 == "hypercall_page" { print $1 }')
[ -n "$entry" ] && [ -n "$page" ] || fail "symbols missing"
[ $((16#$page % 4096)) = 0 ] || fail "hypercall page not page-aligned: $page"
readelf -h "$g" | grep -q "Entry point address: *0x$(printf %x $((16#$entry)))" ||
	fail "entry is not _start"
