#!/bin/sh
# mkcerts.sh OUTDIR: test PKI for the PagerDuty simulator, made with the openssl CLI.
#
# Writes into OUTDIR (created if needed; EC P-256 keys, 10-year validity):
#   ca.pem, ca.key                      test CA ("pdsim test CA"); clients trust this
#   server.pem, server.key              signed by the test CA; SANs DNS:api.pagerduty.com,
#                                       DNS:api.eu.pagerduty.com, DNS:localhost, IP:127.0.0.1, IP:::1
#   otherhost.pem, otherhost.key        signed by the test CA, SAN DNS:otherhost only
#                                       (hostname-mismatch test: chain is fine, name is not)
#   wrong-ca.pem, wrong-ca.key          a second, untrusted CA ("pdsim wrong CA")
#   wrong-server.pem, wrong-server.key  server SANs as above, signed by the wrong CA
#                                       (unknown-issuer test)
# Idempotent: when every file exists and the certificates are valid for another day,
# it changes nothing. Otherwise it regenerates the whole set.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out"

files="ca.pem ca.key server.pem server.key otherhost.pem otherhost.key wrong-ca.pem wrong-ca.key wrong-server.pem wrong-server.key"
complete=1
for f in $files; do
    [ -s "$out/$f" ] || complete=0
done
if [ "$complete" = 1 ]; then
    fresh=1
    for c in ca server otherhost wrong-ca wrong-server; do
        openssl x509 -in "$out/$c.pem" -noout -checkend 86400 >/dev/null 2>&1 || fresh=0
    done
    if [ "$fresh" = 1 ]; then
        exit 0
    fi
fi

work=$(mktemp -d "$out/.mkcerts.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
days=3650
server_san="DNS:api.pagerduty.com,DNS:api.eu.pagerduty.com,DNS:localhost,IP:127.0.0.1,IP:::1"

newkey() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

make_ca() { # name subject
    newkey "$work/$1.key"
    openssl req -new -x509 -key "$work/$1.key" -out "$work/$1.pem" -days "$days" -sha256 \
        -subj "/O=pdsim/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

make_leaf() { # name ca cn san
    newkey "$work/$1.key"
    openssl req -new -key "$work/$1.key" -out "$work/$1.csr" -subj "/O=pdsim/CN=$3" 2>/dev/null
    cat >"$work/$1.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
subjectAltName=$4
EOF
    openssl x509 -req -in "$work/$1.csr" -CA "$work/$2.pem" -CAkey "$work/$2.key" \
        -CAcreateserial -CAserial "$work/$2.srl" -out "$work/$1.pem" -days "$days" -sha256 \
        -extfile "$work/$1.ext" 2>/dev/null
}

make_ca ca "pdsim test CA"
make_ca wrong-ca "pdsim wrong CA"
make_leaf server ca api.pagerduty.com "$server_san"
make_leaf otherhost ca otherhost "DNS:otherhost"
make_leaf wrong-server wrong-ca api.pagerduty.com "$server_san"

for f in $files; do
    chmod 600 "$work/$f"
    mv -f "$work/$f" "$out/$f"
done
for f in ca.pem server.pem otherhost.pem wrong-ca.pem wrong-server.pem; do
    chmod 644 "$out/$f"
done
