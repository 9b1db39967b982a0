#!/bin/bash
# backup-cycle.sh: one whole backup cycle with the fleece tool, on a
# throwaway VM — copy it, change the paths, and you have a backup job.
#
#   1. a VM with two qcow2 disks, started (no guest OS needed)
#   2. data written into the disks through the guest's own disk path
#   3. a full push backup, creating checkpoint c1 at the same instant
#   4. more writes, then an incremental push backup since c1 (checkpoint c2)
#      into qcow2 files whose backing files are the full backup
#   5. more writes, then a pull backup since c2: the changed blocks are read
#      over NBD with nbdinfo and nbdcopy
#   6. the chain full <- incremental is restored into one new image with
#      qemu-img and proven equal to the disk at that point (qemu-img compare)
#   7. clean up
#
# Every fleece command is printed before it runs.  Any failing step stops
# the script with a non-zero status.
#
# Environment: FLEECE (the tool, default: fleece in PATH), WORKDIR (default:
# a new directory under /tmp, removed at the end unless KEEP=1).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

FLEECE=${FLEECE:-fleece}
WORKDIR=${WORKDIR:-$(mktemp -d /tmp/fleece-backup-cycle.XXXXXX)}
VM=fleece-demo
START=$(date +%s%N)

# Keep the VM's state under the work directory: the embedded driver's
# root is $FLEECE_ROOT.
export FLEECE_ROOT=$WORKDIR/root
mkdir -p "$FLEECE_ROOT" "$WORKDIR/disks" "$WORKDIR/backups"
D=$WORKDIR/disks
B=$WORKDIR/backups

say() { printf '\n== %s\n' "$*"; }
fleece() {
    printf '+ fleece %s\n' "$*"
    "$FLEECE" "$@"
}
# seconds since a $(date +%s%N) stamp, with two decimals
secs() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
finish() {
    rc=$?
    "$FLEECE" -q destroy "$VM" >/dev/null 2>&1 || true
    "$FLEECE" -q undefine "$VM" --checkpoints-metadata >/dev/null 2>&1 || true
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORKDIR"; fi
    [ $rc = 0 ] || printf 'backup cycle FAILED (status %d)\n' "$rc" >&2
}
trap finish EXIT

# Guest writes: qemu-io on the device's own block backend, so that the
# checkpoint bitmaps see them exactly as they see a guest's writes.  The
# same writes go into reference images built offline with qemu-io: the
# backups are compared with those (QEMU keeps the live image's metadata in
# memory, so the live file cannot be compared while the VM runs).
guest_write() {   # DISK PATTERN OFFSET LENGTH
    local dev
    case $1 in vda) dev=virtio-disk0 ;; vdb) dev=virtio-disk1 ;; esac
    fleece -q qemu-monitor-command "$VM" --hmp \
        "qemu-io -d $dev/virtio-backend \"write -P $2 $3 $4\""
    qemu-io -f qcow2 -c "write -P $2 $3 $4" "$B/ref-$1.qcow2" >/dev/null ||
        fail "reference write on $1"
}

say "1. a throwaway VM with two 256 MiB qcow2 disks"
for d in vda vdb; do
    qemu-img create -q -f qcow2 "$D/$d.qcow2" 256M
    qemu-img create -q -f qcow2 "$B/ref-$d.qcow2" 256M
done
virt=kvm
[ -r /dev/kvm ] && [ -w /dev/kvm ] || virt=qemu
cat >"$WORKDIR/$VM.xml" <<EOF
<domain type='$virt'>
  <name>$VM</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$D/vda.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$D/vdb.qcow2'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
fleece define "$WORKDIR/$VM.xml"
fleece start "$VM"
fleece domblklist "$VM"

say "2. the guest writes 48 MiB"
guest_write vda 0x11 0 32M
guest_write vdb 0x22 64M 16M

say "3. full push backup + checkpoint c1"
cat >"$WORKDIR/full.xml" <<EOF
<domainbackup>
  <disks>
    <disk name='vda' type='file'><target file='$B/full-vda.qcow2'/><driver type='qcow2'/></disk>
    <disk name='vdb' type='file'><target file='$B/full-vdb.qcow2'/><driver type='qcow2'/></disk>
  </disks>
</domainbackup>
EOF
echo "<domaincheckpoint><name>c1</name></domaincheckpoint>" >"$WORKDIR/c1.xml"
t0=$(date +%s%N)
fleece backup-begin "$VM" --backupxml "$WORKDIR/full.xml" \
    --checkpointxml "$WORKDIR/c1.xml" --wait --verbose
t_full=$(secs "$t0")
fleece domjobinfo "$VM" --completed --keep-completed

