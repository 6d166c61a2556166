# BURST_SANITIZE: sanitizers for every C and C++ target of the build (the asan and tsan presets in
# CMakePresets.json), as a -fsanitize= list: "address,undefined" or "thread"; empty (the default)
# for none. Included from BurstWarnings.cmake, before any target exists, so the flags reach every
# target, OBJECT libraries and tests included. CUDA sources are not instrumented (the presets build
# without CUDA). Undefined behaviour is fatal (-fno-sanitize-recover=undefined), so a UBSan finding
# fails its test like an ASan or TSan one.
include_guard(GLOBAL)

set(BURST_SANITIZE "" CACHE STRING "Sanitizers for every target: address,undefined | thread | empty for none")
if(BURST_SANITIZE)
  string(REPLACE ";" "," _burst_sanitize "${BURST_SANITIZE}")
  string(REPLACE "," ";" _burst_sanitizers "${_burst_sanitize}")
  foreach(_s IN LISTS _burst_sanitizers)
    if(NOT _s MATCHES "^(address|undefined|thread|leak)$")
      message(FATAL_ERROR "BURST_SANITIZE=${BURST_SANITIZE}: unknown sanitizer '${_s}' (address, undefined, thread, leak)")
    endif()
  endforeach()
  if("thread" IN_LIST _burst_sanitizers AND ("address" IN_LIST _burst_sanitizers OR "leak" IN_LIST _burst_sanitizers))
    message(FATAL_ERROR "BURST_SANITIZE=${BURST_SANITIZE}: ThreadSanitizer cannot be combined with AddressSanitizer")
  endif()
  set(_burst_sanitize_flags -fsanitize=${_burst_sanitize} -fno-omit-frame-pointer)
  if("undefined" IN_LIST _burst_sanitizers)
    list(APPEND _burst_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_burst_sanitize_flags}>")
  add_link_options(-fsanitize=${_burst_sanitize})
  message(STATUS "burst: sanitizers ${_burst_sanitize} on every target (${_burst_sanitize_flags})")
endif()
