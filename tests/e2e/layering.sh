#!/usr/bin/env bash
# The parts depend on each other in one direction only, as the README's
# layout says: lib/ on nothing of horde's; probes/ and loadgen/ on lib/
# alone; and within the XenStore core each file includes only the headers
# of the parts below it, in the order store.c's header comment gives.
. "$(dirname "$0")/../lib.sh"

bad=""
# includes FILE: the project headers FILE includes, as paths from the top.
includes() {
	local dir
	dir=$(dirname "$1")
	sed -n 's/^#include "\(.*\)"$/\1/p' "$1" | while read -r h; do
		realpath -m --relative-to=. "$dir/$h"
	done
}
for f in lib/*.[ch]; do
	for h in $(includes "$f"); do
		case $h in lib/*) ;; *) bad+="$f includes $h; " ;; esac
	done
done
for f in probes/*.[ch] loadgen/*.[ch]; do
	for h in $(includes "$f"); do
		case $h in lib/* | "$(dirname "$f")"/*) ;; *) bad+="$f includes $h; " ;; esac
	done
done
# The XenStore core, bottom to top.
rank() {
	case $(basename "$1" | sed 's/\.[ch]$//') in
	store | store_types) echo 0 ;; # store.h: the public interface
	store_util) echo 1 ;;
	store_tree | store_watch) echo 2 ;;
	store_txn) echo 3 ;;
	store_conn) echo 4 ;; # store.c's
	store_ops) echo 5 ;;
	*) echo 9 ;;
	esac
}
for f in emu/xenstored/store*.[ch]; do
	own=$(rank "$f") mine=${f%.c}.h
	# store.c's own header is store_conn.h.
	[ "$(basename "$f")" = store.c ] && own=4 mine=emu/xenstored/store_conn.h
	for h in $(includes "$f"); do
		case $h in emu/xenstored/*) ;; *) continue ;; esac
		[ "$h" = "$mine" ] && continue
		[ "$(rank "$h")" -lt "$own" ] || [ "$(basename "$h")" = store.h ] ||
			bad+="$f includes $h, not below it; "
	done
done
[ -z "$bad" ] || fail "$bad"
