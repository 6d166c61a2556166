# -Wall -Wextra everywhere we compile our own C++ (gcc and clang); warning-free is the rule.
function(burst_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
      -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough>)
  # GCC 12's -Wrestrict misfires inside libstdc++'s std::string operator+ at -O3 (GCC bug 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
  endif()
  if(BURST_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
  endif()
endfunction()

# BURST_SANITIZE (asan and tsan presets): applied to every target from here on.
include(BurstSanitizers)
