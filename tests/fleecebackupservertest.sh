#!/bin/bash
# fleecebackupservertest.sh: fleece-backup through a daemon, on real QEMU:
#
#   libvirtd  a private libvirtd 9.0 (bench/libvirtd-private.sh), with the
#             sources built against libvirt itself (fleece-backup-libvirt)
#             or with fleece-backup through libfleece's remote driver;
#   fleeced   Fleece's daemon on a private root, fleece-backup through
#             libfleece's remote driver.
#
# Proves that the client needs nothing but the API libvirt and Fleece
# share (with libvirt it ends a pull backup with virDomainAbortJob), and
# behaves the same whatever serves it: full, incremental, differential,
# restores compared with offline references (qemu-io replays, qemu-img
# compare), verify, the checkpoints it keeps, auto after a deleted
# checkpoint and after QEMU was killed, a run killed mid-read rolled back.
# libvirtd is an outside oracle: without it (or root) that mode skips.
#
# Usage: fleecebackupservertest.sh libvirtd|fleeced BINARY SRCDIR [FLEECED]
# Output: TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

MODE=$1
BIN=$2
SRCDIR=$3
FLEECED=${4:-}
for p in qemu-system-x86_64 qemu-img qemu-io virsh; do
    if ! command -v "$p" >/dev/null; then
        echo "1..0 # SKIP $p not installed"
        exit 0
    fi
done

