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
#                 the same writes on the same kind of domain    goal <= 0.2x
#   restore       fleece-backup restore of the incremental point to qcow2
#                 vs qemu-img convert -O qcow2 of the same chain (a push
#                 full + incremental of the same domain state)  goal <= 1.1x
#
# virtnbdbackup needs a libvirt URI.  Unless FBK_BENCH_URI names a libvirt
# connection to Fleece (the fleeced daemon), it runs against a private
# libvirtd 9.0 (own mount namespace, configuration and state under the
# bench directory, only the qemu/storage/secret drivers) on a domain
# defined the same way, with a copy of the same disk.
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
for p in "$F" "$FB"; do
    [ -x "$p" ] || { echo "missing $p: build first (scripts/build)" >&2; exit 1; }
done
for p in qemu-img nbdcopy virtnbdbackup virsh libvirtd unshare; do
    command -v "$p" >/dev/null || { echo "missing $p" >&2; exit 1; }
done

# shellcheck source=tests/libvirtd-private.sh
. "$(dirname "$0")/../tests/libvirtd-private.sh"

T=$(mktemp -d /var/tmp/fbkbench.XXXXXX)
URI="qemu:///embed?root=$T/root"
LVBASE=$T/libvirt
KVM=kvm
[ -w /dev/kvm ] || KVM=qemu

cleanup() {
    set +e
    "$F" -c "$URI" destroy fbench >/dev/null 2>&1
    lv_stop
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

# ---- 3. virtnbdbackup on a private libvirtd ---------------------------------------
VNB_URI=${FBK_BENCH_URI:-}
if [ -z "$VNB_URI" ]; then
    echo "starting a private libvirtd for virtnbdbackup ..."
    lv_start "$LVBASE" || { echo "$LVERROR" >&2; exit 1; }
    VNB_URI=$LVURI
    VNB_WHERE="a private libvirtd 9.0"
else
    VNB_WHERE="$VNB_URI"
fi
domxml lvbench "$T/disks/libvirt.qcow2" > "$T/lvbench.xml"
virsh -c "$VNB_URI" -q define "$T/lvbench.xml" >/dev/null
virsh -c "$VNB_URI" -q start lvbench >/dev/null
VNB=(virtnbdbackup -U "$VNB_URI" --user u --password p -d lvbench -o "$T/vnb")
"${VNB[@]}" -l full >"$T/vnb-full.log" 2>&1 || { cat "$T/vnb-full.log" >&2; exit 1; }

# ---- 4. incrementals, alternating ------------------------------------------------------
finc=(); vinc=(); fbytes=0
for i in $(seq "$RUNS"); do
    pat=$(printf '0x%02x' $((0x40 + i)))
    writes "qemu-monitor-command fbench --hmp" "$i" "$pat" | "$F" -c "$URI" -q >/dev/null
    writes "qemu-monitor-command lvbench --hmp" "$i" "$pat" | virsh -c "$VNB_URI" -q >/dev/null
    t=$(now)
    "$FB" -c "$URI" --json run fbench "$T/repo" > "$T/inc.json"
    finc+=("$(elapsed "$t")")
    fbytes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['disks'][0]['bytes-read'])" "$T/inc.json")
    t=$(now)
    "${VNB[@]}" -l inc >"$T/vnb-inc.log" 2>&1 || { cat "$T/vnb-inc.log" >&2; exit 1; }
    vinc+=("$(elapsed "$t")")
done

# the same state as the last incremental point, as a qcow2 chain
cat > "$T/push-inc.xml" <<EOF
<domainbackup><incremental>bench0</incremental><disks><disk name='vda' type='file'>
<target file='$T/chain-inc.qcow2'/><driver type='qcow2'/></disk></disks></domainbackup>
EOF
"$F" -c "$URI" -q backup-begin fbench "$T/push-inc.xml" --wait >/dev/null
qemu-img rebase -q -u -b "$T/chain-full.qcow2" -F qcow2 "$T/chain-inc.qcow2"

# ---- 5. restore --------------------------------------------------------------------------
rfb=(); rcv=()
for i in $(seq "$RUNS"); do
    rm -f "$T/r-fbk.qcow2" "$T/r-convert.qcow2"
    sync
    t=$(now)
    "$FB" -q restore "$T/repo" fbench --to "$T/r-fbk.qcow2"
    rfb+=("$(elapsed "$t")")
    sync
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
printf '%-44s %-22s %-30s %-8s %s\n' "restore of full + incremental to qcow2" \
    "$rm_ ($rlo-$rhi)" "qemu-img convert: $cm ($clo-$chi)" "$(ratio "$rm_" "$cm")" "<= 1.1"
echo "(incremental read $((fbytes / 1048576)) MiB; virtnbdbackup ran against $VNB_WHERE)"
