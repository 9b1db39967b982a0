#!/bin/bash
# clitest.sh: the fleece tool run as a user runs it, on real QEMU, against
# a temporary root (-c qemu:///embed?root=DIR).  Every command: its output
# compared with virsh's layout, --help, a usage error, an API error (exit
# 1 and exactly one 'error:' line), read-only refusal.  A command the
# library reports as not supported fails its case like any other error.
#
# The same cases run against fleeced on the temporary root
# (-c qemu+unix:///system?socket=ROOT/run/libvirt-sock) through libvirt's
# own virsh (mode virsh) and through fleece's remote driver (mode remote):
# the outputs must be the same as fleece's.  The few cases where virsh
# itself prints something else, or lacks a Fleece option, say so and what
# virsh prints.
#
# Usage: clitest.sh FLEECE_BINARY SRCDIR [virsh|remote FLEECED_BINARY]
# Output: TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

FLEECE=$1
SRCDIR=$2
MODE=${3:-fleece}
FLEECED=${4:-}

if ! command -v qemu-img >/dev/null || ! command -v qemu-system-x86_64 >/dev/null; then
    echo "1..0 # SKIP qemu-img or qemu-system-x86_64 missing"
    exit 0
fi
if [ "$MODE" = virsh ] && ! command -v virsh >/dev/null; then
    echo "1..0 # SKIP virsh (libvirt-clients) is not installed"
    exit 0
fi

TMP=$(mktemp -d /tmp/fleececlitest.XXXXXX)
ROOT=$TMP/root
DISKS=$TMP/disks
mkdir -p "$ROOT" "$DISKS"
DAEMON_PID=

