#!/usr/bin/env bash
# Installs the Debian packages that building and testing pdbridge needs: the native
# toolchain and autotools/CMake used by scripts/deps.sh, the cross compilers for the
# 32- and 64-bit ARM boards, and the tools the tests run (qemu for the ARM binaries,
# mosquitto as a local broker, sanitizers, formatters). It only calls apt-get when a
# package is missing, so it is cheap to run every time; extra package names given as
# arguments are installed too.
set -euo pipefail

packages=(
  # build: native toolchain, autotools and CMake for the dependencies, Debian sources
  build-essential cmake autoconf automake libtool pkg-config dpkg-dev file
  ca-certificates debian-archive-keyring xz-utils
  # cross: compilers, binutils and libc for aarch64, armhf and armel targets
  gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf gcc-arm-linux-gnueabi
  libc6-dev-arm64-cross libc6-dev-armhf-cross libc6-dev-armel-cross
  binutils-aarch64-linux-gnu binutils-arm-linux-gnueabihf binutils-arm-linux-gnueabi
  # tests: emulators, MQTT broker, formatting, TLS fixtures, sanitizers
  qemu-user-static mosquitto mosquitto-clients clang-format openssl python3
  valgrind clang libclang-rt-14-dev
  # benchmarks: peak RSS (/usr/bin/time) and the curl command line to compare with
  time curl
  # the board page's tests: a real browser (headless) and a font to draw it with
  chromium fonts-dejavu-core
  # packaging tests: a Debian root to install into, lintian, and an OCI image reader
  debootstrap lintian skopeo
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-packages: all ${#packages[@]} packages present"
  exit 0
fi

if ((EUID != 0)); then
  echo "install-packages: missing packages, run as root:" >&2
  echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "install-packages: installing ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
