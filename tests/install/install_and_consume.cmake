# cmake -P script run by the install_and_consume and install_libburst_alone tests
# (tests/install/CMakeLists.txt). Every step must succeed; the first failure ends the script with
# FATAL_ERROR (a failed test). With -DBURST_LIBRARY_ONLY=ON it first configures and builds libburst
# alone into BURST_BINARY_DIR, and the installed tree must have no burst-tune.
cmake_minimum_required(VERSION 3.25)

foreach(_var BURST_BINARY_DIR BURST_SOURCE_DIR BURST_WORK_DIR BURST_GENERATOR BURST_CXX_COMPILER)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "install_and_consume: -D${_var}=... is required")
  endif()
endforeach()

# burst_step(<what> COMMAND ...): runs the command, shows its output, fails the test on a non-zero exit.
function(burst_step what)
  cmake_parse_arguments(S "" "OUTPUT_VARIABLE" "COMMAND" ${ARGN})
  message(STATUS "install_and_consume: ${what}")
  execute_process(COMMAND ${S_COMMAND} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  message("${_out}")
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "install_and_consume: ${what} failed (exit ${_rc})")
  endif()
  if(S_OUTPUT_VARIABLE)
    set(${S_OUTPUT_VARIABLE} "${_out}" PARENT_SCOPE)
  endif()
endfunction()

