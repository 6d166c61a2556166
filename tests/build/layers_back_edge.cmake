# cmake -P script run by the layers_back_edge_fails test (tests/build/CMakeLists.txt). It copies the
# source tree (sources and CMake files; no build folders, no .git) into BURST_WORK_DIR, configures the
# copy unmodified (it must succeed), then adds two back edges and configures again: it passes only
# when that configure fails and names each edge, on one line, as cmake/BurstLayers.cmake words it.
cmake_minimum_required(VERSION 3.25)

foreach(_var BURST_SOURCE_DIR BURST_WORK_DIR BURST_GENERATOR)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "layers_back_edge: -D${_var}=... is required")
  endif()
endforeach()

set(_src ${BURST_WORK_DIR}/src)
set(_build ${BURST_WORK_DIR}/build)
file(REMOVE_RECURSE ${BURST_WORK_DIR})
file(MAKE_DIRECTORY ${_src})

# 1. The copy: every top-level folder but build*/ and hidden ones, sources and CMake files only.
file(GLOB _top RELATIVE ${BURST_SOURCE_DIR} LIST_DIRECTORIES true ${BURST_SOURCE_DIR}/*)
foreach(_e IN LISTS _top)
  if(_e MATCHES "^(build|out$|\\.)")
    continue()
  endif()
  if(IS_DIRECTORY ${BURST_SOURCE_DIR}/${_e})
    file(COPY ${BURST_SOURCE_DIR}/${_e} DESTINATION ${_src}
         FILES_MATCHING PATTERN "*.cpp" PATTERN "*.cc" PATTERN "*.c" PATTERN "*.hpp" PATTERN "*.h"
                        PATTERN "*.cu" PATTERN "*.cuh" PATTERN "*.inl" PATTERN "*.in"
                        PATTERN "CMakeLists.txt" PATTERN "*.cmake")
  elseif(_e MATCHES "^(CMakeLists\\.txt|CMakePresets\\.json)$")
    file(COPY ${BURST_SOURCE_DIR}/${_e} DESTINATION ${_src})
  endif()
endforeach()

set(_configure ${CMAKE_COMMAND} -S ${_src} -B ${_build} -G ${BURST_GENERATOR}
               -DBURST_ENABLE_CUDA=OFF -DBURST_BUILD_TESTS=OFF -DBURST_BUILD_BENCH=OFF -DBURST_ENABLE_MPI=OFF)
if(BURST_CXX_COMPILER)
  list(APPEND _configure -DCMAKE_CXX_COMPILER=${BURST_CXX_COMPILER})
endif()
if(BURST_C_COMPILER)
  list(APPEND _configure -DCMAKE_C_COMPILER=${BURST_C_COMPILER})
endif()

# 2. The unmodified copy configures (and says it checked the layers).
execute_process(COMMAND ${_configure} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
if(NOT _rc EQUAL 0 OR NOT _out MATCHES "burst: layers checked: ")
  message("${_out}")
  message(FATAL_ERROR "layers_back_edge: the unmodified source tree did not configure (exit ${_rc})")
endif()
message(STATUS "layers_back_edge: the unmodified copy configures")

# 3. A source of kernels/ includes tuner/, and a base header includes a runtime one.
set(_edge_file kernels/registry.cpp)
if(NOT EXISTS ${_src}/${_edge_file})
  message(FATAL_ERROR "layers_back_edge: ${_edge_file} is gone; pick another kernels/ source")
endif()
file(APPEND ${_src}/${_edge_file} "\n#include \"tuner/space.hpp\"\n")
file(APPEND ${_src}/include/burst/types.hpp "\n#include \"burst/attention.hpp\"\n")

execute_process(COMMAND ${_configure} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
message("${_out}")
if(_rc EQUAL 0)
  message(FATAL_ERROR "layers_back_edge: the configure with back edges succeeded")
endif()
foreach(_expected
    "kernels/registry.cpp includes \"tuner/space.hpp\": kernels may use only base"
    "include/burst/types.hpp includes \"burst/attention.hpp\": base may use no other layer")
  string(REGEX REPLACE "([][.*+?^$()|\\\\])" "\\\\\\1" _re "${_expected}")
  if(NOT _out MATCHES "(^|\n)[ ]*${_re}[ ]*\n")
    message(FATAL_ERROR "layers_back_edge: the configure failed without the line: ${_expected}")
  endif()
endforeach()
message(STATUS "layers_back_edge: both back edges were reported")
