# qemu.sh: boots the real-Xen machine (tests/xen/mkimages.sh's images) in
# QEMU under software emulation; dom0 runs JOB/run.sh from a 9p share and
# powers off. Sourced by lane.sh, twins.sh and bench.sh.

# xen_test_setup: for a test (lib.sh's TMP and fail): builds the images
# into IMG (from the .debs in XEN_CACHE) and makes the share, JOB.
xen_test_setup() {
	IMG=$B/xen-images
	"$(dirname "${BASH_SOURCE[0]}")/mkimages.sh" "${XEN_CACHE:-.cache/xen-debs}" \
		"$IMG" "$B" >&2 || fail "building the images"
	JOB=$TMP/job
	mkdir -p "$JOB"
}

# xen_boot IMG JOB MEM_MIB DOM0_MIB TIMEOUT_S LOG [XEN_OPTIONS]: QEMU's
# console goes to LOG; the exit status is timeout's (124 when the job
# overran). XEN_OPTIONS go on Xen's command line.
xen_boot() {
	local img=$1 job=$2 mem=$3 dom0=$4 limit=$5 log=$6 extra=${7:-}
	timeout "$limit" qemu-system-x86_64 -m "$mem" -smp 2 -nographic -no-reboot \
		-cpu qemu64,+x2apic -kernel "$img/xen.elf" \
		-append "console=com1 com1=115200 dom0_mem=${dom0}M,max:${dom0}M noreboot $extra" \
		-initrd "$img/vmlinuz console=hvc0 quiet,$img/dom0.cpio.gz" \
		-virtfs "local,path=$job,mount_tag=job,security_model=none" \
		> "$log" 2>&1
}