set(_prefix ${BURST_WORK_DIR}/prefix)
set(_consumer_build ${BURST_WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${BURST_WORK_DIR})
file(MAKE_DIRECTORY ${BURST_WORK_DIR})

set(_install_config)
if(BURST_BUILD_TYPE)
  set(_install_config --config ${BURST_BUILD_TYPE})
endif()

# 0. (BURST_LIBRARY_ONLY) libburst alone: no tools, tests, benchmarks or CUDA. A REQUIRED
#    find_package of a package hidden with CMAKE_DISABLE_FIND_PACKAGE_<name> fails the configure, so
#    this shows that libburst needs none of CLI11, SQLite, fmt and GoogleTest; and none of its
#    sources includes them.
if(BURST_LIBRARY_ONLY)
  foreach(_dir base kernels comm trace profiles runtime include/burst)
    file(GLOB_RECURSE _files ${BURST_SOURCE_DIR}/${_dir}/*.cpp ${BURST_SOURCE_DIR}/${_dir}/*.hpp
         ${BURST_SOURCE_DIR}/${_dir}/*.h ${BURST_SOURCE_DIR}/${_dir}/*.cu ${BURST_SOURCE_DIR}/${_dir}/*.cuh)
    foreach(_f IN LISTS _files)
      file(STRINGS ${_f} _hits REGEX "#[ \t]*include[ \t]*[<\"](fmt/|CLI/|sqlite3\\.h|gtest/)")
      if(_hits)
        message(FATAL_ERROR "install_and_consume: libburst source ${_f} includes a tools-only library: ${_hits}")
      endif()
    endforeach()
  endforeach()
  set(_configure_lib ${CMAKE_COMMAND} -S ${BURST_SOURCE_DIR} -B ${BURST_BINARY_DIR} -G ${BURST_GENERATOR}
                     --no-warn-unused-cli -DCMAKE_CXX_COMPILER=${BURST_CXX_COMPILER}
                     -DBURST_ENABLE_CUDA=OFF -DBURST_BUILD_TOOLS=OFF -DBURST_BUILD_TESTS=OFF -DBURST_BUILD_BENCH=OFF
                     -DBURST_PYTHON=OFF
                     -DCMAKE_DISABLE_FIND_PACKAGE_fmt=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON
                     -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON
                     -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON)
  foreach(_var C_COMPILER CXX_COMPILER_LAUNCHER BUILD_TYPE)
    if(BURST_${_var})
      list(APPEND _configure_lib -DCMAKE_${_var}=${BURST_${_var}})
    endif()
  endforeach()
  if(BURST_CXX_COMPILER_LAUNCHER)
    list(APPEND _configure_lib -DCMAKE_C_COMPILER_LAUNCHER=${BURST_CXX_COMPILER_LAUNCHER})
  endif()
  if(BURST_WARNINGS_AS_ERRORS)
    list(APPEND _configure_lib -DBURST_WARNINGS_AS_ERRORS=ON)
  endif()
  burst_step("configure libburst alone (BURST_BUILD_TOOLS=OFF)" COMMAND ${_configure_lib})
  burst_step("build libburst alone" COMMAND ${CMAKE_COMMAND} --build ${BURST_BINARY_DIR} ${_install_config})
endif()

# 1. Install the build tree into a fresh prefix.
burst_step("cmake --install" COMMAND ${CMAKE_COMMAND} --install ${BURST_BINARY_DIR} --prefix ${_prefix} ${_install_config})

set(_lib lib)
if(BURST_INSTALL_LIBDIR)
  set(_lib ${BURST_INSTALL_LIBDIR})  # CMAKE_INSTALL_LIBDIR as the build used it
endif()
set(_tool)
if(NOT BURST_LIBRARY_ONLY)
  set(_tool bin/burst-tune)
elseif(EXISTS ${_prefix}/bin/burst-tune)
  message(FATAL_ERROR "install_and_consume: libburst alone installed ${_prefix}/bin/burst-tune")
endif()
foreach(_file ${_tool} include/burst/attention.hpp include/burst/launch.hpp include/burst/burst.h
              include/burst/config.hpp ${_lib}/cmake/Burst/BurstConfig.cmake ${_lib}/cmake/Burst/BurstConfigVersion.cmake
              ${_lib}/cmake/Burst/BurstTargets.cmake ${_lib}/pkgconfig/burst.pc)
  if(NOT EXISTS ${_prefix}/${_file})
    message(FATAL_ERROR "install_and_consume: ${_prefix}/${_file} was not installed")
  endif()
endforeach()
file(GLOB _libs ${_prefix}/${_lib}/libburst.*)
if(NOT _libs)
  message(FATAL_ERROR "install_and_consume: no ${_prefix}/${_lib}/libburst.* was installed")
endif()

# 2. The example, a standalone project, against the installed package only.
set(_configure ${CMAKE_COMMAND} -S ${BURST_SOURCE_DIR}/examples/consumer -B ${_consumer_build}
               -G ${BURST_GENERATOR} -DCMAKE_PREFIX_PATH=${_prefix} -DCMAKE_CXX_COMPILER=${BURST_CXX_COMPILER}
               -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
if(BURST_BUILD_TYPE)
  list(APPEND _configure -DCMAKE_BUILD_TYPE=${BURST_BUILD_TYPE})
endif()
if(BURST_C_COMPILER)
  list(APPEND _configure -DCMAKE_C_COMPILER=${BURST_C_COMPILER})
endif()
if(BURST_CXX_COMPILER_LAUNCHER)
  list(APPEND _configure -DCMAKE_CXX_COMPILER_LAUNCHER=${BURST_CXX_COMPILER_LAUNCHER}
       -DCMAKE_C_COMPILER_LAUNCHER=${BURST_CXX_COMPILER_LAUNCHER})
endif()
burst_step("configure examples/consumer" COMMAND ${_configure})
burst_step("build examples/consumer" COMMAND ${CMAKE_COMMAND} --build ${_consumer_build} ${_install_config})

# 3. Run both programs, burst_consumer (C++ API) and burst_consumer_c (the C ABI, consumer_c.c),
#    with the example's profile: each must use its entry 0 (a foreign fingerprint, policy warn) and
#    PASS; each exits non-zero when its results are wrong.
set(_profile ${BURST_SOURCE_DIR}/examples/consumer/profile.json)
foreach(_exe IN ITEMS burst_consumer burst_consumer_c)
  find_program(_consumer_${_exe} NAMES ${_exe} PATHS ${_consumer_build} ${_consumer_build}/${BURST_BUILD_TYPE}
               NO_DEFAULT_PATH NO_CACHE)
  if(NOT _consumer_${_exe})
    message(FATAL_ERROR "install_and_consume: ${_exe} was not built in ${_consumer_build}")
  endif()
  burst_step("run ${_exe} (BURST_PROFILE=${_profile})"
             COMMAND ${CMAKE_COMMAND} -E env BURST_PROFILE=${_profile} BURST_PROFILE_POLICY=warn ${_consumer_${_exe}}
             OUTPUT_VARIABLE _run)
  if(NOT _run MATCHES "profile\\.json entry 0 \\(foreign_fingerprint\\)" OR NOT _run MATCHES "\nPASS")
    message(FATAL_ERROR "install_and_consume: ${_exe} did not use profile.json entry 0 or did not PASS")
  endif()
endforeach()

# 4. The installed burst-tune accepts the example's profile.
if(NOT BURST_LIBRARY_ONLY)
  burst_step("installed burst-tune validate" COMMAND ${_prefix}/bin/burst-tune validate ${_profile})
endif()

# 5. burst.pc names the installed tree and -lburst.
if(BURST_PKG_CONFIG)
  burst_step("pkg-config --cflags --libs burst"
             COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${_prefix}/${_lib}/pkgconfig
                     ${BURST_PKG_CONFIG} --cflags --libs burst
             OUTPUT_VARIABLE _pc)
  if(NOT _pc MATCHES "-lburst" OR NOT _pc MATCHES "-I[^ ]*include")
    message(FATAL_ERROR "install_and_consume: pkg-config output lacks -lburst or -I...include: ${_pc}")
  endif()
else()
  message(FATAL_ERROR "install_and_consume: pkg-config was not found at configure time")
endif()

# 6. A C program builds with exactly what burst.pc gives (no C++-only flag such as -std=c++20 in
#    Cflags: -Werror makes gcc's "valid for C++ but not for C" fatal, clang refuses it anyway) and
#    runs against the installed libburst: tests/runtime/c_api_header_check.c uses burst/burst.h.
set(_cc cc)
if(BURST_C_COMPILER)
  set(_cc ${BURST_C_COMPILER})
endif()
set(_pc_static)
if(NOT EXISTS ${_prefix}/${_lib}/libburst.so)
  set(_pc_static --static)  # libburst.a: its C++ runtime and dependencies from Libs.private
endif()
burst_step("pkg-config ${_pc_static} --cflags --libs burst (for cc)"
           COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${_prefix}/${_lib}/pkgconfig
                   ${BURST_PKG_CONFIG} ${_pc_static} --cflags --libs burst
           OUTPUT_VARIABLE _pc_c)
string(STRIP "${_pc_c}" _pc_c)
separate_arguments(_pc_c_flags UNIX_COMMAND "${_pc_c}")
file(WRITE ${BURST_WORK_DIR}/c_consumer_main.c
     "int burst_c_header_check(void);\nint main(void) { return burst_c_header_check(); }\n")
burst_step("${_cc} -Werror c_api_header_check.c $(pkg-config --cflags --libs burst)"
           COMMAND ${_cc} -Werror -Wall ${BURST_SOURCE_DIR}/tests/runtime/c_api_header_check.c
                   ${BURST_WORK_DIR}/c_consumer_main.c ${_pc_c_flags} -o ${BURST_WORK_DIR}/c_consumer)
burst_step("run the C consumer"
           COMMAND ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${_prefix}/${_lib} ${BURST_WORK_DIR}/c_consumer)

message(STATUS "install_and_consume: all steps passed")
