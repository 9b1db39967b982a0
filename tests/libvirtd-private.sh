# libvirtd-private.sh: start and stop a private libvirtd (sourced by bash
# scripts).  libvirt is an outside oracle: it runs in its own mount
# namespace, with its configuration, sockets and state under BASE and only
# the qemu, storage and secret drivers, so it touches nothing of the host
# (no network, no cgroups, QEMU as root).
#
#   lv_start BASE     sets LVURI and LVPID; returns 1 (with LVERROR) when it
#                     cannot run here
#   lv_stop           stops it
#
# SPDX-License-Identifier: LGPL-2.1-or-later

LVURI=""
LVPID=""
LVERROR=""

lv_start() {
    local base=$1 drivers d
    drivers=$(pkg-config --variable=libdir libvirt 2>/dev/null)/libvirt/connection-driver
    [ -d "$drivers" ] || drivers=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver
    if [ "$(id -u)" != 0 ]; then LVERROR="not root"; return 1; fi
    if ! command -v libvirtd >/dev/null && [ ! -x /usr/sbin/libvirtd ]; then
        LVERROR="libvirtd not installed"; return 1
    fi
    if [ ! -e "$drivers/libvirt_driver_qemu.so" ]; then
        LVERROR="libvirt's qemu driver not installed"; return 1
    fi
    mkdir -p "$base"/{etc/libvirt,run,lib,log,cache,drivers}
    for d in qemu storage secret; do
        [ -e "$drivers/libvirt_driver_$d.so" ] &&
            ln -sf "$drivers/libvirt_driver_$d.so" "$base/drivers/"
    done
    cat > "$base/etc/libvirt/libvirtd.conf" <<EOF
unix_sock_dir = "/run/libvirt"
auth_unix_ro = "none"
auth_unix_rw = "none"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    printf 'stdio_handler = "file"\ncgroup_controllers = [ ]\nuser = "root"\ngroup = "root"\n' \
        > "$base/etc/libvirt/qemu.conf"
    for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
        mkdir -p "$d" 2>/dev/null || { LVERROR="cannot create $d"; return 1; }
    done
    LIBVIRT_DRIVER_DIR=$base/drivers unshare --mount --propagation private -- /bin/sh -c "
        mount --bind $base/etc/libvirt /etc/libvirt &&
        mount --bind $base/run /run/libvirt &&
        mount --bind $base/lib /var/lib/libvirt &&
        mount --bind $base/log /var/log/libvirt &&
        mount --bind $base/cache /var/cache/libvirt &&
        exec /usr/sbin/libvirtd -f /etc/libvirt/libvirtd.conf" >"$base/libvirtd.out" 2>&1 &
    LVPID=$!
    LVURI="qemu:///system?socket=$base/run/libvirt-sock"
    for _ in $(seq 600); do
        if [ -S "$base/run/libvirt-sock" ] && virsh -c "$LVURI" version >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$LVPID" 2>/dev/null || break
        sleep 0.1
    done
    LVERROR="libvirtd did not start: $(tail -3 "$base/libvirtd.out" | tr '\n' ' ')"
    lv_stop
    return 1
}

lv_stop() {
    local dom
    [ -n "$LVPID" ] || return 0
    for dom in $(virsh -c "$LVURI" list --name 2>/dev/null); do
        virsh -c "$LVURI" destroy "$dom" >/dev/null 2>&1
    done
    kill "$LVPID" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$LVPID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$LVPID" 2>/dev/null
    LVPID=""
    return 0
}
