#!/usr/bin/env bash
# mkimages.sh: builds what the real-Xen lane boots in QEMU, from Debian's
# own packages (downloaded with apt-get download, unpacked with dpkg -x:
# nothing is installed on the host):
#   OUT/xen.elf        the Xen 4.17 hypervisor (QEMU loads it as multiboot)
#   OUT/vmlinuz        Debian's kernel, for dom0 and for the guests
#   OUT/dom0.cpio.gz   dom0: busybox, Xen's tools, horde and their libraries
#   OUT/guest.cpio.gz  a guest: busybox that loads xen-netfront and puts
#                      the address from its command line on eth0
# and dom0 holds BUILD/horde-guest, horde's own tiny PV guest.
# usage: mkimages.sh CACHE OUT BUILD   (BUILD holds horde's binaries)
set -euo pipefail
CACHE=$1 OUT=$2 BUILD=$3
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$CACHE" "$OUT"

# The kernel package that linux-image-amd64 points at today.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/.*Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -1)
[ -n "$kpkg" ] || { apt-get update -qq; kpkg=$(apt-cache depends linux-image-amd64 |
	sed -n 's/.*Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -1); }
[ -n "$kpkg" ] || { echo "mkimages: no linux-image-6.1 package" >&2; exit 1; }
pkgs="xen-hypervisor-4.17-amd64 $kpkg xen-utils-4.17 xen-utils-common
      busybox-static libxenmisc4.17 libxencall1 libxendevicemodel1
      libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1
      libxenstore4 libxentoolcore1 libxentoollog1"
need=""
for p in $pkgs; do
	ls "$CACHE"/${p}_*.deb > /dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
	(cd "$CACHE" && apt-get download $need > /dev/null 2>&1) ||
		(apt-get update -qq && cd "$CACHE" && apt-get download $need > /dev/null)
fi
X=$OUT/unpacked
rm -rf "$X"
mkdir -p "$X"
for p in $pkgs; do dpkg -x "$(ls "$CACHE"/${p}_*.deb | tail -1)" "$X"; done
kver=${kpkg#linux-image-}
gunzip -c "$X"/boot/xen-4.17-amd64.gz > "$OUT/xen.elf"
cp "$X/boot/vmlinuz-$kver" "$OUT/vmlinuz"
MODDIR=$X/lib/modules/$kver
# The package leaves modules.dep to depmod at install time.
depmod -b "$X" "$kver"

# Copies a binary and every library it loads (resolved on the host, which
# runs the same Debian; Xen's libraries come with libxen-dev).
copy_bin() { # ROOT SRC DEST
	local root=$1 src=$2 dest=$3
	mkdir -p "$root$(dirname "$dest")"
	cp "$src" "$root$dest"
	ldd "$src" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r lib; do
		[ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
	done
}

# Copies modules with their dependencies, and writes the order to load
# them in ROOT/modules.order.
copy_modules() { # ROOT MODULE...
	local root=$1; shift
	mkdir -p "$root/modules"
	: > "$root/modules.order"
	local m
	for m in "$@"; do add_module "$root" "$m"; done
}
add_module() {
	local root=$1 name=$2 path deps d
	path=$(grep -E "(^|/)$name\.ko:" "$MODDIR/modules.dep" | head -1 | cut -d: -f1)
	[ -n "$path" ] || return 0 # built in
	grep -qx "$(basename "$path")" "$root/modules.order" && return 0
	deps=$(grep -E "^$path:" "$MODDIR/modules.dep" | cut -d: -f2)
	for d in $deps; do add_module "$root" "$(basename "$d" .ko)"; done
	cp "$MODDIR/$path" "$root/modules/"
	basename "$path" >> "$root/modules.order"
}

busybox_root() { # ROOT
	mkdir -p "$1"/{bin,sbin,dev,proc,sys,tmp,run,var/run,var/log,var/lib,etc,mnt}
	cp "$X/bin/busybox" "$1/bin/busybox"
	for a in $("$X/bin/busybox" --list); do
		[ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"
	done
}

pack() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"; }

# ---- the guest ----
G=$OUT/guest-root
rm -rf "$G"
busybox_root "$G"
copy_modules "$G" xen-netfront
cp "$HERE/guest-init" "$G/init"
chmod +x "$G/init"
pack "$G" "$OUT/guest.cpio.gz"

# ---- dom0 ----
D=$OUT/dom0-root
rm -rf "$D"
busybox_root "$D"
copy_modules "$D" xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs \
	bridge xen-netback virtio_pci 9pnet_virtio 9p
XB=$X/usr/lib/xen-4.17/bin
for b in xl xenstored xenstore-control xenconsoled xen-init-dom0 lsevtchn; do copy_bin "$D" "$XB/$b" "/usr/lib/xen-4.17/bin/$b"; done
# Xen's hotplug scripts are bash scripts and call the xenstore-* tools.
copy_bin "$D" /bin/bash /bin/bash
for b in xenstore-ls xenstore-read xenstore-write xenstore-list xenstore-exists \
	 xenstore-rm xenstore-chmod; do
	copy_bin "$D" "$(command -v "$b")" "/usr/bin/$b"
done
copy_bin "$D" /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
mkdir -p "$D/etc/xen" "$D/var/lib/xen" "$D/var/run/xen" "$D/var/log/xen" "$D/etc/xen/scripts"
cp -r "$X/etc/xen/." "$D/etc/xen/" 2>/dev/null || true
for b in horde cosmos horde-xenstored; do copy_bin "$D" "$BUILD/$b" "/horde/build/$b"; done
mkdir -p "$D/horde/analysis"
cp "$OUT/vmlinuz" "$OUT/guest.cpio.gz" "$BUILD/horde-guest" "$D/horde/"
cp "$HERE/dom0-init" "$D/init"
chmod +x "$D/init"
pack "$D" "$OUT/dom0.cpio.gz"
echo "images in $OUT: $(du -sh "$OUT/dom0.cpio.gz" | cut -f1) dom0, kernel $kver"
