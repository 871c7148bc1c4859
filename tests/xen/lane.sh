#!/usr/bin/env bash
# lane.sh: the real-Xen lane. Boots Debian's Xen 4.17 with a Debian dom0
# in QEMU (software emulation), runs in dom0 the same 8-guest plan on
# platform xen (libxcl) and on platform xl (Xen's xl), and checks, from
# the host, the SQLite database and store dumps dom0 wrote to a 9p share.
# The guests are horde-guest (4 MiB), or with LANE_GUEST=linux Debian's
# kernel with a busybox initramfs (128 MiB), so that both can be compared.
# usage: lane.sh   (B=build dir, XEN_CACHE=where the .debs are kept)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/qemu.sh"
xen_test_setup
case ${LANE_GUEST:-horde} in
horde) kernel=/horde/horde-guest ramdisk="" memory=4 ;;
linux) kernel=/horde/vmlinuz ramdisk=/horde/guest.cpio.gz memory=128 ;;
*) fail "LANE_GUEST: horde or linux" ;;
esac
printf 'KERNEL=%s\nRAMDISK=%s\nMEMORY=%s\n' "$kernel" "$ramdisk" "$memory" > "$JOB/guest.env"
cat > "$JOB/run.sh" <<'DOM0'
#!/bin/sh
# Runs in dom0. Everything it leaves in /mnt (the 9p share) the host reads.
set -x
H=/horde/build
. /mnt/guest.env
cat > /tmp/lane.plan <<PLAN
[global]
kernel=$KERNEL
${RAMDISK:+ramdisk=$RAMDISK}
memory=$MEMORY
alive_timeout=180s
probe_interval=20ms
guests=8
# All 8 held for 3 s, so that the 1 s sampler sees them all whatever the
# speed of the guest (horde-guest's 8 come and go within a second).
pattern=steps
levels=8
hold=3s
[xen]
platform=xen
[xl]
platform=xl
PLAN
# SQLite's WAL needs a local disk, not the 9p share: copy it when done.
$H/horde run /tmp/lane.plan --db /tmp/lane.db --quiet > /mnt/horde.out 2>&1
echo $? > /mnt/horde.rc
cp /tmp/lane.db /mnt/lane.db
# The versions as Xen's own tools and the kernel report them.
xl info | awk -F' *: *' '/^xen_major/ { M = $2 } /^xen_minor/ { m = $2 }
	/^xen_extra/ { e = $2 } END { printf "%s.%s%s", M, m, e }' > /mnt/xen-version.txt
uname -r > /mnt/dom0-kernel.txt
# A destroyed domain lingers while Xen frees it ("dying"); give it a minute.
gone() { [ "$(xl list | wc -l)" -le 2 ]; }
for i in $(seq 120); do gone && break; sleep 0.5; done
xl list > /mnt/xl-list-after.txt
xenstore-ls -f / > /mnt/store-after.txt

# What each toolstack leaves in the store for one guest: libxcl's lean
# profile through cosmos, then xl.
$H/cosmos --platform xen --memory "$MEMORY" --kernel "$KERNEL" \
	${RAMDISK:+--ramdisk "$RAMDISK"} create lean1 > /mnt/cosmos.out 2>&1
lean=$(sed -n 's/^created lean1: domid \([0-9]*\)$/\1/p' /mnt/cosmos.out)
RD=""
[ -n "$RAMDISK" ] && RD="ramdisk=\"$RAMDISK\""
cat > /tmp/xl1.cfg <<CFG
name="xl1"
kernel="$KERNEL"
$RD
extra="console=hvc0 quiet ip=198.18.0.250"
memory=$MEMORY
vif=['bridge=horde-br0,mac=00:16:3e:00:00:fa']
CFG
xl create -q /tmp/xl1.cfg
xl_id=$(xl domid xl1)
echo "$lean $xl_id" > /mnt/entry-domids.txt
xenstore-ls -f / > /mnt/store-both.txt
$H/cosmos --platform xen destroy "$lean" >> /mnt/cosmos.out 2>&1
xl destroy xl1
for i in $(seq 120); do gone && break; sleep 0.5; done

