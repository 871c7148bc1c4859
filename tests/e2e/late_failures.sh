#!/usr/bin/env bash
# Failures found after creation are stored with their real cause. The
# XenStore daemon refuses dom0's write of the 3rd guest's hotplug-status:
# libxcl times out waiting for it, and dom0's own reason (the store's EIO)
# must reach that guest's row beside the timeout, not vanish.
. "$(dirname "$0")/../lib.sh"

cat > "$TMP/horde-xenstored" <<WRAP
#!/bin/sh
exec "$PWD/$B/horde-xenstored" "\$@" --fail-write /hotplug-status:3
WRAP
chmod +x "$TMP/horde-xenstored"
cat > "$TMP/p.plan" <<'PLAN'
[late]
guests=5
boot_delay=1ms
alive_timeout=2s
PLAN
db=$TMP/p.db
HORDE_XENSTORED=$TMP/horde-xenstored "$B/horde" run "$TMP/p.plan" --db "$db" \
	--quiet > "$TMP/out" 2> "$TMP/err"
expect_eq "exit status of a run with a failed guest" $? 1
expect_eq "status" "$(q "$db" "select status from runs")" done
expect_eq "guests that failed" "$(q "$db" "select count(*) from guests where failure is not null")" 1
failure=$(q "$db" "select failure from guests where seq = 3")
case $failure in
*"not connected after"*"dom0: vif "*".0: write /local/domain/0/backend/vif/"*"/0/hotplug-status: Input/output error"*) ;;
*) fail "guest 3's failure: '$failure'" ;;
esac
expect_eq "the others answered" "$(q "$db" "select count(*) from guests where seq != 3 and alive_ns > 0")" 4
leftovers
