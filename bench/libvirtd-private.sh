#!/bin/sh
# libvirtd-private.sh: run libvirt 9.0's own daemon beside Fleece, for
# side-by-side measurements and for watching real clients talk.
#
#   libvirtd-private.sh start DIR    prints libvirtd's PID; the read-write
#                                    socket is DIR/run/libvirt-sock
#   libvirtd-private.sh stop DIR     stops it (by the PID it recorded)
#
# A root libvirtd always uses /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/log/libvirt and /var/cache/libvirt, so it runs in a private mount
# namespace where scratch directories under DIR are bound over those paths
# (the empty mount points are created on the host when missing).  Only the
# qemu driver module is loaded (no network, firewall or bridge changes);
# authentication is 'none' on the unix sockets; RPC and QMP traffic is
# logged to DIR/log/libvirtd.log.  Exit 77 when libvirtd is not installed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

LIBVIRTD=${LIBVIRTD:-/usr/sbin/libvirtd}
MODDIR=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver
[ -d "$MODDIR" ] || MODDIR=$(dirname "$(find /usr/lib -name libvirt_driver_qemu.so 2>/dev/null | head -1)")

case $cmd in
stop)
    if [ -f "$dir/libvirtd.pid" ]; then
        pid=$(cat "$dir/libvirtd.pid")
        kill "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$dir/libvirtd.pid"
    fi
    exit 0
    ;;
start) ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

if [ ! -x "$LIBVIRTD" ] || [ ! -f "$MODDIR/libvirt_driver_qemu.so" ]; then
    echo "libvirtd or its qemu driver is not installed" >&2
    exit 77
fi
if [ "$(id -u)" != 0 ]; then
    echo "a private libvirtd needs root (mount namespace)" >&2
    exit 77
fi

dir=$(cd "$dir" 2>/dev/null && pwd || { mkdir -p "$dir" && cd "$dir" && pwd; })
mkdir -p "$dir/etc" "$dir/run" "$dir/lib" "$dir/log" "$dir/cache" "$dir/drivers"
ln -sf "$MODDIR/libvirt_driver_qemu.so" "$dir/drivers/"
cat >"$dir/etc/libvirtd.conf" <<CONF
auth_unix_ro = "none"
auth_unix_rw = "none"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
log_level = 3
log_filters = "1:daemon.remote 1:rpc.virnetserverclient 1:qemu.qemu_monitor"
log_outputs = "1:file:/var/log/libvirt/libvirtd.log"
CONF
cat >"$dir/etc/qemu.conf" <<CONF
stdio_handler = "file"
cgroup_controllers = [ ]
user = "root"
group = "root"
CONF
# Debian's libvirtd resolves its built-in QEMU user 'libvirt-qemu' before
# reading qemu.conf: give the namespace a passwd/group that has it.
cp /etc/passwd "$dir/passwd"
cp /etc/group "$dir/group"
grep -q '^libvirt-qemu:' "$dir/passwd" ||
    echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/nonexistent:/usr/sbin/nologin' >>"$dir/passwd"
grep -q '^libvirt-qemu:' "$dir/group" || echo 'libvirt-qemu:x:64055:' >>"$dir/group"
grep -q '^kvm:' "$dir/group" || echo 'kvm:x:64056:' >>"$dir/group"

for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
    [ -d "$d" ] || mkdir -p "$d"
done

LIBVIRT_DRIVER_DIR=$dir/drivers unshare --mount --propagation private -- /bin/sh -c "
  mount --bind '$dir/etc' /etc/libvirt &&
  mount --bind '$dir/passwd' /etc/passwd &&
  mount --bind '$dir/group' /etc/group &&
  mount --bind '$dir/run' /run/libvirt &&
  mount --bind '$dir/lib' /var/lib/libvirt &&
  mount --bind '$dir/log' /var/log/libvirt &&
  mount --bind '$dir/cache' /var/cache/libvirt &&
  exec '$LIBVIRTD' -f /etc/libvirt/libvirtd.conf -p /run/libvirt/libvirtd.pid" >"$dir/libvirtd.out" 2>&1 &
pid=$!
echo "$pid" >"$dir/libvirtd.pid"
i=0
while [ ! -S "$dir/run/libvirt-sock" ]; do
    if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 300 ]; then
        echo "libvirtd did not start:" >&2
        cat "$dir/libvirtd.out" >&2
        kill "$pid" 2>/dev/null || true
        rm -f "$dir/libvirtd.pid"
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done
echo "$pid"