# horde's own guest in 4 MiB, on its own: its console lines, and ICMP
# echo (the runs above proved its ARP) from an address dom0 takes for it.
cat > /tmp/hg.cfg <<CFG
name="hg1"
kernel="/horde/horde-guest"
memory=4
extra="console=hvc0 ip=198.18.0.99"
vif=['bridge=horde-br0,mac=00:16:3e:00:00:99']
CFG
xl create /tmp/hg.cfg > /mnt/hg-create.txt 2>&1
for i in $(seq 60); do
	grep -q 'horde-guest: vif' /var/log/xen/console/guest-hg1.log 2>/dev/null && break
	sleep 0.5
done
ip addr add 198.18.0.1/15 dev horde-br0
ping -c 2 -W 10 198.18.0.99 > /mnt/hg-ping.txt 2>&1
ip addr del 198.18.0.1/15 dev horde-br0
cp /var/log/xen/console/guest-hg1.log /mnt/hg-console.txt
xl list hg1 > /mnt/hg-list.txt 2>&1
xl destroy hg1
for i in $(seq 120); do gone && break; sleep 0.5; done

# horde clean beside a running horde leaves its domains; once that horde
# is dead (SIGKILL), clean destroys them and their owner records.
cat > /tmp/hold.plan <<PLAN
[hold]
platform=xen
kernel=$KERNEL
${RAMDISK:+ramdisk=$RAMDISK}
memory=$MEMORY
guests=2
pattern=steps
levels=2
hold=600s
PLAN
$H/horde run /tmp/hold.plan --db /tmp/hold.db --quiet > /mnt/hold.out 2>&1 &
hold=$!
held() { [ "$(xenstore-list /tool/horde/owner 2>/dev/null | wc -l)" -ge 2 ]; }
for i in $(seq 240); do held && break; sleep 0.5; done
$H/horde clean > /mnt/clean-live.txt 2>&1
xl list | grep -c ' *horde-' > /mnt/held-after-clean.txt
kill -9 $hold
wait $hold
$H/horde clean /tmp/hold.db > /mnt/clean-dead.txt 2>&1
for i in $(seq 120); do gone && break; sleep 0.5; done
xenstore-ls -f /tool/horde > /mnt/owners-end.txt 2>&1
xl list > /mnt/xl-list-end.txt
DOM0
chmod +x "$JOB/run.sh"

start=$SECONDS
xen_boot "$IMG" "$JOB" 4096 1536 1200 "$TMP/console.log" ||
	fail "QEMU: $(tail -20 "$TMP/console.log")"
echo "lane: Xen session took $((SECONDS - start)) s" >&2
[ -f "$JOB/horde.rc" ] || fail "the job did not run: $(tail -30 "$TMP/console.log")"
cat "$JOB/horde.out" >&2
expect_eq "horde run exit status" "$(cat "$JOB/horde.rc")" 0

db=$JOB/lane.db
for p in xen xl; do
	run="(select id from runs where platform = '$p')"
	expect_eq "$p: status" "$(q "$db" "select status from runs where platform = '$p'")" done
	expect_eq "$p: created" "$(q "$db" "select count(*) from guests where run_id = $run and domid > 0 and failure is null")" 8
	expect_eq "$p: phase rows" "$(q "$db" "select count(*) from phases where run_id = $run")" 32
	expect_eq "$p: ARP replies" "$(q "$db" "select count(*) from guests where run_id = $run and alive_ns > 0 and reply_mac = mac")" 8
	# The sampler found Xen's own daemons and asked the hypervisor.
	expect_eq "$p: xenstored and xenconsoled sampled" "$(q "$db" "select count(distinct source) from samples where run_id = $run and source in ('xenstored', 'oxenstored', 'xenconsoled') and metric = 'cpu_ns'")" 2
	expect_eq "$p: hypervisor's domains" "$(q "$db" "select max(value) from samples where run_id = $run and source = 'hypervisor' and metric = 'domains'")" 9.0
done
# The stored version is what the hypervisor and dom0 say, not a literal.
xen_version=$(cat "$JOB/xen-version.txt")
dom0_kernel=$(cat "$JOB/dom0-kernel.txt")
[ -n "$xen_version" ] && [ -n "$dom0_kernel" ] || fail "no versions from dom0"
for p in xen:libxcl xl:xl; do
	expect_eq "${p%%:*}: platform version" \
		"$(q "$db" "select platform_version from runs where platform = '${p%%:*}'")" \
		"Xen $xen_version, dom0 Linux $dom0_kernel, ${p#*:}"
