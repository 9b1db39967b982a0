#!/bin/bash
# Disk images move between libvirt 9.0's embedded QEMU driver and Fleece:
# libvirt makes a qcow2 chain (checkpoint c1, snapshot s1, checkpoint
# c2); Fleece defines the domain on it, redefines the checkpoints from
# libvirt's XML, backs up incrementally since each (byte-correct) and
# extends the chain (c3, s2); libvirt does the same with Fleece's chain
# (c4, s3); Fleece checks all four checkpoints last.  See
# tests/interopstep.c, built once against each.
#
# libvirt is an optional oracle: without it the test is skipped, saying
# why.  TAP output.
#
# Usage: interoptest.sh STEP-FLEECE STEP-LIBVIRT LIBVIRT-QEMU-DRIVER
#   STEP-LIBVIRT is empty when libvirt-dev was not found at build time.
set -u
fleece_step=$1
libvirt_step=${2:-}
driver=${3:-}

skip() {
    echo "1..0 # SKIP $*"
    exit 0
}
for p in qemu-system-x86_64 qemu-img qemu-io; do
    command -v "$p" >/dev/null || skip "$p not found"
done
[ -n "$libvirt_step" ] && [ -x "$libvirt_step" ] ||
    skip "built without libvirt-dev: no program against libvirt (scripts/install-deps installs it)"
[ -n "$driver" ] && [ -e "$driver" ] ||
    skip "libvirt's QEMU driver is not installed (libvirt-daemon-driver-qemu; scripts/install-deps installs it)"
[ "$(id -u)" = 0 ] || skip "libvirt's embedded driver runs QEMU as root in this test: not root"

# Debian's libvirt, privileged, resolves its built-in QEMU user and group
# 'libvirt-qemu' when the driver opens, before it reads the qemu.conf
# that names root, and fails without them; only libvirt-daemon-system
# creates them.  Where they are missing, the libvirt steps run in a
# private mount namespace whose /etc/passwd and /etc/group have them
# (the host's stay as they are).
need_user=false
if ! getent passwd libvirt-qemu >/dev/null || ! getent group libvirt-qemu >/dev/null; then
    unshare --mount --propagation private true 2>/dev/null ||
        skip "no user 'libvirt-qemu', which libvirt's QEMU driver needs, and no private mount namespace to give it one"
    need_user=true
fi

dir=$(mktemp -d /tmp/fleece-interop-XXXXXX)
cleanup() {
    local pid
    # a QEMU a failed step left runs on this test's images
    for pid in $(pgrep -f "$dir/"); do
        kill "$pid" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/libvirt/etc" "$dir/fleece" "$dir/disks"
# libvirt beside us: no virtlogd (QEMU logs to a file), no cgroups, QEMU
# as root (private 0700 directories stay reachable)
printf 'stdio_handler = "file"\ncgroup_controllers = [ ]\nuser = "root"\ngroup = "root"\n' \
    >"$dir/libvirt/etc/qemu.conf"
qemu-img create -q -f qcow2 "$dir/disks/vda.qcow2" 8M
qemu-img create -q -f qcow2 "$dir/disks/ref.qcow2" 8M
libvirt_run=()
if [ "$need_user" = true ]; then
    cp /etc/passwd "$dir/passwd"
    cp /etc/group "$dir/group"
    getent passwd libvirt-qemu >/dev/null ||
        echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/nonexistent:/usr/sbin/nologin' >>"$dir/passwd"
    getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >>"$dir/group"
    libvirt_run=(unshare --mount --propagation private -- /bin/sh -c
                 'mount --bind "$0" /etc/passwd && mount --bind "$1" /etc/group && shift && exec "$@"'
                 "$dir/passwd" "$dir/group")
fi

n=0
# Run one step and number its TAP lines: run_step ROOT STEP [--last] -- COMMAND...
run_step() {
    local root=$1 step=$2 last=$3 out rc line
    shift 4
    out=$("$@" "$root" "$dir/disks" "$step" $last 2>&1)
    rc=$?
    while IFS= read -r line; do
        case $line in
            "ok "*|"not ok "*)
                n=$((n + 1))
                echo "${line%% - *} $n - ${line#* - }"
                ;;
            "") ;;
            "#"*) echo "$line" ;;
            *) echo "# $line" ;;
        esac
    done <<<"$out"
    n=$((n + 1))
    if [ $rc -eq 0 ]; then
        echo "ok $n - step $step ran to its end"
    else
        echo "not ok $n - step $step ran to its end (exit $rc)"
    fi
}

run_step "$dir/libvirt" 1 "" -- "${libvirt_run[@]}" "$libvirt_step"
run_step "$dir/fleece" 2 "" -- "$fleece_step"
run_step "$dir/libvirt" 3 "" -- "${libvirt_run[@]}" "$libvirt_step"
run_step "$dir/fleece" 4 --last -- "$fleece_step"

n=$((n + 1))
if pgrep -f "$dir/" >/dev/null; then
    echo "not ok $n - no QEMU left running"
else
    echo "ok $n - no QEMU left running"
fi
echo "1..$n"
