#!/bin/bash
# daemonnbdbackuptest.sh: virtnbdbackup 1.9.15 (Debian's, unmodified)
# backs up a running domain through fleeced — a full backup, guest
# writes, an incremental backup, more writes, a 'diff' backup — and
# virtnbdrestore rebuilds the disks from them.  The restored images must equal both the disks replayed
# offline with qemu-io and the live disks with the guest paused.
#
# With --restart the daemon is killed (SIGKILL) and started again
# between the steps.
#
# Usage: daemonnbdbackuptest.sh FLEECED [--restart]     Output: TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

FLEECED=$1
RESTART=${2:-}

for p in virtnbdbackup virtnbdrestore virsh qemu-nbd qemu-img qemu-io qemu-system-x86_64; do
    if ! command -v "$p" >/dev/null; then
        echo "1..0 # SKIP $p is not installed"
        exit 0
    fi
done

TMP=$(mktemp -d /tmp/fleecenbdbackup.XXXXXX)
ROOT=$TMP/root
URI="qemu+unix:///system?socket=$ROOT/run/libvirt-sock"
DAEMON_PID=
mkdir -p "$ROOT"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

start_daemon() {
    "$FLEECED" --root "$ROOT" --daemon --pidfile "$TMP/fleeced.pid" || return 1
    DAEMON_PID=$(cat "$TMP/fleeced.pid")
}

stop_daemon() {
    local sig=${1:-TERM}
    [ -n "$DAEMON_PID" ] || return 0
    kill "-$sig" "$DAEMON_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
    DAEMON_PID=
}

cleanup() {
    for p in "$ROOT"/run/*.pid; do
        [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
    done
    stop_daemon TERM
    [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

restart() {
    [ "$RESTART" = --restart ] || return 0
    stop_daemon KILL
    start_daemon
    check "fleeced restarted ($1); the domain still runs" \
        '[ "$(virsh -c "$URI" domstate nbddom)" = running ]'
}

v() { virsh -q -c "$URI" "$@"; }

# guest_write DISK REF PATTERN OFFSET LENGTH: the same write in the guest
# and, offline, on the reference image
guest_write() {
    v qemu-monitor-command nbddom --hmp \
        "qemu-io -d $1/virtio-backend \"write -P $3 $4 $5\"" >/dev/null &&
        qemu-io -f qcow2 -c "write -P $3 $4 $5" "$TMP/$2" >/dev/null
}

backup() {
    virtnbdbackup -U "$URI" --user u --password p -d nbddom -l "$1" -o "$TMP/out" \
        -S "$TMP" -f "$TMP/nbd.sock" -n >"$TMP/$1.log" 2>&1
}

if ! start_daemon; then
    echo "Bail out! fleeced did not start"
    exit 1
fi

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then domtype=kvm; else domtype=qemu; fi
for d in vda vdb; do
    qemu-img create -q -f qcow2 "$TMP/$d.qcow2" 64M
    qemu-img create -q -f qcow2 "$TMP/ref-$d.qcow2" 64M
done
cat >"$TMP/dom.xml" <<EOF
<domain type='$domtype'>
  <name>nbddom</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$TMP/vda.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$TMP/vdb.qcow2'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
check "define and start the domain" \
    'v define "$TMP/dom.xml" >/dev/null && v start nbddom >/dev/null'

check "guest writes before the full backup" \
    'guest_write virtio-disk0 ref-vda.qcow2 0x5a 0 1M &&
     guest_write virtio-disk0 ref-vda.qcow2 0x5b 20M 256k &&
     guest_write virtio-disk1 ref-vdb.qcow2 0x5c 4M 64k'
restart "before the full backup"

if backup full; then ok "virtnbdbackup -l full"; else notok "virtnbdbackup -l full"; tail -20 "$TMP/full.log" | diag; fi
check "the full backup holds both disks and the checkpoint virtnbdbackup.0" \
    '[ -s "$TMP/out/vda.full.data" ] && [ -f "$TMP/out/vdb.full.data" ] &&
     [ "$(v checkpoint-list nbddom --name)" = virtnbdbackup.0 ]'
check "no backup job is left running" \
    'v domjobinfo nbddom | grep -q "^Job type: *None"'

check "guest writes after the full backup" \
    'guest_write virtio-disk0 ref-vda.qcow2 0x61 2M 64k &&
     guest_write virtio-disk0 ref-vda.qcow2 0x62 40M 1M &&
     guest_write virtio-disk1 ref-vdb.qcow2 0x63 0 4k'
restart "between the full and the incremental backup"

if backup inc; then ok "virtnbdbackup -l inc"; else notok "virtnbdbackup -l inc"; tail -20 "$TMP/inc.log" | diag; fi
check "the incremental holds only what changed (checkpoint virtnbdbackup.1)" \
    '[ -s "$TMP/out/vda.inc.virtnbdbackup.1.data" ] &&
     [ "$(stat -c %s "$TMP/out/vda.inc.virtnbdbackup.1.data")" -lt $((2 * 1024 * 1024)) ] &&
     [ "$(v checkpoint-list nbddom --name | tr "\n" " ")" = "virtnbdbackup.0 virtnbdbackup.1 " ]'
check "the incremental run copied the dirty extents only" \
    'grep -q "1114112 bytes of data extents to backup" "$TMP/inc.log"'

# virtnbdbackup's 'diff': what changed since its last checkpoint, without
# making a new one
check "guest writes after the incremental backup" \
    'guest_write virtio-disk0 ref-vda.qcow2 0x71 8M 128k &&
     guest_write virtio-disk1 ref-vdb.qcow2 0x72 1M 64k'
if backup diff; then ok "virtnbdbackup -l diff"; else notok "virtnbdbackup -l diff"; tail -20 "$TMP/diff.log" | diag; fi
check "the diff run copied the writes since virtnbdbackup.1, no new checkpoint" \
    'grep -q "\[vda\]: 131072 bytes of data extents to backup" "$TMP/diff.log" &&
     grep -q "\[vdb\]: 65536 bytes of data extents to backup" "$TMP/diff.log" &&
     [ "$(v checkpoint-list nbddom --name | tr "\n" " ")" = "virtnbdbackup.0 virtnbdbackup.1 " ]'
restart "before the restore"

check "suspend the guest" 'v suspend nbddom >/dev/null'
if virtnbdrestore -U "$URI" --user u --password p -i "$TMP/out" -o "$TMP/restore" -n \
        >"$TMP/restore.log" 2>&1; then
    ok "virtnbdrestore"
else
    notok "virtnbdrestore"; tail -20 "$TMP/restore.log" | diag
fi
for d in vda vdb; do
    check "restored $d equals the writes replayed offline (qemu-img compare)" \
        'qemu-img compare -q "$TMP/restore/$d.qcow2" "$TMP/ref-$d.qcow2"'
    check "restored $d equals the paused guest's disk (qemu-img compare)" \
        'qemu-img compare -q -U "$TMP/restore/$d.qcow2" "$TMP/$d.qcow2"'
done

check "destroy and undefine" \
    'v destroy nbddom >/dev/null && v undefine nbddom --checkpoints-metadata >/dev/null'
check "no QEMU, export socket or scratch file left" \
    '! pgrep -f "qemu-system.*$ROOT" >/dev/null && [ ! -e "$TMP/nbd.sock" ] &&
     [ -z "$(find "$TMP" -maxdepth 1 -name "backup.*")" ]'

echo "1..$n"
[ "$failed" = 0 ]
