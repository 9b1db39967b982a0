#!/bin/bash
# daemonbench.sh: fleeced against libvirt 9.0's libvirtd, in the same run
#
#   bench/daemonbench.sh [BUILDDIR] [RUNS]      (as root; BUILDDIR: build)
#
# For each daemon, on the same kind of domain (1 GiB disk with 512 MiB of
# data, plus a small second disk):
#   - resident memory: idle after a client, during a push backup, and
#     while 20 clients poll job statistics during a pull backup (peak RSS
#     sampled every 0.1 s, and VmHWM at the end);
#   - `virsh checkpoint-create-as` wall time (median of RUNS, default 10,
#     each followed by an untimed checkpoint-delete);
#   - virDomainGetJobStats latency, p50/p99, with 20 clients polling for
#     5 s during a pull backup whose export nbdcopy reads meanwhile
#     (build/bench/daemonjobstats, libfleece's remote driver for both).
# libvirtd runs privately (bench/libvirtd-private.sh); when it cannot run
# here the fleeced figures are printed alone, with the reason.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-$HERE/../build}" && pwd)
RUNS=${2:-10}
FLEECED=$BUILD/daemon/fleeced
JOBSTATS=$BUILD/bench/daemonjobstats
TMP=$(mktemp -d /tmp/fleecedaemonbench.XXXXXX)
FPID=
LVD=

