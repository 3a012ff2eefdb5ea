#!/usr/bin/env bash
# Builds pdbridge's third-party libraries as static archives, one install prefix per target
# triplet: wolfSSL, c-ares, curl, cJSON and libmicrohttpd from Debian source packages, plus the
# static paho.mqtt.c archives shipped in Debian's libpaho-mqtt-dev binary package. Versions and
# sha256 sums are pinned in scripts/deps.lock and everything is fetched from Debian's archive
# through a private apt configuration, so the system's apt setup is left alone and no
# third-party code ever enters the repository. All of it lives in a cache outside the clone,
# ${PDB_DEPS_DIR:-~/.cache/pdbridge/deps-<hash of deps.lock>}, which <repo>/.deps (ignored)
# links to, so a fresh clone on a warm machine finds every build of the same pinned inputs
# and a cold machine still builds everything. Sources are fetched and unpacked once, each triplet gets its
# own build trees and prefix, and a stamp per triplet and dependency (a hash of its lock line
# and build flags) lets a rerun skip everything that has not changed.
# Usage: scripts/deps.sh [TRIPLET...]   (default: all four supported triplets, two at a time)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lock_file=$here/deps.lock
# default_cache: the cache keyed by the lock's hash, with <repo>/.deps made (or re-pointed)
# as a link to it; a real <repo>/.deps directory left by an older checkout is used as it is.
default_cache() {
  local link key dir
  link=$(dirname "$here")/.deps
  if [[ -d $link && ! -L $link ]]; then echo "$link"; return 0; fi
  key=$(sha256sum "$lock_file" | cut -c1-16)
  dir=${XDG_CACHE_HOME:-$HOME/.cache}/pdbridge/deps-$key
  mkdir -p "$dir"
  ln -sfn "$dir" "$link"
  echo "$dir"
}
cache=${PDB_DEPS_DIR:-$(default_cache)}
dl=$cache/src/dl
cflags="-Os -ffunction-sections -fdata-sections"
jobs=2
all_triplets=(x86_64-linux-gnu aarch64-linux-gnu arm-linux-gnueabihf arm-linux-gnueabi)
deps=(wolfssl cares curl cjson mhd paho)
declare -A needs=([curl]="wolfssl cares")
declare -A libs=([wolfssl]=libwolfssl.a [cares]=libcares.a [curl]=libcurl.a [cjson]=libcjson.a
  [mhd]=libmicrohttpd.a [paho]="libpaho-mqtt3a.a libpaho-mqtt3c.a")
unset CFLAGS CPPFLAGS LDFLAGS LIBS

say() { echo "deps: $*"; }
die() { echo "deps: error: $*" >&2; exit 1; }

# run LOG WHAT CMD...: runs CMD with errexit in a subshell, output to LOG; on failure shows
# the log's tail and stops.
run() {
  local log=$1 what=$2 rc
  shift 2
  set +e
  (set -e; "$@") >"$log" 2>&1
  rc=$?
  set -e
  ((rc == 0)) && return 0
  tail -n 40 "$log" >&2
  die "$what failed (exit $rc), full log: $log"
}
in_dir() { cd "$1" && shift && "$@"; }

debian_arch() {
  case $1 in
    x86_64-linux-gnu) echo amd64 ;;
    aarch64-linux-gnu) echo arm64 ;;
    arm-linux-gnueabihf) echo armhf ;;
    arm-linux-gnueabi) echo armel ;;
    *) die "unsupported triplet '$1' (supported: ${all_triplets[*]})" ;;
  esac
}

