# cmake -P script of the python_require_* tests (tests/python/CMakeLists.txt): runs
# burst_python_require on -DINTERPRETER with -DMODULE under -DBURST_PYTHON (ON or AUTO) and prints
# what it gave back; under ON a missing module ends the script with its FATAL_ERROR line.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/BurstPythonRequire.cmake)
burst_python_require("${INTERPRETER}" "${MODULE}" "${PACKAGE}" _missing)
message("require_check: BURST_PYTHON=${BURST_PYTHON} module ${MODULE}: [${_missing}]")
