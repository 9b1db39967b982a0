#!/bin/bash
# remoteexampletest.sh: a C program written for libvirt's API
# (examples/embedded-backup.c), linked with libfleece.so, runs its
# checkpoint + full + incremental backup cycle through libfleece's remote
# driver: against fleeced, and against libvirt's own libvirtd when one
# can be started privately here (bench/libvirtd-private.sh: root and
# libvirt-daemon-driver-qemu needed; otherwise that part is skipped).
# Backups are compared with the disks (qemu-img compare).
#
# Usage: remoteexampletest.sh PROGRAM FLEECED SRCDIR     Output: TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
prog=$1
fleeced=$2
srcdir=$3

if ! command -v qemu-system-x86_64 >/dev/null || ! command -v qemu-img >/dev/null; then
    echo "1..0 # SKIP QEMU not installed"
    exit 0
fi
dir=$(mktemp -d /tmp/fleece-remote-XXXXXX)
daemon_pid=
lvd_started=
cleanup() {
    for p in "$dir"/root/run/*.pid; do
        [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
    done
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    if [ -n "$lvd_started" ]; then
        "$srcdir/../bench/libvirtd-private.sh" stop "$dir/lvd" >/dev/null 2>&1
        # a QEMU libvirtd started, if the program stopped half way
        for p in "$dir"/lvd/run/qemu/*.pid; do
            [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
        done
    fi
    sleep 0.2
    rm -rf "$dir"
}
trap cleanup EXIT

n=0
check() {
    n=$((n + 1))
    if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}

# cycle NAME URI: the program's whole cycle through URI
cycle() {
    local name=$1 uri=$2 out rc
    mkdir -p "$dir/$name"
    qemu-img create -q -f qcow2 "$dir/$name/a.qcow2" 32M
    qemu-img create -q -f qcow2 "$dir/$name/b.qcow2" 32M
    out=$("$prog" "$uri" "$dir/$name/a.qcow2" "$dir/$name/b.qcow2" "$dir/$name" 2>&1)
    rc=$?
    echo "$out" | sed 's/^/# /'
    check "$name: the libvirt program ran to its end" \
          '[ $rc -eq 0 ] && [[ "$out" == *"example finished"* ]]'
    check "$name: two job-completed events, both successful" \
          '[ "$(grep -c "job completed on embedded: success=1" <<<"$out")" = 2 ]'
    check "$name: the full backup equals the disk" \
          'qemu-img compare -q "$dir/$name/full-vda.qcow2" "$dir/$name/a.qcow2"'
    check "$name: the incremental backup was written" '[ -s "$dir/$name/inc-vdb.qcow2" ]'
}

mkdir -p "$dir/root"
if ! "$fleeced" --root "$dir/root" --daemon --pidfile "$dir/fleeced.pid"; then
    echo "Bail out! fleeced did not start"
    exit 1
fi
daemon_pid=$(cat "$dir/fleeced.pid")
cycle fleeced "qemu+unix:///system?socket=$dir/root/run/libvirt-sock"
check "fleeced: no QEMU left running for its root" '! pgrep -f "qemu-system.*$dir/root" >/dev/null'

# libvirt's own daemon: an outside oracle, used when it can run here
if lvd_pid=$("$srcdir/../bench/libvirtd-private.sh" start "$dir/lvd" 2>"$dir/lvd.err"); then
    lvd_started=yes
    cycle libvirtd "qemu+unix:///system?socket=$dir/lvd/run/libvirt-sock"
else
    n=$((n + 1))
    echo "ok $n - libvirtd: the same cycle # SKIP no private libvirtd here: $(head -1 "$dir/lvd.err")"
fi
echo "1..$n"
