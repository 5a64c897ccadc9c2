#!/usr/bin/env bash
# Makes a DEVELOPMENT certificate authority and a server certificate for localhost,
# 127.0.0.1 and ::1, signed by it (ECDSA P-256), in DIR:
#   DIR/ca.pem     the CA certificate: give it to clients (tolk-call --ca, curl --cacert)
#   DIR/cert.pem   the server certificate (tolkd's [tls] certificate)
#   DIR/key.pem    the server key, mode 0600 (tolkd's [tls] private_key)
# Existing files that are still valid for 14 days are kept. Never use these in production.
set -euo pipefail
dir=${1:?usage: dev-cert.sh DIR}
mkdir -p "$dir"
chmod 700 "$dir"

if [ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ] && [ -f "$dir/ca.pem" ] &&
    openssl x509 -in "$dir/cert.pem" -noout -checkend $((14 * 86400)) >/dev/null 2>&1; then
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
org="Tolk development"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 825 -out "$tmp/ca.pem" \
    -subj "/O=$org/CN=Tolk development CA - NOT FOR PRODUCTION" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/key.pem" 2>/dev/null
openssl req -new -key "$tmp/key.pem" -out "$tmp/req.csr" -subj "/O=$org/CN=localhost" 2>/dev/null
cat >"$tmp/ext.cnf" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in "$tmp/req.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
    -sha256 -days 397 -extfile "$tmp/ext.cnf" -out "$tmp/cert.pem" 2>/dev/null
mv "$tmp/ca.pem" "$tmp/cert.pem" "$tmp/key.pem" "$dir/"
chmod 600 "$dir/key.pem"
chmod 644 "$dir/ca.pem" "$dir/cert.pem"
echo "dev-cert: made a DEVELOPMENT certificate in $dir (CA: $dir/ca.pem)"
