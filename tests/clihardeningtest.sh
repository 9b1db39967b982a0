#!/bin/bash
# clihardeningtest.sh: the fleece tool with hostile names and settings
#
#   - checkpoint-edit runs $EDITOR without a shell: the temporary file's
#     name (quotes, spaces, '$(...)' in $TMPDIR) is one argument, and the
#     editor's own words are split as a shell would split them
#   - ROOT/etc/fleece.conf: good and bad files through the CLI
#
# Usage: clihardeningtest.sh FLEECE_BINARY      Output: TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

# absolute: some cases run from another directory
FLEECE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

if ! command -v qemu-img >/dev/null; then
    echo "1..0 # SKIP qemu-img missing"
    exit 0
fi

TMP=$(mktemp -d /tmp/fleececlihard.XXXXXX)
ROOT=$TMP/root
URI="qemu:///embed?root=$ROOT"
mkdir -p "$ROOT"
cleanup() {
    for p in "$ROOT"/run/*.pid; do
        [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
diag() { sed 's/^/# /'; }

# run ARGS...: fleece on the test root; sets OUT, ERR, RC
run() {
    OUT=$("$FLEECE" -c "$URI" "$@" 2>"$TMP/err")
    RC=$?
    ERR=$(cat "$TMP/err")
}

# expect TITLE WANT: the last run succeeded and printed WANT
expect() {
    if [ "$RC" = 0 ] && [ "$OUT" = "$2" ] && [ -z "$ERR" ]; then
        ok "$1"
    else
        notok "$1"
        { echo "rc=$RC"; echo "--- want"; echo "$2"; echo "--- got"; echo "$OUT";
          echo "--- stderr"; echo "$ERR"; } | diag
    fi
}

# expect_error TITLE FRAGMENT: exit 1, exactly one 'error:' line with FRAGMENT
expect_error() {
    if [ "$RC" = 1 ] && [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] &&
       printf '%s' "$ERR" | grep -q '^error: ' && printf '%s' "$ERR" | grep -qF -- "$2"; then
        ok "$1"
    else
        notok "$1"
        { echo "rc=$RC want 1 and: $2"; echo "$ERR"; } | diag
    fi
}

# ---- checkpoint-edit -------------------------------------------------------------

qemu-img create -q -f qcow2 "$TMP/vda.qcow2" 16M
cat >"$TMP/dom.xml" <<EOF
<domain type='qemu'>
  <name>ed</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$TMP/vda.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
EOF
run define "$TMP/dom.xml"
expect "define" "Domain 'ed' defined from $TMP/dom.xml"
run checkpoint-create-as ed c1 "old words"
expect "offline checkpoint" "Domain checkpoint c1 created"

# a temporary directory whose name a shell would act on
EVILTMP="$TMP/it's a \$(touch $TMP/pwned) \`touch $TMP/pwned2\` dir's"
mkdir -p "$EVILTMP"

# the editor's words: a program and its options, the file appended
OUT=$(TMPDIR=$EVILTMP EDITOR="sed -i -e 's/old words/new words/'" \
      "$FLEECE" -c "$URI" checkpoint-edit ed c1 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect "checkpoint-edit with an editor taking options" "Checkpoint c1 edited."
run checkpoint-dumpxml ed c1 --no-domain
if printf '%s' "$OUT" | grep -q '<description>new words</description>'; then
    ok "the edit was applied"
else
    notok "the edit was applied"; echo "$OUT" | diag
fi
if [ -e "$TMP/pwned" ] || [ -e "$TMP/pwned2" ]; then
    notok "no shell ran on the temporary file's name"
else
    ok "no shell ran on the temporary file's name"
fi

# an editor whose own path has a space, quoted in $EDITOR
mkdir -p "$TMP/my tools"
cat >"$TMP/my tools/ed it" <<'EOF'
#!/bin/sh
# the option first, then exactly one more argument: the file
[ "$#" = 2 ] && [ "$1" = "--flag" ] && [ -f "$2" ] || exit 3
sed -i -e 's/new words/third words/' "$2"
EOF
chmod +x "$TMP/my tools/ed it"
OUT=$(TMPDIR=$EVILTMP VISUAL="'$TMP/my tools/ed it' --flag" EDITOR=false \
      "$FLEECE" -c "$URI" checkpoint-edit ed c1 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect "VISUAL before EDITOR, quoted program path" "Checkpoint c1 edited."

OUT=$(EDITOR=false "$FLEECE" -c "$URI" checkpoint-edit ed c1 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "a failing editor" "editor 'false' failed"
OUT=$(EDITOR="vi 'unterminated" "$FLEECE" -c "$URI" checkpoint-edit ed c1 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "an editor that does not parse" "cannot parse editor"
OUT=$(EDITOR="$TMP/no-such-editor" "$FLEECE" -c "$URI" checkpoint-edit ed c1 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "a missing editor" "cannot run editor"
if ls "$EVILTMP" | grep -q fleece-checkpoint; then
    notok "temporary files removed"; ls "$EVILTMP" | diag
else
    ok "temporary files removed"
fi

# ---- a relative FLEECE_ROOT -------------------------------------------------------

# paths under the root reach QEMU (sockets, pid file): they are absolute
if command -v qemu-system-x86_64 >/dev/null; then
    sed -e 's|<name>ed</name>|<name>rel</name>|' \
        -e "s|</devices>|<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices>|" \
        "$TMP/dom.xml" >"$TMP/rel.xml"
    qemu-img create -q -f qcow2 "$TMP/rel.qcow2" 16M
    sed -i "s|$TMP/vda.qcow2|$TMP/rel.qcow2|" "$TMP/rel.xml"
    OUT=$(cd "$TMP" && FLEECE_ROOT=relroot "$FLEECE" "define rel.xml; start rel; dumpxml rel; destroy rel; undefine rel" 2>&1)
    if printf '%s' "$OUT" | grep -q "<source mode='bind' path='$TMP/relroot/run/rel.agent'/>"; then
        ok "a relative FLEECE_ROOT is taken from the current directory"
    else
        notok "a relative FLEECE_ROOT is taken from the current directory"; echo "$OUT" | diag
    fi
    for p in "$TMP"/relroot/run/*.pid; do
        [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
    done
fi

# ---- ROOT/etc/fleece.conf --------------------------------------------------------

mkdir -p "$ROOT/etc"
CONF=$ROOT/etc/fleece.conf
printf '# settings\nbackup_bandwidth = 1048576\nbackup_bandwith = 5\n' >"$CONF"
run list --all --name
expect_error "a misspelt key is refused" "configuration file '$CONF' line 3: unknown key 'backup_bandwith'"
OUT=$("$FLEECE" -r -c "$URI" list --all --name 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_error "also by a read-only connection" "unknown key 'backup_bandwith'"
printf 'backup_tls_x509_verify = "no"\n' >"$CONF"
run list --all --name
expect_error "a string for a 0/1 setting is refused" "line 1: 'backup_tls_x509_verify' must be 0 or 1"
printf 'qemu_img = "qemu-img"\n' >"$CONF"
run list --all --name
expect_error "a relative qemu_img is refused" "'qemu_img' must be an absolute path, not 'qemu-img'"

# the qemu-img the settings name is the one that runs
cat >"$TMP/logging qemu-img" <<EOF
#!/bin/sh
echo "\$*" >> "$TMP/qemu-img.log"
exec "$(command -v qemu-img)" "\$@"
EOF
chmod +x "$TMP/logging qemu-img"
printf 'qemu_img = "%s"  # a wrapper\n' "$TMP/logging qemu-img" >"$CONF"
run checkpoint-create-as ed c2
expect "checkpoint with the configured qemu-img" "Domain checkpoint c2 created"
if grep -q -- "bitmap --add -- $TMP/vda.qcow2 c2" "$TMP/qemu-img.log" 2>/dev/null; then
    ok "the configured qemu-img ran"
else
    notok "the configured qemu-img ran"; cat "$TMP/qemu-img.log" 2>&1 | diag
fi
rm -f "$CONF"
run checkpoint-delete ed c2
expect "without the file, defaults again" "Domain checkpoint c2 deleted"

echo "1..$n"
[ "$failed" = 0 ]
