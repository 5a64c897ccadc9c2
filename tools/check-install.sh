#!/usr/bin/env bash
# Installs BUILD_DIR into a temporary prefix and checks what a packager and an application
# developer rely on: the binaries, the default config, and that a program finds libtolk through
# pkg-config and links against it, shared and static.
set -euo pipefail
build=${1:?usage: check-install.sh BUILD_DIR}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name tolk.pc -printf '%h\n' | head -n 1)
for f in bin/tolkd bin/tolk-call etc/tolk/tolkd.conf include/tolk.h share/tolk/web/index.html \
    share/tolk/web/js/app.js share/tolk/web/i18n/en.json; do
    [ -e "$prefix/$f" ] || { echo "check-install: $f was not installed" >&2; exit 1; }
done
"$prefix/bin/tolkd" --config "$prefix/etc/tolk/tolkd.conf" --check-config >/dev/null
cat >"$prefix/app.c" <<'C'
#include <stdio.h>
#include <tolk.h>
int main(void)
{
    printf("libtolk %s: %s\n", tolk_version_string(), tolk_strerror(TOLK_ETLS));
    return tolk_protocol_version() == 1 ? 0 : 1;
}
C
export PKG_CONFIG_PATH="$libdir"
# shellcheck disable=SC2046
cc -o "$prefix/app" "$prefix/app.c" $(pkg-config --define-prefix --cflags --libs tolk)
LD_LIBRARY_PATH="$libdir/.." "$prefix/app"
# shellcheck disable=SC2046
cc -o "$prefix/app-static" "$prefix/app.c" $(pkg-config --define-prefix --cflags tolk) \
    "$libdir/../libtolk.a" $(pkg-config --static --libs libwebsockets libsodium opus jansson libssl libcrypto) -lm
"$prefix/app-static" >/dev/null
"$prefix/bin/tolk-call" --help | grep -q -- --token
echo "check-install: tolkd, tolk-call, config, web page, header, pkg-config file, shared and static libtolk work"
