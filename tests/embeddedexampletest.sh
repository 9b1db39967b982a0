#!/bin/bash
# A program written for libvirt's embedded driver (examples/embedded-backup.c),
# built against Fleece's headers and library unchanged, runs a checkpoint +
# full + incremental backup cycle and sees the job-completed events.
# TAP output.  Usage: embeddedexampletest.sh PROGRAM
set -u
prog=$1
if ! command -v qemu-system-x86_64 >/dev/null || ! command -v qemu-img >/dev/null; then
    echo "1..0 # SKIP QEMU not installed"
    exit 0
fi
dir=$(mktemp -d /tmp/fleece-embedded-XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/root" "$dir/backups"
qemu-img create -q -f qcow2 "$dir/a.qcow2" 32M
qemu-img create -q -f qcow2 "$dir/b.qcow2" 32M

out=$("$prog" "$dir/root" "$dir/a.qcow2" "$dir/b.qcow2" "$dir/backups" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
n=0
check() {
    n=$((n + 1))
    if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
check "the libvirt program ran to its end" '[ $rc -eq 0 ] && [[ "$out" == *"example finished"* ]]'
check "two job-completed events, both successful" \
      '[ "$(grep -c "job completed on embedded: success=1" <<<"$out")" = 2 ]'
check "full and incremental targets written" \
      '[ -s "$dir/backups/full-vda.qcow2" ] && [ -s "$dir/backups/inc-vdb.qcow2" ]'
check "full backup equals the disk" 'qemu-img compare -q "$dir/backups/full-vda.qcow2" "$dir/a.qcow2"'
check "no QEMU left running for this root" '! pgrep -f "$dir/root" >/dev/null'
echo "1..$n"