cleanup() {
    set +e
    for u in "${URIS[@]:-}"; do
        [ -n "$u" ] && virsh -c "$u" destroy benchdom >/dev/null 2>&1
    done
    [ -n "$FPID" ] && kill "$FPID" 2>/dev/null
    if [ -n "$LVD" ]; then
        "$HERE/libvirtd-private.sh" stop "$TMP/lvd" >/dev/null 2>&1
        for p in "$TMP"/lvd/run/qemu/*.pid; do
            [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
        done
    fi
    sleep 0.3
    rm -rf "$TMP"
}
trap cleanup EXIT

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
now() { date +%s%N; }

# sample_rss PID FILE: sample until FILE disappears; print the peak (kB)
sample_rss() {
    local peak=0 r
    while [ -e "$2" ]; do
        r=$(rss "$1")
        [ "$r" -gt "$peak" ] && peak=$r
        sleep 0.1
    done
    echo "$peak"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then DOMTYPE=kvm; else DOMTYPE=qemu; fi

# setup NAME URI: disks and a running domain 'benchdom' under URI
setup() {
    local d=$TMP/$1
    mkdir -p "$d"
    qemu-img create -q -f qcow2 "$d/vda.qcow2" 1G
    qemu-io -f qcow2 -c "write -P 0x5a 0 512M" "$d/vda.qcow2" >/dev/null
    qemu-img create -q -f qcow2 "$d/vdb.qcow2" 64M
    cat >"$d/dom.xml" <<EOF
<domain type='$DOMTYPE'>
  <name>benchdom</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='$d/vda.qcow2'/><target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='$d/vdb.qcow2'/><target dev='vdb' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
    virsh -q -c "$2" define "$d/dom.xml" >/dev/null
    virsh -q -c "$2" start benchdom >/dev/null
}

# measure NAME URI PID: every figure for one daemon
measure() {
    local name=$1 uri=$2 pid=$3 d=$TMP/$1 i t0 t1 out
    virsh -q -c "$uri" list >/dev/null
    sleep 1
    eval "${name}_idle=$(rss "$pid")"

    : >"$d/cp.times"
    virsh -q -c "$uri" checkpoint-create-as benchdom warm >/dev/null
    for i in $(seq 1 "$RUNS"); do
        t0=$(now)
        virsh -q -c "$uri" checkpoint-create-as benchdom "cp$i" >/dev/null
        t1=$(now)
        echo $(( (t1 - t0) / 1000 )) >>"$d/cp.times"
        virsh -q -c "$uri" checkpoint-delete benchdom "cp$i" >/dev/null
    done
    virsh -q -c "$uri" checkpoint-delete benchdom warm >/dev/null
    eval "${name}_cp=$(median <"$d/cp.times")"
    # what virsh costs without the call: start, connect, one tiny call, close
    : >"$d/uri.times"
    for i in $(seq 1 "$RUNS"); do
        t0=$(now)
        virsh -q -c "$uri" uri >/dev/null
        t1=$(now)
        echo $(( (t1 - t0) / 1000 )) >>"$d/uri.times"
    done
    eval "${name}_uri=$(median <"$d/uri.times")"
    # the call itself, on an open connection
    eval "${name}_api=$("$JOBSTATS" "$uri" benchdom checkpoint "$RUNS" | awk '{ print $5 }')"

    # a push backup of the 1 GiB disk
    cat >"$d/push.xml" <<EOF
<domainbackup><disks>
  <disk name='vda' type='file'><target file='$d/push-vda.qcow2'/><driver type='qcow2'/></disk>
  <disk name='vdb' backup='no'/>
</disks></domainbackup>
EOF
    touch "$d/sampling"
    sample_rss "$pid" "$d/sampling" >"$d/push.rss" &
    virsh -q -c "$uri" backup-begin benchdom "$d/push.xml" >/dev/null
    for i in $(seq 1 600); do
        virsh -q -c "$uri" domjobinfo benchdom --completed --keep-completed 2>/dev/null |
            grep -q "Completed" && break
        sleep 0.1
    done
    rm -f "$d/sampling"
    wait
    eval "${name}_push=$(cat "$d/push.rss")"

    # a pull backup, read by nbdcopy, polled by 20 clients
    cat >"$d/pull.xml" <<EOF
<domainbackup mode='pull'>
  <server transport='unix' socket='$d/nbd.sock'/>
  <disks>
    <disk name='vda' type='file'><scratch file='$d/scratch-vda.qcow2'/></disk>
    <disk name='vdb' backup='no'/>
  </disks>
</domainbackup>
EOF
    virsh -q -c "$uri" backup-begin benchdom "$d/pull.xml" >/dev/null
    sleep 0.5
    ( nbdcopy "nbd+unix:///vda?socket=$d/nbd.sock" null: || true ) &
    touch "$d/sampling"
    sample_rss "$pid" "$d/sampling" >"$d/poll.rss" &
    out=$("$JOBSTATS" "$uri" benchdom 20 5)
    rm -f "$d/sampling"
    wait
    virsh -q -c "$uri" domjobabort benchdom >/dev/null
    eval "${name}_poll=$(cat "$d/poll.rss")"
    eval "${name}_hwm=$(hwm "$pid")"
    eval "${name}_stats='$out'"
    eval "${name}_p50=$(echo "$out" | awk '{ print $6 }')"
    eval "${name}_p99=$(echo "$out" | awk '{ print $8 }')"
}

mkdir -p "$TMP/froot"
"$FLEECED" --root "$TMP/froot" --daemon --pidfile "$TMP/fleeced.pid"
FPID=$(cat "$TMP/fleeced.pid")
FURI="qemu+unix:///system?socket=$TMP/froot/run/libvirt-sock"
URIS=("$FURI")
setup fleeced "$FURI"

LURI=
if lvdpid=$("$HERE/libvirtd-private.sh" start "$TMP/lvd" 2>"$TMP/lvd.err"); then
    LVD=$lvdpid
    LURI="qemu+unix:///system?socket=$TMP/lvd/run/libvirt-sock"
    URIS+=("$LURI")
    setup libvirtd "$LURI"
else
    echo "no private libvirtd: $(cat "$TMP/lvd.err")"
fi

measure fleeced "$FURI" "$FPID"
[ -n "$LURI" ] && measure libvirtd "$LURI" "$LVD"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo "daemonbench ($DOMTYPE, $RUNS runs; kB figures as MB)"
printf '%-34s %-14s %-14s %s\n' "" fleeced libvirtd "fleeced/libvirtd"
if [ -n "$LURI" ]; then
    printf '%-34s %-14s %-14s %s\n' "RSS idle" "$(mb "$fleeced_idle")" "$(mb "$libvirtd_idle")" \
        "$(ratio "$fleeced_idle" "$libvirtd_idle")"
    printf '%-34s %-14s %-14s %s\n' "RSS peak, push backup" "$(mb "$fleeced_push")" \
        "$(mb "$libvirtd_push")" "$(ratio "$fleeced_push" "$libvirtd_push")"
    printf '%-34s %-14s %-14s %s\n' "RSS peak, pull + 20 pollers" "$(mb "$fleeced_poll")" \
        "$(mb "$libvirtd_poll")" "$(ratio "$fleeced_poll" "$libvirtd_poll")"
    printf '%-34s %-14s %-14s %s\n' "VmHWM at the end" "$(mb "$fleeced_hwm")" \
        "$(mb "$libvirtd_hwm")" "$(ratio "$fleeced_hwm" "$libvirtd_hwm")"
    printf '%-34s %-14s %-14s %s\n' "virsh checkpoint-create-as (med)" "$((fleeced_cp / 1000)) ms" \
        "$((libvirtd_cp / 1000)) ms" "$(ratio "$fleeced_cp" "$libvirtd_cp")"
    printf '%-34s %-14s %-14s %s\n' "  of which virsh + connect (uri)" "$((fleeced_uri / 1000)) ms" \
        "$((libvirtd_uri / 1000)) ms" "$(ratio "$fleeced_uri" "$libvirtd_uri")"
    printf '%-34s %-14s %-14s %s\n' "checkpointCreateXML, open conn." "$fleeced_api us" \
        "$libvirtd_api us" "$(ratio "$fleeced_api" "$libvirtd_api")"
    printf '%-34s %-14s %-14s %s\n' "GetJobStats p50, 20 clients" "$fleeced_p50 us" \
        "$libvirtd_p50 us" "$(ratio "$fleeced_p50" "$libvirtd_p50")"
    printf '%-34s %-14s %-14s %s\n' "GetJobStats p99, 20 clients" "$fleeced_p99 us" \
        "$libvirtd_p99 us" "$(ratio "$fleeced_p99" "$libvirtd_p99")"
    echo "fleeced:  $fleeced_stats"
    echo "libvirtd: $libvirtd_stats"
else
    echo "RSS idle $(mb "$fleeced_idle"), push peak $(mb "$fleeced_push"), pull + 20 pollers peak $(mb "$fleeced_poll"), VmHWM $(mb "$fleeced_hwm")"
    echo "virsh checkpoint-create-as median $((fleeced_cp / 1000)) ms (virsh uri $((fleeced_uri / 1000)) ms; the call alone $fleeced_api us)"
    echo "GetJobStats, 20 clients: $fleeced_stats"
fi