T=$(mktemp -d /tmp/fleecebackupsrv.XXXXXX)
server_started=
URI=
cleanup() {
    if [ "$MODE" = fleeced ]; then
        for p in "$T"/root/run/*.pid; do
            [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
        done
        [ -f "$T/fleeced.pid" ] && kill "$(cat "$T/fleeced.pid")" 2>/dev/null
    elif [ -n "$server_started" ]; then
        virsh -c "$URI" destroy lvfb >/dev/null 2>&1
        "$SRCDIR/../bench/libvirtd-private.sh" stop "$T/lvd" >/dev/null 2>&1
        for p in "$T"/lvd/run/qemu/*.pid; do
            [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
        done
    fi
    sleep 0.2
    rm -rf "$T"
}
trap cleanup EXIT

case $MODE in
fleeced)
    mkdir -p "$T/root"
    if ! "$FLEECED" --root "$T/root" --daemon --pidfile "$T/fleeced.pid"; then
        echo "Bail out! fleeced did not start"
        exit 1
    fi
    URI="qemu+unix:///system?socket=$T/root/run/libvirt-sock"
    QEMUPID=$T/root/run/lvfb.pid
    ;;
libvirtd)
    if ! "$SRCDIR/../bench/libvirtd-private.sh" start "$T/lvd" >/dev/null 2>"$T/lvd.err"; then
        echo "1..0 # SKIP no private libvirtd here: $(head -1 "$T/lvd.err")"
        exit 0
    fi
    server_started=yes
    URI="qemu+unix:///system?socket=$T/lvd/run/libvirt-sock"
    QEMUPID=$T/lvd/run/qemu/lvfb.pid
    ;;
*)
    echo "Bail out! unknown mode '$MODE'"
    exit 1
    ;;
esac
LVURI=$URI

REPO=$T/repo
DISKS=$T/disks
export TMPDIR=$T/tmp
mkdir -p "$DISKS" "$TMPDIR" "$T/scratch"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }
check() {   # TITLE COMMAND...
    local title=$1
    shift
    if "$@"; then ok "$title"; else notok "$title"; fi
}

fb() {   # fleece-backup-libvirt ARGS; sets OUT, ERR, RC
    OUT=$("$BIN" -c "$LVURI" "$@" 2>"$T/err")
    RC=$?
    ERR=$(cat "$T/err")
    [ "$RC" = 0 ] || { echo "fleece-backup $* -> $RC"; echo "$OUT"; echo "$ERR"; } | diag
    return "$RC"
}
json() {   # PYTHON-EXPRESSION on the last OUT as j
    python3 -c "import json,sys; j=json.loads(sys.stdin.read()); print($1)" <<<"$OUT"
}
vsh() { virsh -c "$LVURI" -q "$@"; }

# write into the guest and replay on the reference
gw() {   # DISK QEMU-IO-COMMAND
    local alias=virtio-disk0
    [ "$1" = vdb ] && alias=virtio-disk1
    vsh qemu-monitor-command lvfb --hmp "qemu-io -d $alias/virtio-backend \"$2\"" >/dev/null &&
        qemu-io -f qcow2 -c "$2" "$DISKS/ref-$1.qcow2" >/dev/null
}
remember() {   # POINT: the references are what the point holds
    cp --sparse=always "$DISKS/ref-vda.qcow2" "$DISKS/exp-$1-vda.qcow2"
    cp --sparse=always "$DISKS/ref-vdb.qcow2" "$DISKS/exp-$1-vdb.qcow2"
}
restores() {   # POINT DISK
    fb restore "$REPO" lvfb --point "$1" --disk "$2" --to "$T/r.qcow2" --force -q &&
        qemu-img compare -q "$T/r.qcow2" "$DISKS/exp-$1-$2.qcow2"
}
qemupid() { cat "$QEMUPID" 2>/dev/null; }

qemu-img create -q -f qcow2 "$DISKS/vda.qcow2" 64M
qemu-img create -q -f qcow2 "$DISKS/vdb.qcow2" 32M
cp "$DISKS/vda.qcow2" "$DISKS/ref-vda.qcow2"
cp "$DISKS/vdb.qcow2" "$DISKS/ref-vdb.qcow2"
kvm=kvm
[ -w /dev/kvm ] || kvm=qemu
cat > "$T/lvfb.xml" <<EOF
<domain type='$kvm'><name>lvfb</name><memory unit='MiB'>128</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$DISKS/vda.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$DISKS/vdb.qcow2'/><target dev='vdb' bus='virtio'/></disk>
</devices></domain>
EOF
check "$MODE defines and starts the domain" \
    eval 'vsh define "$T/lvfb.xml" >/dev/null && vsh start lvfb >/dev/null'
gw vda "write -P 0x11 0 1M"
gw vda "write -P 0x12 40M 64k"
gw vdb "write -P 0x13 4M 128k"

# 1: full
fb run lvfb "$REPO" --json --scratch-dir "$T/scratch"
check "full backup through $MODE" \
    [ "$(json "j['point'], [d['level'] for d in j['disks']], [d['bytes-read'] for d in j['disks']]")" \
      = "1 ['full', 'full'] [1114112, 131072]" ]
remember 1

# 2: incremental
gw vda "write -P 0x21 2M 64k"
gw vda "write -z 0 64k"
gw vdb "write -P 0x22 0 4k"
fb run lvfb "$REPO" --json --scratch-dir "$T/scratch"
check "incremental through $MODE reads exactly the dirty blocks" \
    [ "$(json "[d['level'] for d in j['disks']], [d['bytes-read'] for d in j['disks']]")" \
      = "['inc', 'inc'] [65536, 65536]" ]
remember 2

# 3: differential
gw vda "write -P 0x31 50M 1M"
fb run lvfb "$REPO" --level diff --json --scratch-dir "$T/scratch"
check "differential through $MODE builds on the full point" \
    [ "$(json "[(d['level'], d.get('base')) for d in j['disks']]")" = "[('diff', 1), ('diff', 1)]" ]
remember 3

ok_restores=true
for p in 1 2 3; do
    for d in vda vdb; do
        restores "$p" "$d" || { echo "point $p $d differs" | diag; ok_restores=false; }
    done
done
check "every point restores to its reference" $ok_restores
check "verify --deep" fb verify "$REPO" --deep -q
check "nothing left: no job, no private directory" \
    eval '[ -z "$(find "$TMPDIR" "$T/scratch" -mindepth 1)" ] &&
          vsh domjobinfo lvfb | grep -q "Job type: *None"'

# the repository's checkpoints: the latest point's and the full one's
want=$(fb list "$REPO" --json >/dev/null; json "' '.join(sorted({j['domains'][0]['points'][0]['checkpoint'], j['domains'][0]['points'][-1]['checkpoint']}))")
have=$(vsh checkpoint-list lvfb --name | sort | tr '\n' ' ' | sed 's/ $//')
check "only the checkpoints the chains need are kept" [ "$want" = "$have" ]
[ "$want" = "$have" ] || echo "want '$want' have '$have'" | diag

# a run killed in the middle: the next run ends its backup (abort), deletes
# its checkpoint, and goes on from the same chain
gw vda "write -P 0x41 8M 24M"
"$BIN" -c "$LVURI" -q run lvfb "$REPO" --rate-limit 4M --scratch-dir "$T/scratch" &
pid=$!
for _ in $(seq 300); do
    [ -e "$REPO/lvfb/vda/00000004.data" ] && break
    sleep 0.02
done
sleep 0.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "the killed run left its journal and its backup job" \
    eval '[ -e "$REPO/lvfb/journal.json" ] && vsh domjobinfo lvfb | grep -q Unbounded'
fb run lvfb "$REPO" --json --scratch-dir "$T/scratch"
check "the next run rolled it back and took an incremental" \
    [ "$(json "j['point'], j['disks'][0]['level'], j['disks'][0]['base']")" = "4 inc 3" ]
remember 4
check "point 4 restores to its reference" restores 4 vda
have=$(vsh checkpoint-list lvfb --name | wc -l)
check "no checkpoint of the killed run left" [ "$have" = 2 ]

# auto after the checkpoint was deleted
latest=$(fb list "$REPO" --json >/dev/null; json "j['domains'][0]['points'][-1]['checkpoint']")
vsh checkpoint-delete lvfb "$latest" >/dev/null
gw vda "write -P 0x51 60M 64k"
fb run lvfb "$REPO" --json --scratch-dir "$T/scratch"
check "auto after a deleted checkpoint: full, and why" \
    [ "$(json "j['disks'][0]['level'], 'no longer exists' in j['disks'][0]['reason']")" = "full True" ]
remember 5

# QEMU killed: its bitmaps come back inconsistent; auto takes fulls
vsh destroy lvfb >/dev/null && vsh start lvfb >/dev/null
kill -9 "$(qemupid)" 2>/dev/null
for _ in $(seq 100); do vsh domstate lvfb | grep -q "shut off" && break; sleep 0.1; done
vsh start lvfb >/dev/null
gw vdb "write -P 0x61 6M 64k"
fb run lvfb "$REPO" --json --scratch-dir "$T/scratch"
reasons=$(json "' | '.join(d['level'] + ': ' + d['reason'] for d in j['disks'])")
echo "$reasons" | diag
check "auto after QEMU was killed: full of each broken disk, and why" \
    [ "$(json "[d['level'] for d in j['disks']]")" = "['full', 'full']" ]
remember 6
check "point 6 restores to its reference" eval 'restores 6 vda && restores 6 vdb'
check "verify after everything" fb verify "$REPO" -q

echo "1..$n"
[ "$failed" = 0 ]