done
# xl's creation is `xl create -p` plus `xl unpause`; the `xl domid` between
# them is not timed, so the unpause comes later than the creation time.
expect_eq "xl: domid lookup outside the creation time" \
	"$(q "$db" "select count(*) from guests g join runs r on r.id = g.run_id where r.platform = 'xl' and g.unpaused_at_ns - g.created_at_ns > g.create_ns")" 8
# libxcl times each hypervisor operation (grant seeding apart from the
# build); xl's are inside xl, so it has none.
# (A call's time may read 0 ns: the dom0 clock under emulation is coarse.)
expect_eq "xen: hypervisor operations" "$(q "$db" "select group_concat(op || ':' || n, ' ') from (select h.op, count(*) n from hv_ops h join runs r on r.id = h.run_id where r.platform = 'xen' and h.dur_ns >= 0 and h.calls = (case h.op when 'evtchn' then 2 else 1 end) and h.modelled_ns = 0 group by h.stage, h.op order by h.stage, h.op)")" \
	"build:8 create:8 evtchn:8 gnttab:8 unpause:8 destroy:8"
expect_eq "xl: no hypervisor operations" "$(q "$db" "select count(*) from hv_ops h join runs r on r.id = h.run_id where r.platform = 'xl'")" 0
expect_eq "xen: real phases" "$(q "$db" "select count(*) from phases p join runs r on r.id = p.run_id where r.platform = 'xen' and p.phase in ('hypervisor','xenstore','dom0') and p.dur_ns > 0")" 24

# Nothing left: only Domain-0, and no guest's entries in the store.
expect_eq "domains after the runs" "$(grep -vc '^Name' "$JOB/xl-list-after.txt")" 1
grep -Eq '^/local/domain/[1-9]|^/local/domain/0/backend/vif/[0-9]|^/vm/|^/libxl/[1-9]' \
	"$JOB/store-after.txt" && fail "entries left: $(grep -E '^/local/domain/[1-9]' "$JOB/store-after.txt" | head)"
expect_eq "domains at the end" "$(grep -vc '^Name' "$JOB/xl-list-end.txt")" 1

# horde clean on a shared Xen host: a running horde's domains stay, a
# dead one's go, and no owner record is left.
expect_eq "clean beside a running horde: its domains kept" "$(cat "$JOB/held-after-clean.txt")" 2
expect_eq "clean beside a running horde: what it said" \
	"$(grep -c "^left domain [0-9]* (horde-r1-[12]): its horde (pid [0-9]*) is running$" "$JOB/clean-live.txt")" 2
expect_eq "clean after the horde died: destroyed" \
	"$(grep -c "^destroyed domain [0-9]* (horde-r1-[12])$" "$JOB/clean-dead.txt")" 2
grep -q "owner/" "$JOB/owners-end.txt" && fail "owner records left: $(cat "$JOB/owners-end.txt")"

# horde-guest came up in 4 MiB, connected its vif, answered ping, and was
# still running (blocked in its poll, not crashed) when looked at.
grep -q "horde-guest: up" "$JOB/hg-console.txt" &&
	grep -q "horde-guest: vif 0 connected, mac 00:16:3e:00:00:99" "$JOB/hg-console.txt" ||
	fail "horde-guest: $(cat "$JOB/hg-create.txt" "$JOB/hg-console.txt" 2>&1)"
grep -q "2 packets received" "$JOB/hg-ping.txt" || fail "horde-guest ping: $(cat "$JOB/hg-ping.txt")"
awk '$1 == "hg1" && $3 == 4 && $5 ~ /^-?[rb]/ { ok = 1 } END { exit !ok }' "$JOB/hg-list.txt" ||
	fail "horde-guest not running in 4 MiB: $(cat "$JOB/hg-list.txt")"

