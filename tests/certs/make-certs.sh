#!/usr/bin/env bash
# tests/certs/make-certs.sh — regenerates the committed test PKI with openssl
# (3.0's `openssl ca`, the tool that takes explicit dates): P-256 keys, valid
# from 2000 to 2100 so no plausible clock skew breaks a test, except the
# expired leaf. Writes next to this script; the outputs are committed so tests
# never need openssl at run time.
#   ca.pem/ca.key          test CA "h3cli test CA"
#   server.pem/server.key  leaf for localhost, 127.0.0.1, ::1 signed by ca
#   server.spki            base64 SHA-256 of server.pem's SubjectPublicKeyInfo
#                          (what curl's --pinnedpubkey sha256// takes)
#   other.pem/other.key    leaf for other.example only, signed by ca
#   expired.pem/expired.key leaf for localhost, 127.0.0.1, ::1 that expired
#                          in 2001, signed by ca
#   self.pem/self.key      self-signed leaf for localhost, 127.0.0.1, ::1
#   ca2.pem/ca2.key        an unrelated CA (the "wrong CA" tests)
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/db"
: > "$tmp/db/index.txt"
echo 1000 > "$tmp/db/serial"
cat > "$tmp/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
dir = $tmp/db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
[any]
commonName = supplied
[req]
distinguished_name = dn
[dn]
CNF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
          -pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null; }

# sign NAME CN EXTENSIONS START END [CA-NAME]: no CA-NAME means self-signed.
sign() {
  key "$1.key"
  openssl req -new -config "$tmp/ca.cnf" -key "$1.key" -subj "/CN=$2" \
    -out "$tmp/$1.csr"
  printf '%b\n' "$3" > "$tmp/$1.ext"
  local issuer=(-selfsign -keyfile "$1.key")
  [ $# -ge 6 ] && issuer=(-cert "$6.pem" -keyfile "$6.key")
  openssl ca -batch -config "$tmp/ca.cnf" "${issuer[@]}" -in "$tmp/$1.csr" \
    -startdate "$4" -enddate "$5" -extfile "$tmp/$1.ext" -notext \
    -out "$1.pem" 2>/dev/null
}

from=20000101000000Z
until=21000101000000Z
ca_ext='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash'
leaf_ext='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid'
local_san='subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'

sign ca "h3cli test CA" "$ca_ext" $from $until
sign ca2 "h3cli unrelated test CA" "$ca_ext" $from $until
sign server localhost "$leaf_ext\n$local_san" $from $until ca
sign other other.example "$leaf_ext\nsubjectAltName=DNS:other.example" \
  $from $until ca
sign expired localhost "$leaf_ext\n$local_san" $from 20010101000000Z ca
sign self localhost \
  "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n$local_san" \
  $from $until

openssl x509 -in server.pem -pubkey -noout | openssl pkey -pubin -outform der \
  | openssl dgst -sha256 -binary | base64 > server.spki
