# qemu.sh: boots the real-Xen machine (tests/xen/mkimages.sh's images) in
# QEMU under software emulation; dom0 runs JOB/run.sh from a 9p share and
# powers off. Sourced by lane.sh and bench.sh.
# xen_boot IMG JOB MEM_MIB DOM0_MIB TIMEOUT_S LOG: QEMU's console goes to
# LOG; the exit status is timeout's (124 when the job overran).
xen_boot() {
	local img=$1 job=$2 mem=$3 dom0=$4 limit=$5 log=$6
	timeout "$limit" qemu-system-x86_64 -m "$mem" -smp 2 -nographic -no-reboot \
		-cpu qemu64,+x2apic -kernel "$img/xen.elf" \
		-append "console=com1 com1=115200 dom0_mem=${dom0}M,max:${dom0}M noreboot" \
		-initrd "$img/vmlinuz console=hvc0 quiet,$img/dom0.cpio.gz" \
		-virtfs "local,path=$job,mount_tag=job,security_model=none" \
		> "$log" 2>&1
}
