#!/bin/bash
# fleece-backup-bench.sh: fleece-backup against the references of issue 14,
# side by side in one run, on a disk of random data (default 2 GiB):
#
#   full read     fleece-backup run --level full (the whole command: begin,
#                 read, end, sync, commit) vs nbdcopy -C 4 of the same pull
#                 export to a file, plain and with --flush (fleece-backup's
#                 data is synced before the point is committed)
#                                                               goal <= 1.05x
#   incremental   fleece-backup run (auto -> inc) after 100 MiB of writes
#                 scattered in 64 KiB pieces, vs virtnbdbackup -l inc after
#                 the same writes on a domain of the same kind, through
#                 fleeced on the same root (fleece-backup is also timed
#                 through fleeced)                              goal <= 0.2x
#   restore       fleece-backup restore of the incremental point to qcow2
#                 vs qemu-img convert -O qcow2 of the same chain (a push
#                 full + incremental of the same domain state)  goal <= 1.1x
#
# virtnbdbackup needs a libvirt URI: fleeced, started on the bench's root.
# FBK_BENCH_LIBVIRTD=1 runs it against a private libvirtd 9.0 instead
# (bench/libvirtd-private.sh), FBK_BENCH_URI=URI against any libvirt URI.
#
# Each measurement is repeated (RUNS, default 3) alternating the two
# sides; medians are printed with min-max.  Run as root.
#
# Usage: bench/fleece-backup-bench.sh [BUILDDIR] [SIZE_MIB] [RUNS]
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

BUILD=$(cd "${1:-build}" && pwd)
SIZE=${2:-2048}
RUNS=${3:-3}
F=$BUILD/tools/fleece
FB=$BUILD/tools/fleece-backup
FLEECED=$BUILD/daemon/fleeced
for p in "$F" "$FB" "$FLEECED"; do
    [ -x "$p" ] || { echo "missing $p: build first (scripts/build)" >&2; exit 1; }
done
for p in qemu-img nbdcopy virtnbdbackup virsh; do
    command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done

HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /var/tmp/fbkbench.XXXXXX)
URI="qemu:///embed?root=$T/root"
DURI="qemu+unix:///system?socket=$T/root/run/libvirt-sock"
lvd_started=
KVM=kvm
[ -w /dev/kvm ] || KVM=qemu

