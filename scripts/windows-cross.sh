#!/usr/bin/env bash
# Cross-build bx for 64-bit Windows on Linux with Debian's MinGW-w64, and run
# the offline test suite under Wine.
#
#   scripts/windows-cross.sh [options]        (scripts/windows-cross.sh --help)
#
# 1. Clones each dependency at a pinned tag into PREFIX/src and builds it as a
#    static library into PREFIX (a stamp per dependency: a second run skips
#    what is done; a changed pin or option rebuilds that one).
# 2. Configures and builds bx with cmake/mingw-w64-x86_64.cmake and
#    -DBX_WERROR=ON; bxlive.exe and bxanalyze.exe link everything statically
#    (no MinGW or dependency DLLs to ship).
# 3. Unless --no-test: runs ctest under Wine, all tests but test_live_jack
#    (JACK does not exist on Windows). The Python tests reach the .exe files
#    through wrapper scripts that tests/CMakeLists.txt generates.
#
# Needs: cmake >= 3.22, git, pkg-config, gcc-mingw-w64-x86-64-posix and
# g++-mingw-w64-x86-64-posix (libvorbis's build checks for a C++ compiler;
# PortAudio's ASIO is C++); for the tests wine (Debian:
# wine64), python3 with numpy, scipy and soundfile, and sox. Debian/Ubuntu:
#   apt-get install cmake git pkg-config gcc-mingw-w64-x86-64-posix \
#     g++-mingw-w64-x86-64-posix wine64 python3-numpy python3-scipy python3-soundfile sox
#
# Wine runs in WINEPREFIX if it is set, else in BUILD/wineprefix (made on the
# first run, about a minute), never in ~/.wine. To run tests by hand later:
#   WINEPREFIX=BUILD/wineprefix ctest --test-dir BUILD -E test_live_jack
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

# name|owner/repo|tag — built in this order (libsndfile needs the four codecs)
deps=(
  "ogg|xiph/ogg|v1.3.6"
  "vorbis|xiph/vorbis|v1.3.7"
  "flac|xiph/flac|1.4.3"
  "opus|xiph/opus|v1.5.1"
  "libsndfile|libsndfile/libsndfile|1.2.2"
  "portaudio|PortAudio/portaudio|v19.7.0"
  "kissfft|mborgerding/kissfft|131.2.0"
  "cjson|DaveGamble/cJSON|v1.7.19"
  "libebur128|jiixyj/libebur128|v1.2.6"
)

usage() {
  cat <<EOF
usage: scripts/windows-cross.sh [options]

Cross-builds bx for Windows x86_64 (MinGW-w64) and runs its tests under Wine.

  --prefix DIR      dependencies: sources in DIR/src, builds in DIR/build,
                    installed into DIR (default: \${XDG_CACHE_HOME:-~/.cache}/bx-win64)
  --build DIR       bx's build folder (default: build-win64 in the repository)
  --git-url TMPL    where to clone dependencies from; {owner} and {name} are
                    replaced (default: https://github.com/{owner}/{name}.git;
                    an offline mirror: 'file:///srv/git/{owner}+{name}/repo')
  --jobs N          parallel build jobs and tests (default: nproc)
  --no-test         build only, no Wine
  --asio-sdk DIR    build PortAudio with ASIO from the Steinberg ASIO SDK in DIR
                    (the folder with common/asio.h); default: no ASIO
  -h, --help        this text

Dependencies (static): $(for d in "${deps[@]}"; do IFS='|' read -r n _ t <<<"$d"; printf '%s %s, ' "$n" "$t"; done | sed 's/, $//').
Exit status: 0 built (and every test passed or was skipped), 1 otherwise.
EOF
}

prefix=${XDG_CACHE_HOME:-$HOME/.cache}/bx-win64
build=$repo/build-win64
git_url='https://github.com/{owner}/{name}.git'
jobs=$(nproc 2>/dev/null || echo 2)
run_tests=1
asio_sdk=

