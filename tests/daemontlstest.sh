#!/bin/bash
# daemontlstest.sh: fleeced --listen-tls with x509 certificates, as
# libvirtd does it: libvirt's virsh and fleece connect with
# qemu+tls://localhost:PORT/system?pkipath=DIR; a client certificate from
# another CA, a client without a certificate and a client speaking plain
# TCP are all turned away before any call; missing server credentials
# stop the daemon from starting.
#
# Usage: daemontlstest.sh FLEECED FLEECE      Output: TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

FLEECED=$1
FLEECE=$2

for p in openssl virsh python3; do
    if ! command -v "$p" >/dev/null; then
        echo "1..0 # SKIP $p is not installed"
        exit 0
    fi
done

TMP=$(mktemp -d /tmp/fleecetls.XXXXXX)
DAEMON_PID=
cleanup() {
    [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null
    sleep 0.2
    [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }
diag() { sed 's/^/# /'; }

# make_ca NAME: a CA with a server and a client certificate for localhost
make_ca() (
    set -e
    mkdir -p "$TMP/$1"
    cd "$TMP/$1"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca-cert.pem \
        -days 2 -subj "/CN=Fleece test CA $1" 2>/dev/null
    for who in server client; do
        openssl req -newkey rsa:2048 -nodes -keyout "$who-key.pem" -out "$who.csr" \
            -subj "/O=$1/CN=localhost" 2>/dev/null
        usage=serverAuth
        [ "$who" = client ] && usage=clientAuth
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\nkeyUsage=digitalSignature,keyEncipherment\n' \
            "$usage" >"$who.ext"
        openssl x509 -req -in "$who.csr" -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial \
            -out "$who-cert.pem" -days 2 -extfile "$who.ext" 2>/dev/null
    done
)

# pki DIR CA WHO CACERT: a pkipath directory as libvirt lays it out
pki() {
    mkdir -p "$1"
    cp "$TMP/$4/ca-cert.pem" "$1/cacert.pem"
    cp "$TMP/$2/$3-cert.pem" "$1/${3}cert.pem"
    cp "$TMP/$2/$3-key.pem" "$1/${3}key.pem"
}

if ! make_ca good || ! make_ca rogue; then
    echo "Bail out! openssl could not make the test certificates"
    exit 1
fi
pki "$TMP/server" good server good
pki "$TMP/client" good client good
pki "$TMP/rogue" rogue client good      # trusts the server, untrusted itself
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URI="qemu+tls://localhost:$PORT/system?pkipath=$TMP/client"

# missing credentials: the daemon does not start, and says which file
mkdir -p "$TMP/empty"
out=$("$FLEECED" --root "$TMP/root0" --listen-tls "127.0.0.1:$PORT" --tls-dir "$TMP/empty" 2>&1)
check "without server credentials fleeced does not start" \
    '[ $? -ne 0 ] && [[ "$out" == *"$TMP/empty/cacert.pem"* ]]'

if ! "$FLEECED" --root "$TMP/root" --daemon --pidfile "$TMP/fleeced.pid" \
        --listen-tls "127.0.0.1:$PORT" --tls-dir "$TMP/server"; then
    echo "Bail out! fleeced did not start"
    exit 1
fi
DAEMON_PID=$(cat "$TMP/fleeced.pid")

cat >"$TMP/dom.xml" <<EOF
<domain type='qemu'>
  <name>tlsdom</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
</domain>
EOF
out=$(virsh -c "$URI" define "$TMP/dom.xml" 2>&1)
check "virsh over TLS: define" '[[ "$out" == *"Domain '"'"'tlsdom'"'"' defined"* ]]' || echo "$out" | diag
out=$(virsh -c "$URI" list --all --name 2>&1)
check "virsh over TLS: list" '[ "$out" = tlsdom ]' || echo "$out" | diag
out=$("$FLEECE" -c "$URI" domstate tlsdom 2>&1)
check "fleece over TLS: domstate" '[ "$out" = "shut off" ]' || echo "$out" | diag
out=$("$FLEECE" -c "$URI" undefine tlsdom 2>&1)
check "fleece over TLS: undefine" '[[ "$out" == *"has been undefined"* ]]' || echo "$out" | diag
check "the daemon logged the client certificate's name" \
    'grep -q "\[O=good,CN=localhost\]\|\[CN=localhost,O=good\]" "$TMP/root/log/fleeced.log"'

# libvirt's client checks its own certificate against the CA first
out=$(virsh -c "qemu+tls://localhost:$PORT/system?pkipath=$TMP/rogue" list 2>&1)
check "virsh with a certificate from another CA gets nothing" \
    '[[ "$out" == *error* ]] && ! [[ "$out" == *Name* ]]' || echo "$out" | diag

# a client presenting that certificate, one without a certificate, and
# one speaking plain TCP: no reply from the remote program
cat >"$TMP/probe.py" <<'EOF'
import socket, ssl, struct, sys
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
# an AUTH_LIST call: length, program 0x20008086, version 1, proc 66, call, serial 0, ok
call = struct.pack(">IIIiiIi", 28, 0x20008086, 1, 66, 0, 0, 0)
got = b""
try:
    if mode != "plain":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if mode != "nocert":
            ctx.load_cert_chain(mode + "/clientcert.pem", mode + "/clientkey.pem")
        s = ctx.wrap_socket(s, server_hostname="localhost")
    s.sendall(call)
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
except (ssl.SSLError, OSError):
    pass
print("REPLIED" if struct.pack(">I", 0x20008086) in got else "REFUSED")
EOF
out=$(python3 "$TMP/probe.py" "$PORT" "$TMP/client" 2>&1)
check "the probe itself gets a reply with the right certificate" '[ "$out" = REPLIED ]' ||
    echo "$out" | diag
out=$(python3 "$TMP/probe.py" "$PORT" "$TMP/rogue" 2>&1)
check "a client certificate from another CA gets no reply" '[ "$out" = REFUSED ]' ||
    echo "$out" | diag
check "the daemon logged why" 'grep -q "its issuer is not the CA" "$TMP/root/log/fleeced.log"'
out=$(python3 "$TMP/probe.py" "$PORT" nocert 2>&1)
check "a TLS client without a certificate gets no reply" '[ "$out" = REFUSED ]' || echo "$out" | diag
out=$(python3 "$TMP/probe.py" "$PORT" plain 2>&1)
check "plain TCP gets no reply (no unauthenticated TCP)" '[ "$out" = REFUSED ]' || echo "$out" | diag
out=$(virsh -c "$URI" list --all --name 2>&1)
check "the daemon serves TLS clients on after the refusals" '[ -z "$out" ]' || echo "$out" | diag

echo "1..$n"
[ "$failed" = 0 ]
