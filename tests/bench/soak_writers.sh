#!/usr/bin/env bash
# soak_writers.sh: eight hordes on one results database, round after
# round, each run to be done with every guest stored; prints what it
# found, and fails when a run did not complete (a correctness soak, not a
# speed figure). usage: soak_writers.sh ROUNDS HORDES GUESTS
set -u
B=${B:-build}
rounds=${1:-20} hordes=${2:-8} guests=${3:-150}
TMP=$(mktemp -d /tmp/horde-soak-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/soak.plan" <<PLAN
[global]
emu_latency=zero
boot_delay=10ms
console=lazy
sample_interval=200ms
[soak]
guests=$guests
PLAN
db=$TMP/soak.db
start=$SECONDS
failed=0
for round in $(seq "$rounds"); do
	pids=()
	for i in $(seq "$hordes"); do
		"$B/horde" run "$TMP/soak.plan" --db "$db" --quiet > /dev/null \
			2> "$TMP/err-$round-$i" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		if ! wait "${pids[$i]}"; then
			failed=$((failed + 1))
			echo "round $round, horde $((i + 1)): $(tail -n 1 "$TMP/err-$round-$((i + 1))")"
		fi
	done
done
runs=$((rounds * hordes))
q() { sqlite3 -batch -noheader "$db" "$1"; }
done_runs=$(q "select count(*) from runs where status = 'done'")
complete=$(q "select count(*) from (select run_id from guests where alive_ns > 0 and destroy_ns > 0 and failure is null group by run_id having count(*) = $guests)")
printf 'runs                    %d of %d done, %d complete (%d guests each), %d hordes failed\n' \
	"$done_runs" "$runs" "$complete" "$guests" "$failed"
printf 'wall time               %d s for %d rounds of %d hordes at once\n' \
	$((SECONDS - start)) "$rounds" "$hordes"
[ "$done_runs" = "$runs" ] && [ "$complete" = "$runs" ] && [ "$failed" = 0 ]
