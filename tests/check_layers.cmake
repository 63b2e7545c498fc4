# check_layers.cmake — the folders' layers hold: every `#include "..."` in a
# layer names a header of its own folder or of a layer below it.
#
#   libbx      include/bx/ (public), src/ (private)
#   common/    the program layer: console, threads, ring, exit statuses
#   programs   analyze/, live/, tools/, bench/ (none includes another's)
#
#   cmake -DROOT=<source dir> -P tests/check_layers.cmake
#
# Fails with one line per include that points up or sideways, or that climbs
# out of its folder with "..". Angle-bracket includes (system and dependency
# headers) are not the layers' business. And include/bx/bx.h, the umbrella,
# includes every public header.

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source dir> -P check_layers.cmake")
endif()

# folder -> the folders its quoted includes may resolve in, besides its own
set(below_include/bx "include")
set(below_src "include")
set(below_common "include")
set(below_analyze "common;include")
set(below_live "common;include")
set(below_tools "common;include")
set(below_bench "common;include")

set(bad "")
set(files_checked 0)
foreach(layer include/bx src common analyze live tools bench)
  file(GLOB sources "${ROOT}/${layer}/*.c" "${ROOT}/${layer}/*.h")
  foreach(f ${sources})
    math(EXPR files_checked "${files_checked} + 1")
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    file(RELATIVE_PATH rel "${ROOT}" "${f}")
    foreach(line ${lines})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*$" "\\1" name "${line}")
      if(name MATCHES "\\.\\.")
        list(APPEND bad "${rel}: #include \"${name}\" climbs out of ${layer}/")
        continue()
      endif()
      set(found "")
      if(EXISTS "${ROOT}/${layer}/${name}")
        set(found own)
      else()
        foreach(root ${below_${layer}})
          if(EXISTS "${ROOT}/${root}/${name}")
            set(found ${root})
            break()
          endif()
        endforeach()
      endif()
      if(NOT found)
        set(where "nowhere")
        foreach(other include src common analyze live tools bench tests)
          if(EXISTS "${ROOT}/${other}/${name}")
            set(where "${other}/")
            break()
          endif()
        endforeach()
        string(REPLACE ";" "/, " allowed "${below_${layer}}")
        list(APPEND bad "${rel}: #include \"${name}\" is in ${where}, not in ${layer}/ or below it (${allowed}/)")
      endif()
    endforeach()
  endforeach()
endforeach()

# the umbrella header includes every public header
file(GLOB public RELATIVE "${ROOT}/include" "${ROOT}/include/bx/*.h")
file(READ "${ROOT}/include/bx/bx.h" umbrella)
foreach(h ${public})
  if(NOT h STREQUAL "bx/bx.h" AND NOT umbrella MATCHES "#include \"${h}\"")
    list(APPEND bad "include/bx/bx.h: does not include the public header ${h}")
  endif()
endforeach()

if(files_checked LESS 20)
  message(FATAL_ERROR "check_layers: only ${files_checked} files under ${ROOT}: wrong ROOT?")
endif()
if(bad)
  list(LENGTH bad n)
  foreach(b ${bad})
    message("${b}")
  endforeach()
  message(FATAL_ERROR "check_layers: ${n} include(s) against the layers")
endif()
message("check_layers: ${files_checked} files, every include within its layers")