cleanup() {
    set +e
    "$F" -c "$URI" destroy fbench >/dev/null 2>&1
    "$F" -c "$URI" destroy vbench >/dev/null 2>&1
    [ -f "$T/fleeced.pid" ] && kill "$(cat "$T/fleeced.pid")" 2>/dev/null
    if [ -n "$lvd_started" ]; then
        virsh -c "$VNB_URI" destroy vbench >/dev/null 2>&1
        "$HERE/libvirtd-private.sh" stop "$T/lvd" >/dev/null 2>&1
    fi
    rm -rf "$T"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.3f", a - b }'; }

# median and range of a list of numbers
stats() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {
        m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
        printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

domxml() {   # NAME IMAGE
    cat <<EOF
<domain type='$KVM'><name>$1</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$2'/><target dev='vda' bus='virtio'/></disk></devices></domain>
EOF
}

# 100 MiB of 64 KiB writes at distinct random offsets, as HMP commands
# (one per line) for a shell that reads commands on stdin.
writes() {   # TOOL-PREFIX SEED PATTERN
    local blocks=$((SIZE * 16))
    shuf -i 0-$((blocks - 1)) -n 1600 --random-source=<(yes "$2") | while read -r b; do
        echo "$1 'qemu-io -d virtio-disk0/virtio-backend \"write -P $3 $((b * 65536)) 64k\"'"
    done
}

echo "preparing a $SIZE MiB disk of random data in $T ..."
mkdir -p "$T/root" "$T/disks"
head -c "${SIZE}M" /dev/urandom > "$T/rand.raw"
qemu-img convert -q -f raw -O qcow2 "$T/rand.raw" "$T/disks/fleece.qcow2"
qemu-img convert -q -f raw -O qcow2 "$T/rand.raw" "$T/disks/libvirt.qcow2"
rm "$T/rand.raw"
domxml fbench "$T/disks/fleece.qcow2" > "$T/fbench.xml"
"$F" -c "$URI" -q define "$T/fbench.xml" >/dev/null
"$F" -c "$URI" -q start fbench >/dev/null

# ---- 1. full read ----------------------------------------------------------------
cat > "$T/pull.xml" <<EOF
<domainbackup mode='pull'><server transport='unix' socket='$T/nbd.sock'/>
<disks><disk name='vda'/></disks></domainbackup>
EOF
nbd=(); nbdf=(); fbk=()
for i in $(seq "$RUNS"); do
    "$F" -c "$URI" -q backup-begin fbench "$T/pull.xml" >/dev/null
    t=$(now)
    nbdcopy -C 4 "nbd+unix:///vda?socket=$T/nbd.sock" "$T/nbdcopy.raw"
    nbd+=("$(elapsed "$t")")
    rm -f "$T/nbdcopy.raw"
    sync
    # the same, with the copy made durable as fleece-backup makes it
    t=$(now)
    nbdcopy -C 4 --flush "nbd+unix:///vda?socket=$T/nbd.sock" "$T/nbdcopy.raw"
    nbdf+=("$(elapsed "$t")")
    "$F" -c "$URI" -q backup-end fbench >/dev/null
    rm -f "$T/nbdcopy.raw"
    sync

    t=$(now)
    "$FB" -c "$URI" -q run fbench "$T/repo-full" --level full
    fbk+=("$(elapsed "$t")")
    rm -rf "$T/repo-full"
    sync
done

# ---- 2. the chain: fleece-backup full + inc, push full + inc -------------------
"$FB" -c "$URI" -q run fbench "$T/repo" --level full
cat > "$T/push-full.xml" <<EOF
<domainbackup><disks><disk name='vda' type='file'><target file='$T/chain-full.qcow2'/>
<driver type='qcow2'/></disk></disks></domainbackup>
EOF
echo "<domaincheckpoint><name>bench0</name></domaincheckpoint>" > "$T/ck0.xml"
"$F" -c "$URI" -q backup-begin fbench "$T/push-full.xml" --checkpointxml "$T/ck0.xml" --wait >/dev/null

# ---- 3. virtnbdbackup through fleeced (or libvirtd) ---------------------------------
"$FLEECED" --root "$T/root" --daemon --pidfile "$T/fleeced.pid"
VNB_URI=${FBK_BENCH_URI:-}
if [ -n "$VNB_URI" ]; then
    VNB_WHERE="$VNB_URI"
elif [ "${FBK_BENCH_LIBVIRTD:-}" = 1 ]; then
    echo "starting a private libvirtd for virtnbdbackup ..."
    "$HERE/libvirtd-private.sh" start "$T/lvd" >/dev/null
    lvd_started=yes
    VNB_URI="qemu+unix:///system?socket=$T/lvd/run/libvirt-sock"
    VNB_WHERE="a private libvirtd 9.0"
else
    VNB_URI=$DURI
    VNB_WHERE="fleeced on the same root"
fi
domxml vbench "$T/disks/libvirt.qcow2" > "$T/vbench.xml"
virsh -c "$VNB_URI" -q define "$T/vbench.xml" >/dev/null
virsh -c "$VNB_URI" -q start vbench >/dev/null
VNB=(virtnbdbackup -U "$VNB_URI" --user u --password p -d vbench -o "$T/vnb")
"${VNB[@]}" -l full >"$T/vnb-full.log" 2>&1 || { cat "$T/vnb-full.log" >&2; exit 1; }

# ---- 4. incrementals, alternating ------------------------------------------------------
finc=(); dinc=(); vinc=(); fbytes=0
for i in $(seq "$RUNS"); do
    pat=$(printf '0x%02x' $((0x40 + i)))
    writes "qemu-monitor-command fbench --hmp" "$i" "$pat" | "$F" -c "$URI" -q >/dev/null
    writes "qemu-monitor-command vbench --hmp" "$i" "$pat" | virsh -c "$VNB_URI" -q >/dev/null
    t=$(now)
    "$FB" -c "$URI" --json run fbench "$T/repo" > "$T/inc.json"
    finc+=("$(elapsed "$t")")
    fbytes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['disks'][0]['bytes-read'])" "$T/inc.json")
    t=$(now)
    "${VNB[@]}" -l inc >"$T/vnb-inc.log" 2>&1 || { cat "$T/vnb-inc.log" >&2; exit 1; }
    vinc+=("$(elapsed "$t")")
    # fleece-backup again, through the daemon, after the same writes
    writes "qemu-monitor-command fbench --hmp" "$((i + 100))" "$pat" | "$F" -c "$URI" -q >/dev/null
    t=$(now)
    "$FB" -c "$DURI" -q run fbench "$T/repo"
    dinc+=("$(elapsed "$t")")
done

# the same state as the last incremental point, as a qcow2 chain
cat > "$T/push-inc.xml" <<EOF
<domainbackup><incremental>bench0</incremental><disks><disk name='vda' type='file'>
<target file='$T/chain-inc.qcow2'/><driver type='qcow2'/></disk></disks></domainbackup>
EOF
"$F" -c "$URI" -q backup-begin fbench "$T/push-inc.xml" --wait >/dev/null
qemu-img rebase -q -u -b "$T/chain-full.qcow2" -F qcow2 "$T/chain-inc.qcow2"

# ---- 5. restore --------------------------------------------------------------------------
# both read their sources from the disk, not from the page cache
evict() {
    sync
    python3 -c 'import os, sys
for f in sys.argv[1:]:
    fd = os.open(f, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)' "$@"
}
rfb=(); rcv=()
for i in $(seq "$RUNS"); do
    rm -f "$T/r-fbk.qcow2" "$T/r-convert.qcow2"
    evict "$T"/repo/fbench/vda/* "$T/chain-full.qcow2" "$T/chain-inc.qcow2"
    t=$(now)
    "$FB" -q restore "$T/repo" fbench --to "$T/r-fbk.qcow2"
    rfb+=("$(elapsed "$t")")
    evict "$T"/repo/fbench/vda/* "$T/chain-full.qcow2" "$T/chain-inc.qcow2"
    t=$(now)
    qemu-img convert -O qcow2 "$T/chain-inc.qcow2" "$T/r-convert.qcow2"
    rcv+=("$(elapsed "$t")")
done
qemu-img compare -q "$T/r-fbk.qcow2" "$T/r-convert.qcow2" ||
    { echo "restore and qemu-img convert differ!" >&2; exit 1; }

# ---- results -------------------------------------------------------------------------------
read -r nm nlo nhi <<<"$(stats "${nbd[@]}")"
read -r nfm nflo nfhi <<<"$(stats "${nbdf[@]}")"
read -r fm flo fhi <<<"$(stats "${fbk[@]}")"
read -r im ilo ihi <<<"$(stats "${finc[@]}")"
read -r vm vlo vhi <<<"$(stats "${vinc[@]}")"
read -r dm dlo dhi <<<"$(stats "${dinc[@]}")"
read -r rm_ rlo rhi <<<"$(stats "${rfb[@]}")"
read -r cm clo chi <<<"$(stats "${rcv[@]}")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

echo
echo "fleece-backup bench: $SIZE MiB random disk, $RUNS runs each, medians (min-max) in seconds"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %-22s %-30s %-8s %s\n' "measurement" "fleece-backup" "reference" "ratio" "goal"
printf '%-44s %-22s %-30s %-8s %s\n' "full read (run --level full)" \
    "$fm ($flo-$fhi)" "nbdcopy -C 4: $nm ($nlo-$nhi)" "$(ratio "$fm" "$nm")" "<= 1.05"
printf '%-44s %-22s %-30s %-8s %s\n' "  the same, reference made durable" \
    "$fm ($flo-$fhi)" "nbdcopy --flush: $nfm ($nflo-$nfhi)" "$(ratio "$fm" "$nfm")" ""
printf '%-44s %-22s %-30s %-8s %s\n' "incremental after 100 MiB scattered writes" \
    "$im ($ilo-$ihi)" "virtnbdbackup: $vm ($vlo-$vhi)" "$(ratio "$im" "$vm")" "<= 0.2"
printf '%-44s %-22s %-30s %-8s %s\n' "  fleece-backup through fleeced" \
    "$dm ($dlo-$dhi)" "virtnbdbackup: $vm ($vlo-$vhi)" "$(ratio "$dm" "$vm")" ""
printf '%-44s %-22s %-30s %-8s %s\n' "restore of full + incremental to qcow2" \
    "$rm_ ($rlo-$rhi)" "qemu-img convert: $cm ($clo-$chi)" "$(ratio "$rm_" "$cm")" "<= 1.1"
echo "(incremental read $((fbytes / 1048576)) MiB; virtnbdbackup ran against $VNB_WHERE)"
