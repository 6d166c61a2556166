# burst_python_require(<interpreter> <module> <package> <out>): whether <interpreter> can import
# <module>. <out> is set to "" when it can, else to a one-line reason that names the Debian package
# to install. Under BURST_PYTHON=ON a missing module is fatal (a CI build must not skip the Python
# tests silently); under AUTO the caller reports <out> and goes on without what needs it.
# tests/python/require_check.cmake checks it with cmake -P.
function(burst_python_require interpreter module package out)
  execute_process(COMMAND "${interpreter}" -c "import ${module}" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET
                  TIMEOUT 120)
  if(_rc EQUAL 0)
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  set(_reason "${interpreter} cannot import ${module}: install ${package} (apt-get install ${package})")
  if(BURST_PYTHON STREQUAL "ON")
    message(FATAL_ERROR " BURST_PYTHON=ON: ${_reason}")  # the leading space: CMake does not wrap the line
  endif()
  set(${out} "${_reason}" PARENT_SCOPE)
endfunction()