say "4. more writes, then an incremental push backup since c1 + checkpoint c2"
guest_write vda 0x33 4M 2M
guest_write vdb 0x44 128M 1M
for d in vda vdb; do
    # the incremental image holds the changed blocks; its backing file is
    # the full backup, so the pair reads as the whole disk
    qemu-img create -q -f qcow2 -b "$B/full-$d.qcow2" -F qcow2 "$B/inc1-$d.qcow2"
done
cat >"$WORKDIR/inc1.xml" <<EOF
<domainbackup>
  <incremental>c1</incremental>
  <disks>
    <disk name='vda' type='file'><target file='$B/inc1-vda.qcow2'/><driver type='qcow2'/></disk>
    <disk name='vdb' type='file'><target file='$B/inc1-vdb.qcow2'/><driver type='qcow2'/></disk>
  </disks>
</domainbackup>
EOF
echo "<domaincheckpoint><name>c2</name></domaincheckpoint>" >"$WORKDIR/c2.xml"
t0=$(date +%s%N)
fleece backup-begin "$VM" "$WORKDIR/inc1.xml" --checkpointxml "$WORKDIR/c2.xml" \
    --reuse-external --wait --verbose
t_inc=$(secs "$t0")
fleece checkpoint-list "$VM" --tree

say "6a. the chain full <- incremental holds the disks as they were at c2"
for d in vda vdb; do
    echo "+ qemu-img compare $B/inc1-$d.qcow2 $B/ref-$d.qcow2"
    qemu-img compare -q "$B/inc1-$d.qcow2" "$B/ref-$d.qcow2" ||
        fail "backup chain of $d differs from the disk at c2"
    cp "$B/ref-$d.qcow2" "$B/ref-c2-$d.qcow2"
    echo "$d: full + incremental == disk at checkpoint c2"
done

say "5. more writes, then a pull backup since c2, read over NBD"
guest_write vda 0x55 100M 3M
cat >"$WORKDIR/pull.xml" <<EOF
<domainbackup mode='pull'>
  <incremental>c2</incremental>
  <server transport='unix' socket='$WORKDIR/nbd.sock'/>
  <disks>
    <disk name='vda' type='file'><scratch file='$B/scratch-vda.qcow2'/></disk>
    <disk name='vdb' backup='no'/>
  </disks>
</domainbackup>
EOF
fleece backup-begin "$VM" "$WORKDIR/pull.xml"
fleece backup-dumpxml "$VM"
nbd="nbd+unix:///vda?socket=$WORKDIR/nbd.sock"
echo "+ nbdinfo --map=qemu:dirty-bitmap:backup-vda $nbd"
nbdinfo --map=qemu:dirty-bitmap:backup-vda "$nbd" | tee "$WORKDIR/map.txt"
dirty=$(awk '$3 == 1 { s += $2 } END { print s + 0 }' "$WORKDIR/map.txt")
[ "$dirty" -ge $((3 * 1024 * 1024)) ] || fail "the dirty map shows $dirty bytes, want >= 3 MiB"
echo "+ nbdcopy $nbd $B/pull-vda.raw"
nbdcopy "$nbd" "$B/pull-vda.raw"
fleece domjobinfo "$VM"
fleece backup-end "$VM"
echo "+ qemu-img compare -f raw -F qcow2 $B/pull-vda.raw $B/ref-vda.qcow2"
qemu-img compare -q -f raw -F qcow2 "$B/pull-vda.raw" "$B/ref-vda.qcow2" ||
    fail "the pull backup of vda differs from the disk"
echo "vda: pull backup == disk at the start of the pull backup"

say "6b. restore the chain into one new image"
for d in vda vdb; do
    echo "+ qemu-img convert -O qcow2 $B/inc1-$d.qcow2 $B/restored-$d.qcow2"
    qemu-img convert -O qcow2 "$B/inc1-$d.qcow2" "$B/restored-$d.qcow2"
    qemu-img compare -q "$B/restored-$d.qcow2" "$B/ref-c2-$d.qcow2" ||
        fail "restored $d differs from its backup chain"
    echo "$d: restored image == disk at checkpoint c2"
done

say "7. clean up"
fleece destroy "$VM"
fleece undefine "$VM" --checkpoints-metadata

size() { du -h --apparent-size "$1" | cut -f1; }
total=$(secs "$START")
cat <<EOF

== summary
full backup:        vda $(size "$B/full-vda.qcow2"), vdb $(size "$B/full-vdb.qcow2") in $t_full s
incremental backup: vda $(size "$B/inc1-vda.qcow2"), vdb $(size "$B/inc1-vdb.qcow2") in $t_inc s
pull backup:        $dirty bytes changed since c2, read over NBD
verification:       backup chains, pull copy and restored images equal the disks (qemu-img compare)
total time:         $total s
backup cycle PASSED
EOF
