#!/usr/bin/env bash
# The parts depend on each other in one direction only. Each folder sits
# on a floor; a file may include the headers of its own folder and of the
# folders on floors below, never of a folder on its own floor or above.
# The README's map of the folders says the same.
#
# A program's own file (the one with main()) is where the parts are put
# together: it may include any folder, and nothing includes it. Tests are
# programs too. Within the XenStore core, each file includes only the
# headers of the parts below it, in the order store.c's header comment
# gives.
. "$(dirname "$0")/../lib.sh"

# floor FOLDER: the folder's floor, or nothing for a folder not placed.
floor() {
	case $1 in
	lib) echo 0 ;;              # errors, time, maps: horde's own libc
	guest) echo 0 ;;            # horde-guest: freestanding, Xen's headers
	xcl | probes | loadgen) echo 1 ;;
	emu/xenlibs) echo 1 ;;      # Xen's libraries for Xen's daemons on emu
	harness) echo 2 ;;          # plans, runner, results, the platform API
	emu/xenstored) echo 2 ;;    # horde-xenstored: its store, emu's rings
	emu | xen) echo 3 ;;        # the platforms, each in its room
	analysis) echo 4 ;;         # reads results; parses stored plans
	esac
}

# includes FILE: the project headers FILE includes, as paths from the top.
includes() {
	local dir
	dir=$(dirname "$1")
	sed -n 's/^#include "\(.*\)"$/\1/p' "$1" | while read -r h; do
		realpath -m --relative-to=. "$dir/$h"
	done
}

is_program() { grep -q '^int main(' "$1"; }

# edge_ok FILE HEADER: whether FILE may include HEADER.
edge_ok() {
	local from to f t
	from=$(dirname "$1") to=$(dirname "$2")
	[ "$from" = "$to" ] && return 0
	f=$(floor "$from") t=$(floor "$to")
	[ -n "$t" ] || return 1 # a header outside the placed folders
	[ -n "$f" ] && [ "$t" -lt "$f" ]
}

bad=""
check_file() {
	local f=$1 h
	for h in $(includes "$f"); do
		case $h in *.c) bad+="$f includes a program's file $h; " ;; esac
		is_program "$f" && continue
		edge_ok "$f" "$h" ||
			bad+="$f (floor $(floor "$(dirname "$f")")) includes $h (floor $(floor "$(dirname "$h")")); "
	done
}

# The check itself must see a back edge: a library file of xcl/ that
# included the harness, and an emu/ file that included xen/.
edge_ok xcl/xcl.c harness/plan.h && fail "layering missed xcl/ -> harness/"
edge_ok emu/dom0.c xen/xen_host.h && fail "layering missed emu/ -> xen/"
edge_ok harness/runner.c emu/emu.h && fail "layering missed harness/ -> emu/"
edge_ok emu/dom0.c harness/plan.h || fail "layering refused emu/ -> harness/"

files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null | grep -v '^tests/')
[ -n "$files" ] || files=$(find . -name '*.[ch]' -not -path './tests/*' -not -path './build*' | sed 's|^\./||')
for f in $files; do
	d=$(dirname "$f")
	[ -n "$(floor "$d")" ] || bad+="$f is in $d/, which has no floor here; "
	check_file "$f"
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
