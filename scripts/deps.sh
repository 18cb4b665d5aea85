#!/bin/sh
# Installs the Debian packages gorace builds and tests with, when missing.
# Runs as root on CI and developer machines; says what it does.
set -eu
pkgs="gcc g++ make cmake pkg-config check libunwind-dev libdw-dev \
libbenchmark-dev clang libclang-rt-14-dev golang-go python3 valgrind"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps: all Debian packages present"
    exit 0
fi
echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: not root; install them with: sudo apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