# The lean profile's 17 entries are there, with libxcl's values; xl
# leaves more for the same guest.
read -r lean xl_id < "$JOB/entry-domids.txt"
[ -n "$lean" ] && [ -n "$xl_id" ] || fail "entry check guests: $(cat "$JOB/cosmos.out")"
s=$JOB/store-both.txt
for e in "/local/domain/$lean/name = \"lean1\"" \
	 "/local/domain/$lean/domid = \"$lean\"" \
	 "/local/domain/$lean/memory/target = \"$((memory * 1024))\"" \
	 "/local/domain/$lean/console/ring-ref" \
	 "/local/domain/$lean/console/port" \
	 "/local/domain/$lean/device/vif/0/backend = \"/local/domain/0/backend/vif/$lean/0\"" \
	 "/local/domain/$lean/device/vif/0/backend-id = \"0\"" \
	 "/local/domain/$lean/device/vif/0/state" \
	 "/local/domain/$lean/device/vif/0/handle = \"0\"" \
	 "/local/domain/$lean/device/vif/0/mac = \"00:16:3e:00:00:01\"" \
	 "/local/domain/0/backend/vif/$lean/0/frontend = \"/local/domain/$lean/device/vif/0\"" \
	 "/local/domain/0/backend/vif/$lean/0/frontend-id = \"$lean\"" \
	 "/local/domain/0/backend/vif/$lean/0/state" \
	 "/local/domain/0/backend/vif/$lean/0/mac = \"00:16:3e:00:00:01\"" \
	 "/local/domain/0/backend/vif/$lean/0/handle = \"0\"" \
	 "/local/domain/0/backend/vif/$lean/0/script = \"/etc/xen/scripts/vif-bridge\"" \
	 "/local/domain/0/backend/vif/$lean/0/bridge = \"horde-br0\""; do
	grep -qF "$e" "$s" || fail "lean entry missing: $e"
done
# Exactly those: every node of the lean guest, less what netfront,
# netback, xenconsoled and the hotplug write, is one libxcl made.
sed -n "s|^\(/local/domain/$lean\(/[^ ]*\)\{0,1\}\) = .*|\1|p; s|^\(/local/domain/0/backend/vif/$lean\(/[^ ]*\)\{0,1\}\) = .*|\1|p" "$s" |
	sed -E "s|^/local/domain/$lean|D|; s|^/local/domain/0/backend/vif/$lean|B|" |
	grep -vE '^D/console/tty$|^D/device/vif/0/(xdp-headroom|multi-queue-num-queues|tx-ring-ref|rx-ring-ref|event-channel(-tx|-rx)?|request-rx-copy|feature-.*)$|^B/0/(feature-.*|multi-queue-max-queues|hotplug-status)$' |
	sort > "$TMP/lean-nodes"
printf '%s\n' D D/name D/domid D/memory D/memory/target D/console \
	D/console/ring-ref D/console/port D/device D/device/vif D/device/vif/0 \
	D/device/vif/0/backend D/device/vif/0/backend-id D/device/vif/0/state \
	D/device/vif/0/handle D/device/vif/0/mac B B/0 B/0/frontend \
	B/0/frontend-id B/0/state B/0/handle B/0/mac B/0/script B/0/bridge |
	sort > "$TMP/lean-expected"
diff -u "$TMP/lean-expected" "$TMP/lean-nodes" >&2 ||
	fail "libxcl's lean guest has other nodes than documented"
n_lean=$(grep -cE "^(/local/domain/$lean/|/local/domain/0/backend/[a-z]+/$lean/)" "$s")
n_xl=$(grep -cE "^(/local/domain/$xl_id/|/local/domain/0/backend/[a-z]+/$xl_id/|/libxl/$xl_id/)" "$s")
echo "lane: store nodes of one guest: libxcl lean $n_lean, xl $n_xl" >&2
[ "$n_xl" -gt "$n_lean" ] || fail "xl left $n_xl nodes, lean $n_lean"
sqlite3 -batch "$db" "select r.platform, p.phase, printf('%.2f ms', avg(p.dur_ns) / 1e6) from phases p join runs r on r.id = p.run_id group by r.platform, p.phase order by 1, 2" >&2
sqlite3 -batch "$db" "select r.platform, 'total', printf('%.2f ms', avg(g.create_ns) / 1e6), printf('alive %.0f ms', avg(g.alive_ns) / 1e6) from guests g join runs r on r.id = g.run_id group by 1" >&2
