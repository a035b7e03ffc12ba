#!/bin/bash
# tests/vm/run.sh - run a test program as root inside a throwaway qemu VM
#
#   tests/vm/run.sh [--build DIR] [--timeout SEC] [--keep] PROGRAM [ARGS...]
#
# The build host's own kernel may have no uinput (containers, microVMs), so
# `make check-evdev` boots Debian's stock kernel in qemu, straight into a
# tiny initramfs: a static busybox, the evdev and uinput modules, and
# PROGRAM with the shared libraries ldd names. No disk image, no network, no
# root on the host. PROGRAM's output comes back over the serial console.
#
# Kernel: the newest /boot/vmlinuz-V that has /lib/modules/V, else one that
# `scripts/install-deps --vm DIR/vm/kernel` unpacked (VM_KERNEL and
# VM_MODDIR override both). Under TCG (no usable KVM) the compressed kernel
# would take ~2.5 s to unpack itself, so the ELF vmlinux is extracted once
# and booted through its PVH entry point. Cached under DIR/vm (default
# build/vm): the vmlinux and the part of the initramfs that does not change
# (busybox, modules, /init); each run appends PROGRAM and its libraries.
#
# Exit status: PROGRAM's own; 77 when the VM cannot run here (qemu, busybox,
# cpio or a kernel missing: the message says which and how to get it); 124
# on timeout; 125 when the VM failed (panic, no result).
set -euo pipefail

prog=tests/vm/run.sh
skip() { echo "$prog: SKIP: $*" >&2; exit 77; }
die() { echo "$prog: error: $*" >&2; exit 125; }

BUILD=build
TIMEOUT=
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || die "usage: $prog [--build DIR] [--timeout SEC] [--keep] PROGRAM [ARGS...]"
TEST_BIN=$1; shift
[ -x "$TEST_BIN" ] || die "$TEST_BIN is not an executable"
QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=${VM_BUSYBOX:-/bin/busybox}
CACHE=$BUILD/vm

# ---- what the host must have ----------------------------------------------
command -v "$QEMU" >/dev/null || skip "$QEMU not found (scripts/install-deps --vm $CACHE/kernel, or apt-get install qemu-system-x86)"
command -v cpio >/dev/null || skip "cpio not found (apt-get install cpio)"
command -v xz >/dev/null || skip "xz not found (apt-get install xz-utils)"
[ -x "$BUSYBOX" ] || skip "$BUSYBOX not found (apt-get install busybox-static)"
if LC_ALL=C ldd "$BUSYBOX" 2>/dev/null | grep -q '=>'; then
	skip "$BUSYBOX is linked dynamically; the VM needs busybox-static"
fi

KERNEL=${VM_KERNEL:-}
MODDIR=${VM_MODDIR:-}
if [ -z "$KERNEL" ]; then
	for k in $(ls -1 /boot/vmlinuz-* "$CACHE"/kernel/boot/vmlinuz-* 2>/dev/null | sort -rV); do
		v=${k##*/vmlinuz-}
		case $k in
		/boot/*) m=/lib/modules/$v ;;
		*) m=$CACHE/kernel/lib/modules/$v ;;
		esac
		if [ -r "$k" ] && [ -d "$m" ]; then KERNEL=$k; MODDIR=$m; break; fi
	done
fi
[ -n "$KERNEL" ] || skip "no kernel for the VM: run scripts/install-deps --vm $CACHE/kernel (unpacks Debian's, ~8 MB) or install linux-image-amd64"
[ -r "$KERNEL" ] || skip "$KERNEL is not readable"
[ -n "$MODDIR" ] || MODDIR=/lib/modules/${KERNEL##*/vmlinuz-}
[ -d "$MODDIR" ] || skip "no modules for $KERNEL in $MODDIR"

