# CMake toolchain file: 64-bit Windows from Linux with Debian's MinGW-w64
# (packages gcc-mingw-w64-x86-64-posix, mingw-w64-x86-64-dev).
#
#   cmake -S . -B build-win64 -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DBX_WIN_PREFIX=$HOME/.cache/bx-win64 \
#         -DPKG_CONFIG_ARGN=--static -DCMAKE_EXE_LINKER_FLAGS=-static
#
# BX_WIN_PREFIX (a -D variable, or the environment variable of that name) is
# where the Windows builds of the dependencies are installed: CMake looks for
# headers, libraries and packages there (and in the compiler's own sysroot),
# and pkg-config reads only its .pc files (PKG_CONFIG_LIBDIR), never the
# host's. scripts/windows-cross.sh builds that prefix.
#
# The compilers' posix thread model is preferred where installed (its runtime
# has the complete C11/C++11 thread support, through winpthreads); bx itself
# uses Win32 threads (analyze/threads.c), so the -win32 variant builds it too.
# Link with -static for executables that need no MinGW DLLs
# (scripts/windows-cross.sh does).
#
# When wine is installed it becomes CMAKE_CROSSCOMPILING_EMULATOR, so ctest
# runs the test executables under it.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(BX_WIN_TRIPLET x86_64-w64-mingw32)
# -posix first (Debian's alternative may point plain gcc at -win32); fall back
# to the plain names where only those exist.
find_program(BX_WIN_CC NAMES ${BX_WIN_TRIPLET}-gcc-posix ${BX_WIN_TRIPLET}-gcc REQUIRED)
find_program(BX_WIN_CXX NAMES ${BX_WIN_TRIPLET}-g++-posix ${BX_WIN_TRIPLET}-g++)
find_program(BX_WIN_RC NAMES ${BX_WIN_TRIPLET}-windres)
set(CMAKE_C_COMPILER ${BX_WIN_CC})
if(BX_WIN_CXX)
  set(CMAKE_CXX_COMPILER ${BX_WIN_CXX})
endif()
if(BX_WIN_RC)
  set(CMAKE_RC_COMPILER ${BX_WIN_RC})
endif()

if(NOT BX_WIN_PREFIX AND DEFINED ENV{BX_WIN_PREFIX})
  set(BX_WIN_PREFIX "$ENV{BX_WIN_PREFIX}")
endif()
# try_compile projects re-read this file without the cache: hand them the prefix
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES BX_WIN_PREFIX)

set(CMAKE_FIND_ROOT_PATH /usr/${BX_WIN_TRIPLET})
if(BX_WIN_PREFIX)
  list(PREPEND CMAKE_FIND_ROOT_PATH "${BX_WIN_PREFIX}")
  list(APPEND CMAKE_PREFIX_PATH "${BX_WIN_PREFIX}")
  # pkg-config: the prefix's .pc files only, with their paths as written
  set(ENV{PKG_CONFIG_LIBDIR} "${BX_WIN_PREFIX}/lib/pkgconfig:${BX_WIN_PREFIX}/share/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
  unset(ENV{PKG_CONFIG_SYSROOT_DIR})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(BX_WINE NAMES wine wine64)
  if(BX_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${BX_WINE})
  endif()
endif()