while (($#)); do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    --build) build=${2:?--build needs a folder}; shift 2 ;;
    --git-url) git_url=${2:?--git-url needs a template}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --no-test) run_tests=0; shift ;;
    --asio-sdk) asio_sdk=${2:?--asio-sdk needs a folder}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "windows-cross: unknown option '$1' (see --help)" >&2; exit 1 ;;
  esac
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "windows-cross: --jobs wants a positive number, not '$jobs'" >&2; exit 1; }
mkdir -p "$prefix" "$build"
prefix=$(cd "$prefix" && pwd)
build=$(cd "$build" && pwd)
if [[ -n $asio_sdk ]]; then
  [[ -f $asio_sdk/common/asio.h ]] || { echo "windows-cross: $asio_sdk/common/asio.h not found (--asio-sdk wants the ASIO SDK's top folder)" >&2; exit 1; }
  asio_sdk=$(cd "$asio_sdk" && pwd)
fi

toolchain=$repo/cmake/mingw-w64-x86_64.cmake
need=(cmake git pkg-config x86_64-w64-mingw32-gcc)
[[ -z $asio_sdk ]] || need+=(x86_64-w64-mingw32-g++-posix)
((run_tests == 0)) || need+=(wine)
for tool in "${need[@]}"; do
  command -v "$tool" >/dev/null || { echo "windows-cross: '$tool' not found (see the top of $0 for the packages)" >&2; exit 1; }
done

now() { date +%s; }
# the log's last lines and exit: a dependency failed
fail_log() {
  echo "windows-cross: $1 failed; the end of $2:" >&2
  tail -n 40 "$2" >&2
  exit 1
}

# Every dependency is configured with these: static, Release, no programs,
# tests, examples or docs, installed into the prefix (the install folders
# given: KissFFT reads GNUInstallDirs only on native Linux and would install
# its headers to /kissfft). CMAKE_POLICY_VERSION_MINIMUM lets CMake 4
# configure the projects that still ask for CMake 2.8.
common=(-DCMAKE_TOOLCHAIN_FILE="$toolchain" -DBX_WIN_PREFIX="$prefix"
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib
        -DCMAKE_INSTALL_INCLUDEDIR=include -DCMAKE_INSTALL_BINDIR=bin
        -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF
        -DCMAKE_POLICY_VERSION_MINIMUM=3.5)

# Project options, into the array args. Stack protector and _FORTIFY_SOURCE
# are off: with mingw-w64 before 11 they need libssp at every later link.
dep_args() {
  case $1 in
    ogg) args=(-DINSTALL_DOCS=OFF) ;;
    vorbis) args=() ;;
    flac) args=(-DBUILD_CXXLIBS=OFF -DBUILD_PROGRAMS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_DOCS=OFF
                -DINSTALL_MANPAGES=OFF -DWITH_STACK_PROTECTOR=OFF -DWITH_FORTIFY_SOURCE=OFF) ;;
    opus) args=(-DOPUS_BUILD_PROGRAMS=OFF -DOPUS_BUILD_TESTING=OFF -DOPUS_STACK_PROTECTOR=OFF
                -DOPUS_FORTIFY_SOURCE=OFF) ;;
    # the codecs' CMake packages carry FLAC__NO_DLL for a static libFLAC
    libsndfile) args=(-DENABLE_EXTERNAL_LIBS=ON -DENABLE_MPEG=OFF -DBUILD_PROGRAMS=OFF
                      -DBUILD_EXAMPLES=OFF -DENABLE_CPACK=OFF -DINSTALL_MANPAGES=OFF
                      -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON) ;;
    portaudio)
      args=(-DPA_BUILD_STATIC=ON -DPA_BUILD_SHARED=OFF -DPA_BUILD_TESTS=OFF -DPA_BUILD_EXAMPLES=OFF
            -DPA_USE_WASAPI=ON -DPA_USE_WDMKS=ON -DPA_USE_DS=ON -DPA_USE_WMME=ON)
      if [[ -n $asio_sdk ]]; then
        args+=(-DPA_USE_ASIO=ON -DASIOSDK_ROOT_DIR="$asio_sdk" -DASIOSDK_INCLUDE_DIR="$asio_sdk/common")
      else
        args+=(-DPA_USE_ASIO=OFF)
      fi ;;
    kissfft) args=(-DKISSFFT_DATATYPE=float -DKISSFFT_STATIC=ON -DKISSFFT_PKGCONFIG=ON
                   -DKISSFFT_TEST=OFF -DKISSFFT_TOOLS=OFF -DKISSFFT_OPENMP=OFF) ;;
    # no dllexport in a static library (the .pc gets -DCJSON_HIDE_SYMBOLS
    # below); no custom flags (they add -fstack-protector-strong)
    cjson) args=(-DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF -DENABLE_CUSTOM_COMPILER_FLAGS=OFF
                 -DENABLE_PUBLIC_SYMBOLS=OFF -DENABLE_HIDDEN_SYMBOLS=ON -DENABLE_CJSON_UNINSTALL=OFF) ;;
    libebur128) args=(-DENABLE_TESTS=OFF) ;;
  esac
}