# The lock: name, Debian package, Debian version, sha256 (paho has one line per architecture).
declare -A pkg ver sha line
while read -r name p v s; do
  [[ -z $name || $name == \#* ]] && continue
  pkg[$name]=$p ver[$name]=$v sha[$name]=$s line[$name]="$name $p $v $s"
done <"$lock_file"
lock_key() { if [[ $1 == paho ]]; then echo "paho:$arch"; else echo "$1"; fi; }
upstream() { local v=${1#*:}; echo "${v%-*}"; }

check_sha() {
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [[ $got == "$2" ]] ||
    die "sha256 mismatch for $1: got $got, deps.lock pins $2 (delete the file to fetch it again)"
}

# A private apt configuration under the cache; set up and updated at most once per run, and
# only when something has to be downloaded.
apt_opts=()
# debian_uri LABEL: where this machine's apt reaches Debian's archive with that label.
debian_uri() {
  local uri
  # shellcheck disable=SC2016 # apt's format string, not a shell expansion
  uri=$(apt-get indextargets --format '$(REPO_URI)' "Label: $1" | head -n 1)
  if [[ -z $uri && $EUID -eq 0 ]]; then
    # A machine whose apt lists were never fetched (or were cleaned) knows no labels yet.
    apt-get update >&2 || true
    # shellcheck disable=SC2016
    uri=$(apt-get indextargets --format '$(REPO_URI)' "Label: $1" | head -n 1)
  fi
  [[ -n $uri ]] || die "this machine's apt has no '$1' archive configured (or needs apt-get update)"
  echo "$uri"
}
apt_update() {
  ((${#apt_opts[@]} == 0)) || return 0
  local a=$cache/apt keyring=/usr/share/keyrings/debian-archive-keyring.gpg x archive security
  archive=$(debian_uri Debian)
  security=$(debian_uri Debian-Security)
  mkdir -p "$a/parts" "$a/lists/partial"
  # Security updates only as sources: paho's binary comes from bookworm itself.
  cat >"$a/parts/debian.sources" <<EOF
Types: deb deb-src
URIs: $archive
Suites: bookworm bookworm-updates
Components: main
Signed-By: $keyring

Types: deb-src
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: $keyring
EOF
  apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$a/parts"
    -o "Dir::State::Lists=$a/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
    -o Dir::State::status=/dev/null)
  for x in amd64 arm64 armhf armel; do apt_opts+=(-o "APT::Architectures::=$x"); done
  say "updating the private apt lists"
  run "$a/update.log" "apt-get update" apt-get "${apt_opts[@]}" update
}
apt_in_dl() { cd "$dl" && apt-get "${apt_opts[@]}" "$@"; }
pinned_or_die() { # PACKAGE VERSION AVAILABLE-VERSIONS...
  local p=$1 v=$2
  shift 2
  [[ " $* " == *" $v "* ]] ||
    die "$p $v (pinned in deps.lock) is not in Debian's archive any more; available: ${*:-none}"
}

# unpack NAME: fetches the pinned Debian source package once, checks the orig tarball against
# the lock, and unpacks it with Debian's patches applied. Sets src. The sources and the apt
# lists are shared by every triplet: one deps.sh at a time touches them (lock fd 9).
unpack() {
  flock 9
  unpack_unlocked "$@"
  flock -u 9
}
unpack_unlocked() {
  local name=$1 p=${pkg[$1]} v=${ver[$1]} dsc orig
  src=$cache/src/$p-$v
  dsc=$dl/${p}_${v#*:}.dsc
  [[ -f $src/.unpacked ]] && return 0
  mkdir -p "$dl"
  if [[ ! -f $dsc ]]; then
    apt_update
    # shellcheck disable=SC2046 # one word per version
    pinned_or_die "$p" "$v" $(apt-cache "${apt_opts[@]}" showsrc --only-source "$p" |
      sed -n 's/^Version: //p' | sort -u)
    say "fetching source $p $v"
    run "$dl/$p.log" "apt-get source $p=$v" apt_in_dl source --download-only "$p=$v"
  fi
  orig=$(awk '/^Checksums-Sha256:/ { f = 1; next } /^[^ ]/ { f = 0 }
    f && $3 ~ /\.orig\.tar\.[a-z0-9]+$/ { print $3 }' "$dsc")
  [[ -n $orig ]] || die "no orig tarball listed in $dsc"
  check_sha "$dl/$orig" "${sha[$name]}"
  rm -rf "$src"
  run "$src.log" "unpacking $p $v" prepare_source "$name" "$dsc"
  touch "$src/.unpacked"
}
prepare_source() {
  dpkg-source --no-copy -x "$2" "$src"
  # wolfSSL's orig tarball is a git tag without a configure script.
  if [[ $1 == wolfssl ]]; then in_dir "$src" ./autogen.sh; fi
}

# fetch_deb ARCH: fetches and checks the pinned paho binary package. Sets deb.
fetch_deb() {
  flock 9
  fetch_deb_unlocked "$@"
  flock -u 9
}
fetch_deb_unlocked() {
  local key=paho:$1 p v
  p=${pkg[$key]} v=${ver[$key]}
  deb=$dl/${p}_${v#*:}_$1.deb
  mkdir -p "$dl"
  if [[ ! -f $deb ]]; then
    apt_update
    # shellcheck disable=SC2046 # one word per version
    pinned_or_die "$p:$1" "$v" $(apt-cache "${apt_opts[@]}" madison "$p:$1" |
      awk -F' *[|] *' '{ print $2 }' | sort -u)
    say "fetching $p:$1 $v"
    run "$dl/$p-$1.log" "apt-get download $p:$1=$v" apt_in_dl download "$p:$1=$v"
  fi
  check_sha "$deb" "${sha[$key]}"
}

# Build steps, run inside the dependency's empty build directory. Their text is part of the
# stamp hash, so changing a flag here rebuilds that dependency (and what links against it).
autotools_configure() {
  "$src/configure" --build="$build" --host="$t" --prefix="$prefix" \
    --enable-static --disable-shared --disable-dependency-tracking \
    CC="$t-gcc" AR="$t-ar" RANLIB="$t-ranlib" CFLAGS="$cflags" "$@"
}

# cmake_configure ARGS...: CMake for this triplet (a cross build unless it is the build machine's).
cmake_configure() {
  local cross=()
  [[ $t == "$build" ]] || cross=(-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR="${t%%-*}")
  cmake -S "$src" -B . "${cross[@]}" -DCMAKE_C_COMPILER="$t-gcc" \
    -DCMAKE_AR="$(command -v "$t-ar")" -DCMAKE_RANLIB="$(command -v "$t-ranlib")" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="$cflags -DNDEBUG" \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib "$@"
}

build_wolfssl() {
  # A TLS 1.2/1.3 client for curl, plus AES-256-GCM and HKDF for sealing config secrets.
  # curl 7.88's wolfSSL backend is written against the OpenSSL compatibility layer, so it
  # needs opensslextra (not opensslall).
  autotools_configure --disable-examples --disable-crypttests --disable-benchmark \
    --enable-tls13 --enable-sni --enable-alpn --enable-supportedcurves \
    --enable-session-ticket --disable-oldtls --enable-sp --enable-aesgcm --enable-hkdf \
    --enable-opensslextra --enable-ip-alt-name
  make -j"$jobs"
  make install
}

build_cares() {
  # Its CMake build, not its configure script: the same static library, and some 400 configure
  # checks (two of the six minutes a cold machine spent on each triplet) become a 30 s CMake run.
  cmake_configure -DCARES_STATIC=ON -DCARES_SHARED=OFF -DCARES_BUILD_TOOLS=OFF \
    -DCARES_BUILD_TESTS=OFF
  cmake --build . -j "$jobs"
  cmake --install .
}

build_curl() {
  # LIBS=-lm: wolfSSL needs libm, which curl's link probe would not add for glibc targets.
  autotools_configure LIBS=-lm --with-wolfssl="$prefix" --enable-ares="$prefix" \
    --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --without-ca-path \
    --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
    --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
    --disable-gopher --disable-mqtt --disable-manual --disable-netrc --disable-ntlm-wb \
    --disable-unix-sockets --without-libpsl --without-libgsasl --without-zlib --without-brotli \
    --without-zstd --without-nghttp2 --without-ngtcp2 --without-nghttp3 --without-quiche \
    --without-msh3 --without-hyper --without-libidn2 --without-librtmp --without-libssh2 \
    --without-libssh --without-wolfssh --without-gssapi
  make -j"$jobs" -C lib
  make -C lib install-libLTLIBRARIES
  make -C include install
  make install-pkgconfigDATA
}

build_cjson() {
  cmake_configure -DBUILD_SHARED_LIBS=OFF -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF \
    -DENABLE_CUSTOM_COMPILER_FLAGS=OFF
  cmake --build . -j "$jobs"
  cmake --install .
}

build_mhd() {
  autotools_configure --disable-https --without-gnutls --disable-doc --disable-examples \
    --disable-curl --with-threads=posix --enable-poll=yes --enable-epoll=yes --enable-messages
  make -j"$jobs" -C src/microhttpd
  make -C src/microhttpd install-libLTLIBRARIES
  make -C src/include install
  make install-pkgconfigDATA
}

build_paho() {
  dpkg -x "$deb" .
  install -m 644 "usr/lib/$t/libpaho-mqtt3a.a" "usr/lib/$t/libpaho-mqtt3c.a" "$prefix/lib/"
  install -m 644 usr/include/*.h "$prefix/include/"
}

build_one() {
  local dep=$1 key v hash start d dir=$cache/build/$t
  key=$(lock_key "$dep")
  [[ -n ${ver[$key]:-} ]] || die "$key is missing from $lock_file"
  v=$(upstream "${ver[$key]}")
  hash=$({
    echo "${line[$key]} $cflags"
    declare -f "build_$dep" autotools_configure
    # the CMake helper only where it is used, so the other stamps stay as they were
    [[ $(declare -f "build_$dep") != *cmake_configure* ]] || declare -f cmake_configure
    for d in ${needs[$dep]:-}; do cat "$dir/$d.stamp"; done
  } | sha256sum | cut -d' ' -f1)
  if [[ -f $dir/$dep.stamp && $(<"$dir/$dep.stamp") == "$hash" ]] && all_installed "$dep"; then
    say "$t $dep $v cached"
    return 0
  fi
  if [[ $dep == paho ]]; then fetch_deb "$arch"; else unpack "$dep"; fi
  say "$t $dep $v building"
  start=$SECONDS
  rm -rf "${dir:?}/$dep" "$dir/$dep.stamp"
  mkdir -p "$dir/$dep" "$prefix/include" "$prefix/lib"
  run "$dir/$dep.log" "$t $dep build" in_dir "$dir/$dep" "build_$dep"
  echo "$hash" >"$dir/$dep.stamp"
  say "$t $dep $v built in $((SECONDS - start)) s"
}
all_installed() {
  local a
  for a in ${libs[$1]}; do [[ -f $prefix/lib/$a ]] || return 1; done
}

write_versions() {
  local dep key name
  {
    echo "# Generated by scripts/deps.sh from scripts/deps.lock."
    for dep in "${deps[@]}"; do
      key=$(lock_key "$dep") name=${dep^^}
      echo "set(PDB_DEP_${name}_VERSION \"$(upstream "${ver[$key]}")\")"
      echo "set(PDB_DEP_${name}_DEBIAN \"${ver[$key]}\")"
    done
  } >"$prefix/versions.cmake"
}

for tool in gcc make cmake autoreconf libtoolize apt-get apt-cache dpkg dpkg-source flock; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-packages.sh"
done
triplets=("$@")
((${#triplets[@]})) || triplets=("${all_triplets[@]}")
for t in "${triplets[@]}"; do debian_arch "$t" >/dev/null; done
build=$(gcc -dumpmachine)

# build_triplet T: every dependency for T. One lock per triplet, so a build for one board never
# waits for another board's; the shared sources are locked through a file opened here, so two
# triplets built side by side (below) exclude each other there too (a flock belongs to the open
# file, and one inherited from the parent would be shared, not exclusive).
build_triplet() {
  t=$1
  exec 9>"$cache/.lock-sources" 8>"$cache/.lock-$t"
  flock -n 8 || { say "waiting for another deps.sh building $t"; flock 8; }
  arch=$(debian_arch "$t")
  prefix=$cache/$t
  export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
  for tool in gcc ar ranlib strip; do
    command -v "$t-$tool" >/dev/null || die "$t-$tool not found: run scripts/install-packages.sh"
  done
  for dep in "${deps[@]}"; do build_one "$dep"; done
  rm -rf "${prefix:?}/bin" "$prefix/share" "$prefix"/lib/*.la
  write_versions
  exec 8>&- 9>&-
}

mkdir -p "$cache"
export PKG_CONFIG=pkg-config PKG_CONFIG_PATH=
begin=$SECONDS
if ((${#triplets[@]} == 1)); then
  build_triplet "${triplets[0]}"
else
  # Two triplets at a time, one make job each: configure scripts run on one core, so two
  # builds side by side keep both cores busy (a cold machine's four triplets: about 40% faster).
  jobs=1
  running=0
  for t in "${triplets[@]}"; do
    if ((running == 2)); then
      wait -n || die "a triplet's build failed (its log is named above)"
      running=$((running - 1))
    fi
    build_triplet "$t" &
    running=$((running + 1))
  done
  while ((running > 0)); do
    wait -n || die "a triplet's build failed (its log is named above)"
    running=$((running - 1))
  done
fi
say "done (${triplets[*]}) in $((SECONDS - begin)) s"