# KVM when it is real KVM: kvm_pvm (nested, without VMX/SVM) cannot boot a
# stock kernel, and -cpu host aborts there.
ACCEL=(-accel tcg -cpu max)
how=TCG
if [ -c /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null &&
   { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
	ACCEL=(-accel kvm -cpu host)
	how=KVM
fi
[ -n "$TIMEOUT" ] || { [ $how = KVM ] && TIMEOUT=60 || TIMEOUT=180; }

mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/run.XXXXXX")
QPID=
cleanup() {
	local rc=$?
	if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
		kill -TERM "$QPID" 2>/dev/null || true
		sleep 0.3
		kill -KILL "$QPID" 2>/dev/null || true
		wait "$QPID" 2>/dev/null || true
	fi
	if [ "$KEEP" = 1 ]; then echo "$prog: kept $WORK" >&2; else rm -rf "$WORK"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- vmlinux for PVH boot (cached) -----------------------------------------
# The bzImage header gives the compressed payload's place: setup_sects at
# 0x1f1, payload_offset at 0x248.
extract_vmlinux() {
	local sects off start magic
	sects=$(od -An -t u1 -j $((0x1f1)) -N 1 "$1" | tr -d ' ')
	[ "$sects" != 0 ] || sects=4
	off=$(od -An -t u4 -j $((0x248)) -N 4 "$1" | tr -d ' ')
	[ -n "$off" ] && [ "$off" -gt 0 ] || return 1
	start=$(( (sects + 1) * 512 + off ))
	magic=$(od -An -t x1 -j "$start" -N 6 "$1" | tr -d ' \n')
	case $magic in
	fd377a585a00*) tail -c +$((start + 1)) "$1" | xz -dc --single-stream ;;
	28b52ffd*) tail -c +$((start + 1)) "$1" | zstd -qdc ;;
	1f8b*) tail -c +$((start + 1)) "$1" | gzip -dc 2>/dev/null ;;
	*) return 1 ;;
	esac >"$2" 2>/dev/null || [ -s "$2" ] || return 1
	[ "$(od -An -t x1 -N 4 "$2" | tr -d ' \n')" = 7f454c46 ]
}
key=$(stat -L -c '%s-%Y' "$KERNEL")
BOOT=$CACHE/vmlinux-${KERNEL##*/vmlinuz-}-$key
if [ ! -s "$BOOT" ]; then
	if extract_vmlinux "$KERNEL" "$WORK/vmlinux"; then
		mv -f "$WORK/vmlinux" "$BOOT"
	else
		echo "$prog: cannot extract vmlinux from $KERNEL; booting it compressed (slower)" >&2
		BOOT=$KERNEL
	fi
fi

# ---- the unchanging part of the initramfs (cached) -------------------------
# Resolve the modules with their dependencies (modules.dep, or depends= in
# the module when unpacked from a .deb without modules.dep); skip built-ins.
ORDER=()
declare -A SEEN=()
add_module() {
	local name=$1 pat rel deps dep base
	pat=${name//[-_]/[-_]}
	if grep -Eq "/${pat}\.ko(\.(xz|zst|gz))?$" "$MODDIR/modules.builtin" 2>/dev/null; then
		return 0
	fi
	rel=$(cd "$MODDIR" && find . -regextype posix-extended \
		-regex ".*/${pat}\.ko(\.(xz|zst|gz))?" | head -n1)
	rel=${rel#./}
	[ -n "$rel" ] || skip "kernel module $name not found in $MODDIR"
	[ -z "${SEEN[$rel]:-}" ] || return 0
	SEEN[$rel]=1
	base=${rel##*/}; base=${base%%.ko*}
	mkdir -p "$WORK/base/lib/modules"
	case $rel in
	*.ko) cp "$MODDIR/$rel" "$WORK/base/lib/modules/$base.ko" ;;
	*.xz) xz -dc "$MODDIR/$rel" >"$WORK/base/lib/modules/$base.ko" ;;
	*.zst) zstd -qdc "$MODDIR/$rel" >"$WORK/base/lib/modules/$base.ko" ;;
	*.gz) gzip -dc "$MODDIR/$rel" >"$WORK/base/lib/modules/$base.ko" ;;
	esac
	deps=$(tr '\0' '\n' <"$WORK/base/lib/modules/$base.ko" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' ')
	for dep in $deps; do add_module "$dep"; done
	ORDER+=("$base")
}