# What the installed files of a dependency need for a static link through
# pkg-config that its own build does not write.
dep_fixup() {
  local pc=$prefix/lib/pkgconfig
  case $1 in
    portaudio)
      # v19.7.0's CMake leaves the Windows system libraries out of the .pc
      if ! grep -q '^Libs.private:' "$pc/portaudio-2.0.pc"; then
        local libs="-lwinmm -ldsound -lole32 -luuid -lsetupapi"
        [[ -z $asio_sdk ]] || libs+=" -lstdc++"
        echo "Libs.private: $libs" >>"$pc/portaudio-2.0.pc"
      fi ;;
    cjson)
      grep -q CJSON_HIDE_SYMBOLS "$pc/libcjson.pc" ||
        sed -i 's/^Cflags:.*/& -DCJSON_HIDE_SYMBOLS/' "$pc/libcjson.pc" ;;
  esac
}

# Clone (if missing), configure, build and install one dependency, unless its
# stamp says this exact tag and configuration is installed.
build_dep() {
  local name=$1 slug=$2 tag=$3
  local owner=${slug%%/*} project=${slug#*/}
  local src=$prefix/src/$name-$tag bdir=$prefix/build/$name-$tag
  local log=$prefix/logs/$name.log stamp=$prefix/stamps/$name
  local -a args
  dep_args "$name"
  local want="$tag ${common[*]} ${args[*]}"
  if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
    echo "  $name $tag: done before (stamp $stamp)"
    return
  fi
  if [[ ! -d $src/.git ]]; then
    local url=${git_url//\{owner\}/$owner}
    url=${url//\{name\}/$project}
    echo "  $name $tag: cloning $url"
    rm -rf "$src"
    git -c advice.detachedHead=false clone -q --depth 1 --branch "$tag" "$url" "$src" 2>"$log" ||
      fail_log "cloning $name" "$log"
  fi
  echo "  $name $tag: building"
  # a rebuild first removes what the previous install put down (a header of
  # an option since turned off, or of an older tag, must not stay behind)
  if [[ -f $stamp.files ]]; then
    tr '\n' '\0' <"$stamp.files" | xargs -0 rm -f
  fi
  rm -rf "$bdir" "$stamp" "$stamp.files"
  {
    cmake -S "$src" -B "$bdir" "${common[@]}" "${args[@]}" &&
      cmake --build "$bdir" -j "$jobs" &&
      cmake --install "$bdir"
  } >"$log" 2>&1 || fail_log "building $name" "$log"
  cp "$bdir/install_manifest.txt" "$stamp.files"
  dep_fixup "$name"
  echo "$want" >"$stamp"
  rebuilt=1
}

echo "== dependencies into $prefix =="
mkdir -p "$prefix/src" "$prefix/build" "$prefix/logs" "$prefix/stamps"
t0=$(now)
rebuilt=0
for d in "${deps[@]}"; do
  IFS='|' read -r name slug tag <<<"$d"
  build_dep "$name" "$slug" "$tag"
done
t_deps=$(($(now) - t0))

echo "== bx in $build =="
t0=$(now)
# pkg-config's answers are cached: new dependencies, a fresh configure
((rebuilt == 0)) || rm -f "$build/CMakeCache.txt"
# --static: pkg-config adds Libs.private and Requires.private (PortAudio's
# Windows libraries, libsndfile's codecs); -static: libgcc and winpthreads too.
bx_args=(-DCMAKE_TOOLCHAIN_FILE="$toolchain" -DBX_WIN_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release
         -DBX_WERROR=ON -DPKG_CONFIG_ARGN=--static -DCMAKE_EXE_LINKER_FLAGS=-static)
cmake -S "$repo" -B "$build" "${bx_args[@]}" >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }
grep '^-- bx:' "$build/configure.log" || true
cmake --build "$build" -j "$jobs"
t_bx=$(($(now) - t0))

# Without the SDK PortAudio installs no pa_asio.h, and bx's ASIO code (channel
# selectors, buffer sizes in --list-devices) is left out of the build. Compile
# it all the same, against the header in PortAudio's sources (the header
# needs no SDK), with the build's warnings as errors; not linked.
if [[ -z $asio_sdk ]]; then
  pa_src=$(ls -d "$prefix"/src/portaudio-* | head -n 1)
  echo "== bx's ASIO code, compiled against $pa_src/include/pa_asio.h (not linked) =="
  for f in live.c devices.c; do
    x86_64-w64-mingw32-gcc -std=c11 -fsyntax-only -Wall -Wextra -Wshadow -Wstrict-prototypes \
      -Wmissing-prototypes -Wcast-qual -Werror -D__USE_MINGW_ANSI_STDIO=1 -DCJSON_HIDE_SYMBOLS \
      -isystem "$pa_src/include" -isystem "$prefix/include" -I"$repo/include" -I"$repo/common" \
      -I"$repo/live" "$repo/live/$f"
    macros=$(x86_64-w64-mingw32-gcc -std=c11 -E -dM -isystem "$pa_src/include" \
      -isystem "$prefix/include" -I"$repo/include" -I"$repo/common" -I"$repo/live" "$repo/live/$f")
    [[ $macros == *"define HAVE_PA_ASIO 1"* ]] ||
      { echo "windows-cross: live/$f did not see pa_asio.h" >&2; exit 1; }
    echo "  live/$f with HAVE_PA_ASIO: no warning"
  done
fi

exes=()
for exe in bxlive bxanalyze bxgen; do exes+=("$build/$exe.exe"); done
echo "== DLLs the programs load (all from Windows itself) =="
for exe in "${exes[@]}"; do
  printf '  %s: %s\n' "$(basename "$exe")" \
    "$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' | sort | tr '\n' ' ')"
done

t_wine=0 t_test=0 test_rc=0
if ((run_tests)); then
  export WINEPREFIX=${WINEPREFIX:-$build/wineprefix}
  export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  echo "== Wine prefix $WINEPREFIX =="
  t0=$(now)
  # made (or updated) once here, not by the first tests that run in parallel
  wine wineboot --init >/dev/null 2>&1 || true
  if command -v wineserver >/dev/null; then wineserver -w || true; fi
  t_wine=$(($(now) - t0))
  echo "== tests under Wine (all but test_live_jack) =="
  t0=$(now)
  (cd "$build" && ctest -E '^test_live_jack$' --output-on-failure -j "$jobs") 2>&1 |
    tee "$build/ctest-wine.log" || test_rc=$?
  t_test=$(($(now) - t0))
fi

echo "== summary =="
echo "  command:      $0 --prefix $prefix --build $build --git-url '$git_url' --jobs $jobs$( ((run_tests)) || echo ' --no-test')${asio_sdk:+ --asio-sdk $asio_sdk}"
cc=$(sed -n 's/^BX_WIN_CC:[A-Z]*=//p' "$build/CMakeCache.txt")
echo "  compiler:     $cc ($("$cc" -dumpversion), $("$cc" -v 2>&1 | sed -n 's/^Thread model: //p') threads)"
echo "  dependencies: ${t_deps}s ($prefix, logs in $prefix/logs)"
echo "  bx build:     ${t_bx}s"
for exe in "${exes[@]}"; do echo "  program:      $exe"; done
if ((run_tests)); then
  echo "  wine prefix:  ${t_wine}s ($WINEPREFIX)"
  echo "  tests:        ${t_test}s, $(grep -E 'tests passed|tests failed' "$build/ctest-wine.log" | tail -n 1)"
  # every test that did not pass, with ctest's reason
  grep -E 'Test +#[0-9]+: ' "$build/ctest-wine.log" | grep -v ' Passed ' | sed 's/^ *[0-9]*\/[0-9]* /    /' || true
  echo "  ctest log:    $build/ctest-wine.log"
fi
exit $((test_rc != 0))
