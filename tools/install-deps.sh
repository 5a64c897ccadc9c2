#!/usr/bin/env bash
# Installs the Debian 12 packages Tolk needs to build, run and test, and nothing else.
# Idempotent: packages already installed are left alone, and apt is not touched at all when
# nothing is missing. Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

packages=(
    # build
    build-essential cmake pkg-config clang clang-format
    libclang-rt-14-dev # libFuzzer and the sanitizer runtimes: clang only recommends them
    # libraries
    libwebsockets-dev libwebsockets-evlib-ev libev-dev libssl-dev libsodium-dev libsqlite3-dev
    libopus-dev libjansson-dev libinih-dev libcmocka-dev
    # run and test
    openssl python3 sqlite3 valgrind tzdata
    sslscan # the TLS check (tests/integration/test_tls.py)
    # the staff page's browser tests (tools/browser-test.sh): the browser, and certutil to make
    # it trust the test CA; Node.js and npm come with the machine
    chromium libnss3-tools
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} Debian packages are already installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "install-deps: missing packages (${missing[*]}) and not root and no sudo" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