# The run protocol on the console: a per-run tag, so nothing the program
# prints can pass for the end marker. /init reads it from the command line.
TAG=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
bbkey=$(stat -L -c '%s-%Y' "$BUSYBOX")
skey=$(stat -c '%Y' "$0")
BASE=$CACHE/base-${KERNEL##*/vmlinuz-}-$key-$bbkey-$skey.cpio
if [ ! -s "$BASE" ]; then
	mkdir -p "$WORK/base"/{bin,dev,proc,sys,tmp,test}
	cp "$BUSYBOX" "$WORK/base/bin/busybox"
	ln -s busybox "$WORK/base/bin/sh"
	for m in evdev uinput; do add_module "$m"; done
	printf '%s\n' "${ORDER[@]}" >"$WORK/base/modules"
	cat >"$WORK/base/init" <<'EOF'
#!/bin/sh
# PID 1 of the test VM (tests/vm/run.sh).
/bin/busybox --install -s /bin
export PATH=/test:/bin HOME=/tmp TMPDIR=/tmp
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
tag=$(sed -n 's/.*vmtag=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
status=125
ok=1
for m in $(cat /modules); do
	insmod /lib/modules/$m.ko || { echo "vm: insmod $m failed"; ok=0; }
done
if [ $ok = 1 ]; then
	echo "@@VM-$tag-BEGIN@@"
	cd /test
	. /test/cmd
	status=$?
fi
echo "@@VM-$tag-EXIT=$status@@"
[ $status = 0 ] || dmesg | tail -n 40
exec >/dev/null 2>&1
poweroff -f
sleep 2
echo o >/proc/sysrq-trigger
EOF
	chmod 755 "$WORK/base/init"
	(cd "$WORK/base" && find . -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --owner=0:0 --quiet) >"$WORK/base.cpio" ||
		die "building the initramfs failed"
	mv -f "$WORK/base.cpio" "$BASE"
fi
# Older caches (another kernel, busybox or script): not for runs under way.
find "$CACHE" -maxdepth 1 \( -name 'base-*.cpio' -o -name 'vmlinux-*' \) \
	! -name "${BASE##*/}" ! -name "${BOOT##*/}" -mmin +10 -delete 2>/dev/null || true

# ---- the program and its libraries ----------------------------------------
mkdir -p "$WORK/top/test"
cp -L "$TEST_BIN" "$WORK/top/test/"
libdirs=
out=$(LC_ALL=C ldd "$TEST_BIN" 2>/dev/null) || out=
if grep -q 'not found' <<<"$out"; then die "$TEST_BIN: libraries missing: $(grep 'not found' <<<"$out")"; fi
for p in $(sed -nE 's@^[[:space:]]*(.* => )?(/[^ ]+) \(0x[0-9a-f]+\)$@\2@p' <<<"$out"); do
	mkdir -p "$WORK/top${p%/*}"
	cp -L "$p" "$WORK/top$p"
	case ":$libdirs:" in *":${p%/*}:"*) ;; *) libdirs=${libdirs:+$libdirs:}${p%/*} ;; esac
done
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
	printf 'LD_LIBRARY_PATH=%s ./%s' "$libdirs" "$(shq "${TEST_BIN##*/}")"
	for a in "$@"; do printf ' %s' "$(shq "$a")"; done
	echo
} >"$WORK/top/test/cmd"
(cd "$WORK/top" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --quiet) >"$WORK/top.cpio"
# The kernel unpacks concatenated archives in turn.
cat "$BASE" "$WORK/top.cpio" >"$WORK/initrd.cpio"

# ---- boot -------------------------------------------------------------------
: >"$WORK/console.log"
t0=$(date +%s%N)
"$QEMU" -nodefaults -no-user-config -machine pc "${ACCEL[@]}" -smp 1 -m 256 \
	-display none -nic none -no-reboot \
	-kernel "$BOOT" -initrd "$WORK/initrd.cpio" \
	-append "console=ttyS0 loglevel=1 panic=-1 oops=panic rdinit=/init vmtag=$TAG" \
	-chardev "file,id=con,path=$WORK/console.log" -serial chardev:con \
	</dev/null >"$WORK/qemu.out" 2>&1 &
QPID=$!
# Print the program's output as it comes (between the markers); tail ends
# with qemu.
tail -s 0.1 --pid="$QPID" -n +1 -f "$WORK/console.log" 2>/dev/null |
	sed -un "s/\r\$//; /^@@VM-$TAG-BEGIN@@\$/,/^@@VM-$TAG-EXIT=/{/^@@VM-$TAG-/d;p}" &
TPID=$!
deadline=$((t0 + TIMEOUT * 1000000000))
timed_out=0
while kill -0 "$QPID" 2>/dev/null; do
	if [ "$(date +%s%N)" -ge "$deadline" ]; then timed_out=1; break; fi
	sleep 0.05
done
if [ $timed_out = 1 ]; then kill -KILL "$QPID" 2>/dev/null || true; fi
wait "$QPID" 2>/dev/null || true
QPID=
wait "$TPID" 2>/dev/null || true
ms=$((($(date +%s%N) - t0) / 1000000))
tr -d '\r' <"$WORK/console.log" >"$WORK/console.txt"
status=$(sed -n "s/^@@VM-$TAG-EXIT=\([0-9]*\)@@\$/\1/p" "$WORK/console.txt" | tail -n1)
console() {
	echo "---- VM console (without the program's output) ----" >&2
	sed "/^@@VM-$TAG-BEGIN@@\$/,/^@@VM-$TAG-EXIT=/d" "$WORK/console.txt" | tail -n 60 >&2
	cat "$WORK/qemu.out" >&2
	echo "----" >&2
}
if [ $timed_out = 1 ]; then
	console
	echo "$prog: timeout: the VM ran for more than ${TIMEOUT}s ($how); killed it" >&2
	exit 124
fi
if [ -z "$status" ]; then
	console
	die "the VM ended after $((ms / 1000)).$(printf %03d $((ms % 1000)))s without a result"
fi
[ "$status" = 0 ] || console
echo "$prog: ${TEST_BIN##*/} exited with $status; VM ${how}, $((ms / 1000)).$(printf %03d $((ms % 1000))) s" >&2
exit "$status"