cleanup() {
    # kill every QEMU this test started, by the pid in its status files
    for p in "$ROOT"/run/*.pid; do
        [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
    done
    if [ -n "$DAEMON_PID" ]; then
        kill "$DAEMON_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$DAEMON_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

if [ "$MODE" != fleece ]; then
    # libvirt's virsh, or fleece's remote driver, against fleeced
    CLIENT=$FLEECE
    [ "$MODE" = virsh ] && CLIENT=virsh
    URI="qemu+unix:///system?socket=$ROOT/run/libvirt-sock"
    if ! "$FLEECED" --root "$ROOT" --daemon --pidfile "$TMP/fleeced.pid"; then
        echo "Bail out! fleeced did not start"
        exit 1
    fi
    DAEMON_PID=$(cat "$TMP/fleeced.pid")
else
    CLIENT=$FLEECE
    URI="qemu:///embed?root=$ROOT"
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }

# run ARGS...: runs fleece on the test root; sets OUT, ERR, RC
run() {
    OUT=$("$CLIENT" -c "$URI" "$@" 2>"$TMP/err")
    RC=$?
    ERR=$(cat "$TMP/err")
}

# expect TITLE WANT: the last run succeeded, printed WANT and no error
expect() {
    if [ "$RC" = 0 ] && [ "$OUT" = "$2" ] && [ -z "$ERR" ]; then
        ok "$1"
    else
        notok "$1"
        { echo "rc=$RC"; echo "--- want"; echo "$2"; echo "--- got"; echo "$OUT";
          echo "--- stderr"; echo "$ERR"; } | diag
    fi
}

# expect_error TITLE FRAGMENT: the last run failed with exit 1 and exactly
# one 'error:' line on stderr containing FRAGMENT.  virsh puts a line of
# its own ("error: Failed to start domain 'testvm'") before the error the
# connection reported: through virsh the last line has to hold FRAGMENT.
expect_error() {
    local lines want=1
    lines=$(printf '%s\n' "$ERR" | grep -c '^error: ')
    if [ "$MODE" = virsh ] && [ "$lines" = 2 ] &&
       printf '%s\n' "$ERR" | head -1 | grep -qE '^error: (Failed|Unable) to'; then
        want=2
    fi
    if [ "$RC" = 1 ] && [ "$lines" = "$want" ] && [ "$(printf '%s\n' "$ERR" | wc -l)" = "$want" ] &&
       printf '%s' "$ERR" | tail -1 | grep -qF -- "$2"; then
        ok "$1"
    else
        notok "$1"
        { echo "rc=$RC want 1, error lines $lines, want fragment: $2"; echo "$ERR"; } | diag
    fi
}

# layout TITLE STDOUT STDERR ARGS...: fleece ARGS prints exactly these
# bytes, as virsh 9.0 does for the same command (write them with $'...'):
# virsh ends the output of every command that ran, failed or not, with an
# empty line, and prints libvirt's error text as it is
layout() {
    local title=$1 want_out=$2 want_err=$3
    shift 3
    "$CLIENT" -c "$URI" "$@" >"$TMP/lay.out" 2>"$TMP/lay.err"
    printf '%s' "$want_out" >"$TMP/lay.wout"
    printf '%s' "$want_err" >"$TMP/lay.werr"
    if cmp -s "$TMP/lay.out" "$TMP/lay.wout" && cmp -s "$TMP/lay.err" "$TMP/lay.werr"; then
        ok "$title"
    else
        notok "$title"
        { echo "--- want stdout"; od -c "$TMP/lay.wout"; echo "--- got stdout"; od -c "$TMP/lay.out"
          echo "--- want stderr"; cat "$TMP/lay.werr"; echo "--- got stderr"; cat "$TMP/lay.err"; } | diag
    fi
}

# pick FLEECE_VALUE VIRSH_VALUE: what the client of this run prints where
# virsh's own wording differs from fleece's (nothing the connection said)
pick() {
    if [ "$MODE" = virsh ]; then printf '%s' "$2"; else printf '%s' "$1"; fi
}

# ---- the tool itself ---------------------------------------------------------

if [ "$MODE" != virsh ]; then
    run --version
    expect "--version" "0.1.0"

    run help
    if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "Checkpoint (help keyword 'checkpoint')"; then
        ok "help lists the groups"
    else
        notok "help lists the groups"
    fi
    COMMANDS=$(printf '%s\n' "$OUT" | awk '/^    [a-z]/ { print $1 }')

    for c in $COMMANDS; do
        run "$c" --help
        if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "^    $c - " &&
           printf '%s' "$OUT" | grep -q "SYNOPSIS"; then
            ok "$c --help"
        else
            notok "$c --help"
            echo "$OUT$ERR" | diag
        fi
    done

    run frobnicate
    expect_error "unknown command" "unknown command: 'frobnicate'"
    run list --bogus
    expect_error "unknown option names the option" "doesn't support option --bogus"
    run dominfo
    expect_error "missing required option" "requires the --domain option"
    run event --event lifecycle --timeout soon
    expect_error "malformed number" "'--timeout'"
    run domstate a b c
    expect_error "too many arguments" "unexpected data 'b'"
    run checkpoint-create testvm --redefine
    expect_error "--redefine needs --xmlfile" "option --redefine requires option --xmlfile"
    run backup-begin testvm --verbose
    expect_error "--verbose needs --wait" "option --verbose requires option --wait"
    run "list --all --name; frobnicate; list --all --name"
    if [ "$RC" = 0 ] && [ "$(printf '%s\n' "$ERR" | grep -c '^error:')" = 1 ]; then
        ok "';' runs every command, the status is the last one's"
    else
        notok "';' runs every command, the status is the last one's"
    fi
    run "list --all --name; frobnicate"
    expect_error "a failing last command fails the call" "unknown command"
fi
# (virsh's own version, help texts and usage checks are virsh's business)

# ---- domain commands ----------------------------------------------------------

qemu-img create -q -f qcow2 "$DISKS/vda.qcow2" 64M
qemu-img create -q -f qcow2 "$DISKS/vdb.qcow2" 64M
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then domtype=kvm; else domtype=qemu; fi
sed -e "s#DISKDIR#$DISKS#" -e "s/type='kvm'/type='$domtype'/" \
    "$SRCDIR/data/testvm.xml" >"$TMP/dom.xml"

run define "$TMP/dom.xml"
expect "define" "Domain 'testvm' defined from $TMP/dom.xml"

OUT=$("$CLIENT" -r -c "$URI" undefine testvm 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "read-only connection refuses undefine" "read only access"
OUT=$("$CLIENT" -r -c "$URI" start testvm 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "read-only connection refuses start" "read only access"
OUT=$("$CLIENT" -r -c "$URI" list --all --name 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect "read-only connection lists" "testvm"
if [ "$MODE" != fleece ]; then
    # the daemon's read-only socket makes every connection read-only
    ROURI="qemu+unix:///system?socket=$ROOT/run/libvirt-sock-ro"
    OUT=$("$CLIENT" -c "$ROURI" undefine testvm 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
    expect_error "the read-only socket refuses undefine" "read only access"
    OUT=$("$CLIENT" -c "$ROURI" list --all --name 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
    expect "the read-only socket lists" "testvm"
fi

run list --all
expect "list --all (virsh layout)" " Id   Name     State
-------------------------
 -    testvm   shut off"

run list --all --name
expect "list --all --name" "testvm"
run list
expect "list (running only, none)" " Id   Name   State
--------------------"
run list --with-checkpoint --all --name
expect "list --with-checkpoint (none yet)" ""

run dominfo testvm
expect "dominfo of a shut off domain" "Id:             -
Name:           testvm
UUID:           5f0c2a8e-9d41-4b7a-8c3e-2b6f1d0e7a93
OS Type:        hvm
State:          shut off
CPU(s):         1
Max memory:     262144 KiB
Used memory:    262144 KiB
Persistent:     yes
Autostart:      disable
Managed save:   no"

run domstate 5f0c2a8e-9d41-4b7a-8c3e-2b6f1d0e7a93 --reason
expect "domstate by UUID --reason" "shut off (unknown)"

dashes() { printf -- '-%.0s' $(seq 1 "$1"); }
run domblklist testvm --details
expect "domblklist --details" " Type   Device   Target   Source
$(dashes $(( 4 + 6 + 6 + ${#DISKS} + 10 + 12 )))
 file   disk     vda      $DISKS/vda.qcow2
 file   disk     vdb      $DISKS/vdb.qcow2"

run domblklist --domain=testvm
expect "domblklist --domain=VALUE" " Target   Source
$(dashes $(( 6 + ${#DISKS} + 10 + 6 )))
 vda      $DISKS/vda.qcow2
 vdb      $DISKS/vdb.qcow2"

run dumpxml testvm --inactive
if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "<name>testvm</name>" &&
   printf '%s' "$OUT" | grep -q "$DISKS/vdb.qcow2"; then
    ok "dumpxml --inactive"
else
    notok "dumpxml --inactive"
fi

run dominfo nosuchdomain
expect_error "dominfo of an unknown domain" "nosuchdomain"
run domjobinfo testvm
expect "domjobinfo of an inactive domain" "Job type:         None        "
run destroy testvm
expect_error "destroy of an inactive domain" "not running"
run qemu-monitor-command testvm '{"execute":"query-status"}'
expect_error "qemu-monitor-command on an inactive domain" "not running"

run start testvm --paused
expect "start --paused" "Domain 'testvm' started"
run domstate testvm --reason
expect "domstate of a paused domain" "paused (user)"
run resume testvm
expect "resume" "Domain 'testvm' resumed"
run start testvm
expect_error "start of a running domain" "$(pick "already running" "Domain is already active")"
run list
expect "list shows the running domain" " Id   Name     State
------------------------
 1    testvm   running"
run -q list
OUT=$("$CLIENT" -q -c "$URI" "list; domstate testvm" 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect "-q: no header, no blank lines" " 1   testvm   running
running"
run suspend 1
expect "suspend by id" "$(pick "Domain 'testvm' suspended" "Domain '1' suspended")"
run domstate testvm --reason
expect "domstate --reason after suspend" "paused (user)"
run resume testvm
run domstate testvm --reason
expect "domstate --reason after resume" "running (unpaused)"

# QEMU's whole reply, with the id the client gave the command (its
# number differs from run to run)
run qemu-monitor-command testvm --pretty '{"execute":"query-status"}'
OUT=$(printf '%s\n' "$OUT" | sed -E 's/"(fleece|libvirt)-[0-9]+"/"ID"/')
expect "qemu-monitor-command --pretty" '{
  "return": {
    "status": "running",
    "singlestep": false,
    "running": true
  },
  "id": "ID"
}'
# an error reply of QEMU is the command's output, not a failure
run qemu-monitor-command testvm '{"execute":"no-such-command"}'
OUT=$(printf '%s\n' "$OUT" | sed -E 's/"(fleece|libvirt)-[0-9]+"/"ID"/')
expect "qemu-monitor-command passes QEMU's error reply on" \
    '{"id":"ID","error":{"class":"CommandNotFound","desc":"The command no-such-command has not been found"}}'
layout "qemu-monitor-command --hmp with several words: the reply, a newline, virsh's empty line" \
    $'VM status: running\r\n\n\n' '' qemu-monitor-command testvm --hmp info status
layout "a failed lookup: virsh's message, and the empty line on stdout" \
    $'\n' $'error: failed to get domain \'nosuch\'\n' dominfo nosuch
run domid testvm
DOMID=$OUT
if [ "$RC" = 0 ] && [ "$DOMID" -ge 1 ] 2>/dev/null; then ok "domid"; else notok "domid"; fi
layout "domname by id" $'testvm\n\n' '' domname "$DOMID"
layout "domuuid" $'5f0c2a8e-9d41-4b7a-8c3e-2b6f1d0e7a93\n\n' '' domuuid testvm
run qemu-monitor-command testvm --hmp --pretty info
expect_error "--hmp and --pretty are exclusive" "Options --hmp and --pretty are mutually exclusive"
# virsh's wrapping of words into a QMP command: a name, then arguments as
# JSON members; --return-value prints the 'return' member only, without
# the empty line
run qemu-monitor-command testvm query-block-jobs
OUT=$(printf '%s\n' "$OUT" | sed -E 's/"(fleece|libvirt)-[0-9]+"/"ID"/')
expect "qemu-monitor-command NAME" '{"return":[],"id":"ID"}'
run qemu-monitor-command testvm query-status '"nosuch":1'
OUT=$(printf '%s\n' "$OUT" | sed -E 's/"(fleece|libvirt)-[0-9]+"/"ID"/')
expect "qemu-monitor-command NAME MEMBERS" \
    '{"id":"ID","error":{"class":"GenericError","desc":"Parameter '"'nosuch'"' is unexpected"}}'
# (virsh adds its JSON parser's message on more lines)
run qemu-monitor-command testvm query-status foo=bar
if [ "$RC" = 1 ] && printf '%s\n' "$ERR" | head -1 |
        grep -qxF "error: failed to wrap arguments 'foo=bar' into a QMP command wrapper"; then
    ok "qemu-monitor-command NAME with arguments that are not JSON"
else
    notok "qemu-monitor-command NAME with arguments that are not JSON"
    { echo "rc=$RC"; echo "$ERR"; } | diag
fi
layout "qemu-monitor-command --return-value: the value, no empty line" \
    $'{"status":"running","singlestep":false,"running":true}\n' '' \
    qemu-monitor-command testvm --return-value query-status
run qemu-monitor-command testvm --return-value no-such-command
expect_error "qemu-monitor-command --return-value of an error reply" "'return' member missing"
# one word that is not a JSON object is a command name, as in virsh
run qemu-monitor-command testvm 'not json'
OUT=$(printf '%s\n' "$OUT" | sed -E 's/"(fleece|libvirt)-[0-9]+"/"ID"/')
expect "qemu-monitor-command with a word that is not JSON" \
    '{"id":"ID","error":{"class":"CommandNotFound","desc":"The command not json has not been found"}}'
run domfsfreeze testvm
if [ "$RC" = 1 ] && [ "$(printf '%s\n' "$ERR" | grep -vc '^error: Unable to')" = 1 ]; then
    ok "domfsfreeze without a guest agent fails with one error"
else
    notok "domfsfreeze without a guest agent fails with one error"
fi

run event --event lifecycle --timeout 1
if [ "$RC" = 1 ] && [ "$OUT" = "event loop timed out
events received: 0" ]; then ok "event --timeout"; else notok "event --timeout"; fi
run event --event nosuch
expect_error "event with an unknown name" "$(pick "unknown event type 'nosuch'" "unknown event type nosuch")"
run event --list
if [ "$MODE" = virsh ]; then
    # virsh lists every event libvirt knows
    if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx lifecycle &&
       printf '%s\n' "$OUT" | grep -qx job-completed; then
        ok "event --list"
    else
        notok "event --list"
    fi
else
    expect "event --list" "lifecycle
job-completed"
fi

run domjobabort testvm
expect_error "domjobabort without a job" "no job is active"
run domjobinfo testvm
expect "domjobinfo without a job" "Job type:         None        "

if [ "$MODE" != virsh ]; then
    OUT=$(printf 'domstate testvm\nlist --all --name\nquit\nlist\n' | "$CLIENT" -c "$URI" 2>"$TMP/err"); RC=$?
    ERR=$(cat "$TMP/err")
    expect "commands from standard input" "running

testvm"
fi
# (virsh's interactive shell prints its own banner and prompts)

# ---- checkpoints ---------------------------------------------------------------

run checkpoint-create-as testvm c9 "a description" --print-xml --diskspec vda,checkpoint=bitmap,bitmap=map1 vdb,checkpoint=no
expect "checkpoint-create-as --print-xml" "<domaincheckpoint>
  <name>c9</name>
  <description>a description</description>
  <disks>
    <disk name='vda' checkpoint='bitmap' bitmap='map1'/>
    <disk name='vdb' checkpoint='no'/>
  </disks>
</domaincheckpoint>"
run checkpoint-create-as testvm --print-xml --diskspec vda,colour=red
expect_error "checkpoint-create-as with a bad diskspec" "$(pick "unknown key 'colour'" "unable to parse diskspec")"

run checkpoint-create-as testvm c1
expect "checkpoint-create-as" "Domain checkpoint c1 created"

echo "<domaincheckpoint><name>c2</name><description>second</description></domaincheckpoint>" >"$TMP/c2.xml"
run checkpoint-create testvm "$TMP/c2.xml"
expect "checkpoint-create FILE" "Domain checkpoint c2 created from '$TMP/c2.xml'"
run checkpoint-create-as testvm c3
run checkpoint-create-as testvm c1
expect_error "checkpoint-create-as with a name in use" "'c1'"
run checkpoint-list testvm --name
expect "checkpoint-list --name" "c1
c2
c3"
run checkpoint-list testvm --tree
expect "checkpoint-list --tree" "c1
  |
  +- c2
      |
      +- c3
        "
run checkpoint-list testvm --parent
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | sed -n 1,2p | grep -q '^ Name   Creation Time               Parent$' &&
   printf '%s\n' "$OUT" | grep -qE '^ c2     [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} [+-][0-9]{4}   c1$'; then
    ok "checkpoint-list --parent layout"
else
    notok "checkpoint-list --parent layout"; echo "$OUT" | diag
fi
run checkpoint-list testvm --leaves --name
expect "checkpoint-list --leaves" "c3"
run checkpoint-list testvm --roots --name
expect "checkpoint-list --roots" "c1"
run checkpoint-list testvm --from c1 --name
expect "checkpoint-list --from" "c2"
run checkpoint-list testvm --from c1 --descendants --name
expect "checkpoint-list --from --descendants" "c2
c3"
run checkpoint-list testvm --tree --name
expect_error "checkpoint-list --tree --name" "mutually exclusive"
run checkpoint-info testvm c2
expect "checkpoint-info" "Name:           c2
Domain:         testvm
Parent:         c1
Children:       1
Descendants:    1"
run checkpoint-parent testvm c2
expect "checkpoint-parent" "c1"
run checkpoint-parent testvm c1
expect_error "checkpoint-parent of a root" "no parent"
run checkpoint-dumpxml testvm c2 --no-domain
if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "<description>second</description>" &&
   ! printf '%s' "$OUT" | grep -qE '<domain[ >]'; then
    ok "checkpoint-dumpxml --no-domain"
else
    notok "checkpoint-dumpxml --no-domain"; echo "$OUT$ERR" | diag
fi
OUT=$(EDITOR=true "$CLIENT" -c "$URI" checkpoint-edit testvm c2 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect "checkpoint-edit without a change" "Checkpoint c2 XML configuration not changed."
OUT=$("$CLIENT" -r -c "$URI" checkpoint-delete testvm c3 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "read-only connection refuses checkpoint-delete" "read only access"
layout "checkpoint-info of an unknown checkpoint" $'\n' \
    $'error: Domain checkpoint not found: no domain checkpoint with matching name \'nosuch\'\n' \
    checkpoint-info testvm nosuch
echo "<domaincheckpoint><name>x</name><bogus/></domaincheckpoint>" >"$TMP/badcp.xml"
SCHEMAS=$(cd "$SRCDIR/../src/conf/schemas" && pwd)
layout "a schema failure: libxml2's messages one per line, as virsh prints them" $'\n' \
    "error: XML document failed to validate against schema: Unable to validate doc against $SCHEMAS/domaincheckpoint.rng
Element domaincheckpoint has extra content: bogus

" checkpoint-create testvm "$TMP/badcp.xml"
run list --with-checkpoint --name
expect "list --with-checkpoint" "testvm"
run checkpoint-delete testvm c3
expect "checkpoint-delete" "Domain checkpoint c3 deleted"

# ---- backups ---------------------------------------------------------------------

run qemu-monitor-command testvm --hmp 'qemu-io -d virtio-disk0/virtio-backend "write -P 0x5a 0 1M"'
# the same write offline: the backup must equal this image (the live file
# cannot be compared while QEMU keeps its metadata in memory)
qemu-img create -q -f qcow2 "$TMP/ref-vda.qcow2" 64M
qemu-io -f qcow2 -c "write -P 0x5a 0 1M" "$TMP/ref-vda.qcow2" >/dev/null
cat >"$TMP/backup.xml" <<EOF
<domainbackup>
  <disks>
    <disk name='vda' type='file'>
      <target file='$TMP/full-vda.qcow2'/>
      <driver type='qcow2'/>
    </disk>
    <disk name='vdb' backup='no'/>
  </disks>
</domainbackup>
EOF
if [ "$MODE" = virsh ]; then
    # virsh has no --wait: poll the job until it completed
    run backup-begin testvm "$TMP/backup.xml"
    BEGIN_RC=$RC; BEGIN_OUT=$OUT
    for _ in $(seq 1 300); do
        JOB=$(virsh -c "$URI" domjobinfo testvm --completed --keep-completed 2>/dev/null)
        printf '%s\n' "$JOB" | grep -q '^Job type: *Completed' && break
        sleep 0.1
    done
    RC=$BEGIN_RC; OUT=$BEGIN_OUT
else
    run backup-begin testvm "$TMP/backup.xml" --wait --verbose
fi
if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "^Backup started" &&
   { [ "$MODE" = virsh ] || printf '%s' "$OUT" | grep -q "^Backup completed"; }; then
    ok "$(pick "backup-begin --wait on a push backup" "backup-begin of a push backup")"
else
    notok "$(pick "backup-begin --wait on a push backup" "backup-begin of a push backup")"
    echo "$OUT$ERR" | diag
fi
if qemu-img compare -q "$TMP/full-vda.qcow2" "$TMP/ref-vda.qcow2" 2>/dev/null; then
    ok "the backup holds the guest write (qemu-img compare)"
else
    notok "the backup holds the guest write (qemu-img compare)"
fi
run domjobinfo testvm --completed --keep-completed
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q '^Job type:         Completed   $' &&
   printf '%s\n' "$OUT" | grep -q '^Operation:        Backup      $' &&
   printf '%s\n' "$OUT" | grep -qE '^Time elapsed:     [0-9]+ +ms$' &&
   printf '%s\n' "$OUT" | grep -q '^File total:       64.000 MiB$'; then
    ok "domjobinfo --completed layout"
else
    notok "domjobinfo --completed layout"; echo "$OUT" | diag
fi
run backup-dumpxml testvm
expect_error "backup-dumpxml without a backup" "backup"
# virsh has no backup-end (a Fleece extension): domjobabort ends a backup
# there
run "$(pick backup-end domjobabort)" testvm
if [ "$RC" = 1 ] && [ "$(printf '%s\n' "$ERR" | grep -vc '^error: Failed to')" = 1 ]; then
    ok "$(pick backup-end domjobabort) without a backup"
else
    notok "$(pick backup-end domjobabort) without a backup"
fi
OUT=$("$CLIENT" -r -c "$URI" backup-begin testvm 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "read-only connection refuses backup-begin" "read only access"
if [ "$MODE" != virsh ]; then
    echo "<domainbackup mode='pull'/>" >"$TMP/pull.xml"
    run backup-begin testvm "$TMP/pull.xml" --wait
    expect_error "backup-begin --wait refuses a pull backup" "push backups only"
fi
cat >"$TMP/pull2.xml" <<EOF
<domainbackup mode='pull'>
  <server transport='unix' socket='$TMP/nbd.sock'/>
  <disks>
    <disk name='vda' type='file'><scratch file='$TMP/scratch-vda.qcow2'/></disk>
    <disk name='vdb' backup='no'/>
  </disks>
</domainbackup>
EOF
layout "backup-begin: 'Backup started' and virsh's empty line" $'Backup started\n\n' '' \
    backup-begin testvm "$TMP/pull2.xml"
layout "domjobabort: nothing but the empty line" $'\n' '' domjobabort testvm

# a read-only connection reads a running pull backup, and changes nothing
cat >"$TMP/pull-ro.xml" <<EOF
<domainbackup mode='pull'>
  <server transport='unix' socket='$TMP/pull-ro.sock'/>
  <disks>
    <disk name='vda' type='file'><scratch file='$TMP/scratch-ro.qcow2'/></disk>
    <disk name='vdb' backup='no'/>
  </disks>
</domainbackup>
EOF
run backup-begin testvm "$TMP/pull-ro.xml"
expect "backup-begin of a pull backup" "Backup started"
OUT=$("$CLIENT" -r -c "$URI" domjobinfo testvm 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
if [ "$RC" = 0 ] && [ -z "$ERR" ] &&
   printf '%s\n' "$OUT" | grep -q '^Job type:         Unbounded   $' &&
   printf '%s\n' "$OUT" | grep -q '^Operation:        Backup      $'; then
    ok "fleece -r domjobinfo during a pull backup"
else
    notok "fleece -r domjobinfo during a pull backup"; echo "rc=$RC $OUT$ERR" | diag
fi
OUT=$("$CLIENT" -r -c "$URI" backup-dumpxml testvm 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
if [ "$RC" = 0 ] && [ -z "$ERR" ] && printf '%s' "$OUT" | grep -q "mode='pull'" &&
   printf '%s' "$OUT" | grep -q "pull-ro.sock"; then
    ok "fleece -r backup-dumpxml during a pull backup"
else
    notok "fleece -r backup-dumpxml during a pull backup"; echo "rc=$RC $OUT$ERR" | diag
fi
OUT=$("$CLIENT" -r -c "$URI" dumpxml testvm 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "<name>testvm</name>"; then
    ok "fleece -r dumpxml during a pull backup"
else
    notok "fleece -r dumpxml during a pull backup"; echo "rc=$RC $OUT$ERR" | diag
fi
OUT=$("$CLIENT" -r -c "$URI" "$(pick backup-end domjobabort)" testvm 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "-r $(pick backup-end domjobabort) is refused" "read only access"
# virsh has no backup-end: domjobabort ends a pull backup there, silently
run "$(pick backup-end domjobabort)" testvm
expect "$(pick backup-end domjobabort) of the pull backup" "$(pick "Backup ended" "")"

# ---- snapshots and block commit -------------------------------------------------

# the same cases on the embedded driver and through fleeced (virsh and
# fleece's remote driver); the tool has no snapshot-info, snapshot-current
# or snapshot-parent: those run through virsh only
run snapshot-create-as testvm s1 --disk-only
expect "snapshot-create-as --disk-only" "Domain snapshot s1 created"
OUT=$("$CLIENT" -r -c "$URI" snapshot-create-as testvm s9 --disk-only 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "read-only connection refuses snapshot-create-as" "read only access"
OUT=$("$CLIENT" -r -c "$URI" snapshot-list testvm --name 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect "read-only connection lists snapshots" "s1"
# a guest write into the overlay: the commits below must carry it into
# the base image (checked byte for byte once the domain is off)
run qemu-monitor-command testvm --hmp 'qemu-io -d virtio-disk0/virtio-backend "write -P 0xa5 2M 1M"'
cp "$TMP/ref-vda.qcow2" "$TMP/ref-commit.qcow2"
qemu-io -f qcow2 -c "write -P 0xa5 2M 1M" "$TMP/ref-commit.qcow2" >/dev/null
run snapshot-list testvm --name
expect "snapshot-list --name" "s1"
run snapshot-list testvm
if [ "$RC" = 0 ] && [ "$(printf '%s\n' "$OUT" | sed -n 1p)" = " Name   Creation Time               State" ] &&
   printf '%s\n' "$OUT" | sed -n 3p | grep -Eq '^ s1     [0-9-]+ [0-9:]+ [-+][0-9]{4}   disk-snapshot$'; then
    ok "snapshot-list layout"
else
    notok "snapshot-list layout"; echo "$OUT" | diag
fi
run snapshot-dumpxml testvm s1
if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q '<state>disk-snapshot</state>' &&
   printf '%s' "$OUT" | grep -q "<source file='$DISKS/vda.s1'/>"; then
    ok "snapshot-dumpxml"
else
    notok "snapshot-dumpxml"; echo "$OUT$ERR" | diag
fi
run snapshot-create-as testvm s2
expect_error "snapshot-create-as without --disk-only" "disk-only"
run snapshot-create-as testvm s2 second --disk-only
expect "snapshot-create-as NAME DESCRIPTION --disk-only" "Domain snapshot s2 created"
run snapshot-list testvm --tree
expect "snapshot-list --tree" "s1
  |
  +- s2
    "
run snapshot-list testvm --parent
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | sed -n 1p | grep -q '^ Name   Creation Time               State           Parent$' &&
   printf '%s\n' "$OUT" | grep -Eq '^ s2     [0-9-]+ [0-9:]+ [-+][0-9]{4}   disk-snapshot   s1$'; then
    ok "snapshot-list --parent layout"
else
    notok "snapshot-list --parent layout"; echo "$OUT" | diag
fi
run snapshot-list testvm --roots --name
expect "snapshot-list --roots" "s1"
run snapshot-list testvm --leaves --name
expect "snapshot-list --leaves" "s2"
run snapshot-list testvm --topological --name
expect "snapshot-list --topological" "s1
s2"
if [ "$MODE" = virsh ]; then
    run snapshot-info testvm s1
    expect "snapshot-info" "Name:           s1
Domain:         testvm
Current:        no
State:          disk-snapshot
Location:       external
Parent:         -
Children:       1
Descendants:    1
Metadata:       yes"
    run snapshot-info testvm --current
    if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx 'Name:           s2' &&
       printf '%s\n' "$OUT" | grep -qx 'Current:        yes' &&
       printf '%s\n' "$OUT" | grep -qx 'Parent:         s1'; then
        ok "snapshot-info --current"
    else
        notok "snapshot-info --current"; echo "$OUT$ERR" | diag
    fi
    run snapshot-current testvm --name
    expect "snapshot-current --name" "s2"
    run snapshot-parent testvm s2
    expect "snapshot-parent" "s1"
    run snapshot-parent testvm s1
    expect_error "snapshot-parent of a root" "snapshot 's1' has no parent"
    run snapshot-list testvm --from s1 --name
    expect "snapshot-list --from (the children)" "s2"
    # (--current lists the current snapshot's children: s2 has none)
    run snapshot-list testvm --current --name
    expect "snapshot-list --current" ""
fi
layout "snapshot-dumpxml of an unknown snapshot" $'\n' \
    $'error: Domain snapshot not found: no domain snapshot with matching name \'nosuch\'\n' \
    snapshot-dumpxml testvm nosuch
layout "snapshot-revert is refused with the driver's reason" $'\n' \
    "error: Failed to revert snapshot s1
error: Requested operation is not valid: cannot revert domain 'testvm' to snapshot 's1': its checkpoints 'c1', 'c2' would describe disks that no longer hold their writes; delete them first
" snapshot-revert testvm s1
# a lower layer of vdb (vdb.s1, under vdb.s2) into its base
run blockcommit testvm vdb --top "$DISKS/vdb.s1" --base "$DISKS/vdb.qcow2" --wait
expect "blockcommit --top --base --wait" "
Commit complete"
run blockcommit testvm vda --active --pivot --wait
expect "blockcommit --active --pivot --wait" "
Successfully pivoted"
run domblklist testvm
expect "the pivot left vda on its base" " Target   Source
$(dashes $(( 6 + ${#DISKS} + 10 + 6 )))
 vda      $DISKS/vda.qcow2
 vdb      $DISKS/vdb.s2"
run blockjob testvm vda --info
expect "blockjob --info without a job" "No current block job for vda"
run blockcommit testvm vdb --wait
expect_error "blockcommit of the active layer needs --active" "active"
OUT=$("$CLIENT" -r -c "$URI" blockcommit testvm vdb --active --wait 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "read-only connection refuses blockcommit" "read only access"
OUT=$("$CLIENT" -r -c "$URI" blockjob testvm vda --info 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect "read-only connection reads block jobs" "No current block job for vda"
run snapshot-delete testvm s1 --metadata
expect "snapshot-delete --metadata" "Domain snapshot s1 deleted"
layout "read-only connection refuses snapshot-delete" $'\n' \
    $'error: Failed to delete snapshot s2\nerror: operation forbidden: read only access prevents virDomainSnapshotDelete\n' \
    -r snapshot-delete testvm s2 --metadata
run snapshot-list testvm --roots --name
expect "the child of a deleted snapshot is a root" "s2"
run snapshot-create-as testvm s3 --disk-only
expect "snapshot-create-as --disk-only, kept until undefine" "Domain snapshot s3 created"
run snapshot-create-as testvm s4 --disk-only --no-metadata
expect "snapshot-create-as --no-metadata" "Domain snapshot s4 created"
run snapshot-list testvm --name
expect "a snapshot without metadata is not listed" "s2
s3"
# a commit left running, then aborted: the disk stays on its overlay
run blockcommit testvm vda --active
expect "blockcommit --active without --wait" "Active Block Commit started"
run blockjob testvm vda --abort
expect "blockjob --abort" ""
run blockjob testvm vda --info
expect "blockjob --info after the abort" "No current block job for vda"
run domblklist testvm
expect "the aborted commit left vda on its overlay" " Target   Source
$(dashes $(( 6 + ${#DISKS} + 7 + 6 )))
 vda      $DISKS/vda.s4
 vdb      $DISKS/vdb.s4"

# ---- the end ------------------------------------------------------------------------

run destroy testvm
expect "destroy" "Domain 'testvm' destroyed"
run domstate testvm --reason
expect "domstate after destroy" "shut off (destroyed)"
if qemu-img compare -q "$DISKS/vda.qcow2" "$TMP/ref-commit.qcow2" 2>/dev/null; then
    ok "the commits carried the guest's write into the base image (qemu-img compare)"
else
    notok "the commits carried the guest's write into the base image (qemu-img compare)"
fi
if qemu-img compare -q "$DISKS/vda.s3" "$TMP/ref-commit.qcow2" 2>/dev/null; then
    ok "the overlay made after the commit reads the same (qemu-img compare)"
else
    notok "the overlay made after the commit reads the same (qemu-img compare)"
fi

# a shut-off domain is backed up in qemu-storage-daemon, and stays off
cat >"$TMP/backup-off.xml" <<EOF
<domainbackup>
  <disks>
    <disk name='vda' type='file'><target file='$TMP/off-vda.qcow2'/></disk>
    <disk name='vdb' backup='no'/>
  </disks>
</domainbackup>
EOF
if [ "$MODE" = virsh ]; then
    # virsh has no --wait: poll the job until it completed
    run backup-begin testvm "$TMP/backup-off.xml"
    BEGIN_RC=$RC; BEGIN_OUT=$OUT
    for _ in $(seq 1 300); do
        JOB=$(virsh -c "$URI" domjobinfo testvm --completed --keep-completed 2>/dev/null)
        printf '%s\n' "$JOB" | grep -q '^Job type: *Completed' && break
        sleep 0.1
    done
    RC=$BEGIN_RC; OUT=$BEGIN_OUT
else
    run backup-begin testvm "$TMP/backup-off.xml" --wait
fi
if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "^Backup started" &&
   { [ "$MODE" = virsh ] || printf '%s' "$OUT" | grep -q "^Backup completed"; }; then
    ok "$(pick "backup-begin --wait on a shut-off domain" "backup-begin on a shut-off domain")"
else
    notok "$(pick "backup-begin --wait on a shut-off domain" "backup-begin on a shut-off domain")"
    echo "$OUT$ERR" | diag
fi
if qemu-img compare -q "$TMP/off-vda.qcow2" "$DISKS/vda.qcow2" 2>/dev/null; then
    ok "the backup of the shut-off domain is its disk (qemu-img compare)"
else
    notok "the backup of the shut-off domain is its disk (qemu-img compare)"
fi
cat >"$TMP/pull-off.xml" <<EOF
<domainbackup mode='pull'>
  <server transport='unix' socket='$TMP/off.sock'/>
  <disks>
    <disk name='vda' type='file'><scratch file='$TMP/scratch-off.qcow2'/></disk>
    <disk name='vdb' backup='no'/>
  </disks>
</domainbackup>
EOF
run backup-begin testvm "$TMP/pull-off.xml"
expect "backup-begin of a pull backup of a shut-off domain" "Backup started"
run domjobinfo testvm
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -q '^Job type:         Unbounded   $'; then
    ok "domjobinfo of a shut-off domain's backup"
else
    notok "domjobinfo of a shut-off domain's backup"; echo "$OUT$ERR" | diag
fi
run domstate testvm
expect "the domain stays shut off during its backup" "shut off"
run start testvm
expect_error "start during the backup of a shut-off domain" "storage daemon"
run "$(pick backup-end domjobabort)" testvm
expect "$(pick backup-end domjobabort) of a shut-off domain's backup" "$(pick "Backup ended" "")"
if pgrep -f "qemu-storage-daemon.*$ROOT" >/dev/null; then
    notok "no storage daemon left running"
else
    ok "no storage daemon left running"
fi

run undefine testvm
expect_error "undefine refuses checkpoints without --checkpoints-metadata" "checkpoints"
run checkpoint-list testvm --name
checkpoints=$OUT
run undefine testvm --checkpoints-metadata
expect_error "undefine refuses snapshots without --snapshots-metadata" "snapshots"
run checkpoint-list testvm --name
expect "a refused undefine leaves the checkpoints" "$checkpoints"
run undefine testvm --checkpoints-metadata --snapshots-metadata
expect "undefine --checkpoints-metadata --snapshots-metadata" "Domain 'testvm' has been undefined"
run list --all --name
expect "list after undefine" ""

run create "$TMP/dom.xml" --paused
expect "create --paused" "Domain 'testvm' created from $TMP/dom.xml"
run dominfo testvm
if printf '%s\n' "$OUT" | grep -q '^Persistent:     no$'; then ok "a created domain is transient"; else notok "a created domain is transient"; fi
run destroy testvm
run list --all --name
expect "a transient domain is gone after destroy" ""

if pgrep -f "qemu-system.*$ROOT" >/dev/null; then
    notok "no QEMU left running"
else
    ok "no QEMU left running"
fi

# the README's main job, as users copy it from examples/ (nbdinfo and
# nbdcopy come with scripts/install-deps: their absence is a failure)
# the example runs on the embedded driver: once, without a daemon
if [ "$MODE" != fleece ]; then
    :
elif FLEECE=$FLEECE WORKDIR=$TMP/cycle "$SRCDIR/../examples/backup-cycle.sh" >"$TMP/cycle.log" 2>&1 &&
   grep -q "^backup cycle PASSED" "$TMP/cycle.log"; then
    ok "examples/backup-cycle.sh"
else
    notok "examples/backup-cycle.sh"; tail -20 "$TMP/cycle.log" | diag
fi

echo "1..$n"
[ "$failed" = 0 ]
