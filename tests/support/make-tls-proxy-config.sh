#!/usr/bin/env bash
# Prepares everything nghttpx (Debian's nghttp2-proxy) needs to run as a TLS-terminating HTTP/2
# reverse proxy in front of a plain HTTP/1.1 server on 127.0.0.1, the way the real API sits behind
# its gateway: a certificate authority made for this run only, a server certificate it signed for
# localhost, 127.0.0.1 and ::1, and an nghttpx configuration file. Shared by the tests' fixture
# (tests/support/tlsreverseproxy.cpp) and scripts/run-demo.sh --tls.
#
#   tests/support/make-tls-proxy-config.sh DIR FRONTEND_PORT BACKEND_PORT
#
# Writes into DIR (created; files from an earlier run are replaced):
#   ca.crt            the CA to trust: only a client told to (QSslConfiguration, --ca-certificates)
#   server.crt/.key   the proxy's certificate and key
#   nghttpx.conf      start with: nghttpx --conf=DIR/nghttpx.conf; SIGHUP reloads it gracefully
#   access.log        one line per request: client port, ALPN, HTTP version, method, path, status
#   error.log         nghttpx's own log (workers spawned, graceful shutdowns)
# The CA's private key is deleted once it has signed: nothing else can be issued under it.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 DIR FRONTEND_PORT BACKEND_PORT" >&2
    exit 2
fi
dir="$1"
frontend_port="$2"
backend_port="$3"
for port in "$frontend_port" "$backend_port"; do
    if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
        echo "$0: '$port' is not a port" >&2
        exit 2
    fi
done
if ! command -v openssl >/dev/null 2>&1; then
    echo "$0: openssl not installed (apt-get install openssl)" >&2
    exit 1
fi

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)" # the configuration names its files by absolute path
cd "$dir"
rm -f ca.crt ca.key ca.srl server.crt server.key server.csr server.ext access.log error.log nghttpx.conf
umask 077

# P-256 keys: quick to make, so every test run gets its own CA. Valid for two days: long enough for
# a demo session, short enough that a copied ca.crt is soon worth nothing.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout ca.key -out ca.crt -subj "/CN=Nullify test CA (this run only)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
cat >server.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.crt 2>/dev/null
rm -f ca.key ca.srl server.csr server.ext
chmod 644 ca.crt server.crt

# Frontend: TLS on 127.0.0.1 with ALPN h2 and http/1.1 (nghttpx's default list). Backend: plain
# HTTP/1.1 to the server under test. One worker, so the access log is written in request order.
# no-ocsp: nghttpx would otherwise run its OCSP fetch script, which goes out to the network.
cat >nghttpx.conf <<EOF
frontend=127.0.0.1,$frontend_port
backend=127.0.0.1,$backend_port;;proto=http/1.1
private-key-file=$dir/server.key
certificate-file=$dir/server.crt
workers=1
no-ocsp=yes
accesslog-file=$dir/access.log
accesslog-format=\$remote_port \$alpn \$protocol_version "\$method \$path" \$status
errorlog-file=$dir/error.log
EOF
