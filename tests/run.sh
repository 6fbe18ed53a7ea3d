#!/usr/bin/env bash
# Install everything the tests need, from files in this repository, then run them.
# Usage: bash tests/run.sh [PYTEST ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

# System tools the tests run for real: the kernel's scripts under dash, GNU
# binutils and gcc for the emulated machine, glibc's static libraries for
# the `gcc -static` programs, busybox-static and qemu-user to run the same
# static binaries natively, under QEMU and on the machine, xz and dpkg to
# unpack Debian's kernel sources and headers (fetched at test time with
# `apt-get download`, never committed), headless Chromium for the exported
# HTML page. The threaded programs of issue 14 are real static binaries of
# four toolchains: g++ (libstdc++'s std::thread), musl-tools (musl-gcc, the
# same C sources through a second libc), golang-go (Go's runtime: its own
# threads, futexes, epoll and vDSO lookups) and rustc (Debian's, not rustup's:
# std::thread over glibc with +crt-static). strace is the reference --trace is held to for what
# ld.so does when a dynamic program starts (issue 15). The host's own dynamically linked
# programs run from the default root and natively, side by side: bash, perl, python3, tar,
# gzip and findutils (issue 15's list). libsqlite3-dev: SQLite linked statically, its fcntl locking (issue 16).
packages=(dash binutils gcc libc6-dev busybox-static qemu-user xz-utils dpkg apt chromium
          g++ musl-tools golang-go rustc strace bash perl-base python3 tar gzip findutils
          dietlibc-dev libsqlite3-dev  # dietlibc-dev: a dietlibc program, whose readdir reads the old getdents (issue 16)
          autoconf automake m4 make pkg-config  # LTP's build (conformance/ltp.py, issue 17)
          cmake ninja-build)  # the patched Unicorn's build (src/syscalltbl/machine/hw/unicorn_patch, issue 20)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# Unicorn 2.1.4 with syscalltbl's patch (guest code about twice as fast): built once, about a
# minute on two cores, then installed from the wheel cached under ~/.cache/syscalltbl/unicorn.
.venv/bin/python -m syscalltbl.machine.hw.unicorn_patch --require
exec .venv/bin/pytest "$@"
