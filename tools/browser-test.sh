#!/usr/bin/env bash
# Browser tests of the staff web page (tests/browser/): Debian's chromium, driven headless by
# playwright-core, against a real tolkd from BUILD_DIR on 127.0.0.1 with an ephemeral port, a
# fresh store and a test certificate that chromium trusts through an NSS database of its own
# (no --ignore-certificate-errors). Screenshots of every screen go to
# build/browser-artifacts/ (or $TOLK_BROWSER_ARTIFACTS).
#
# Installs what is missing: chromium and certutil (libnss3-tools) through tools/install-deps.sh,
# and the npm packages with "npm ci" when tests/browser/node_modules is missing. After that it
# needs no network beyond 127.0.0.1. It builds nothing: BUILD_DIR must hold tolkd and tolkctl.
#
#   tools/browser-test.sh [BUILD_DIR]        (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
cd "$root"

for tool in chromium certutil; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        tools/install-deps.sh
        break
    fi
done
for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || { echo "browser-test: $tool (Node.js 20 or later) is missing" >&2; exit 1; }
done
for bin in "$build/broker/tolkd" "$build/broker/tolkctl"; do
    [ -x "$bin" ] || { echo "browser-test: $bin is missing: build first" >&2; exit 1; }
done
if [ ! -d tests/browser/node_modules/playwright-core ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tools/dev-cert.sh "$work/certs" >/dev/null
# chromium reads the certificates a user trusts from $HOME/.pki/nssdb
mkdir -p "$work/home/.pki/nssdb"
certutil -d "sql:$work/home/.pki/nssdb" -N --empty-password
certutil -d "sql:$work/home/.pki/nssdb" -A -t "C,," -n "Tolk test CA" -i "$work/certs/ca.pem"

export TOLKD="$build/broker/tolkd" TOLKCTL="$build/broker/tolkctl" TOLK_TEST_CERTS="$work/certs"
export TOLK_BROWSER_HOME="$work/home"
export TOLK_BROWSER_ARTIFACTS="${TOLK_BROWSER_ARTIFACTS:-$root/build/browser-artifacts}"
cd tests/browser
node --test --test-concurrency=1 --test-reporter=spec staff.test.js
echo "browser-test: screenshots in $TOLK_BROWSER_ARTIFACTS"
