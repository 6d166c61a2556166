# Run by CTest (cli_mpi_bad_input_2): `burst-tune tune` under mpiexec -n 2 where only rank 1 has a
# bad input (its --out d{rank}/p.json lies in a directory that does not exist). The failing rank
# must end the whole job at once, naming its error: before, rank 1 exited without MPI_Abort and
# rank 0 waited out the whole deadline in a collective, then blamed "a rank did not join".
# The deadline is 60 s (--timeout-ms 60000); the job must end within 25 s, and CTest's TIMEOUT
# is 40 s. Variables: MPIEXEC, NP_FLAG, PREFLAGS (flags separated by |), EXE, WORK.
string(REPLACE "|" ";" PREFLAGS "${PREFLAGS}")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/d0")  # rank 0's directory exists, rank 1's (d1) does not
string(TIMESTAMP t0 "%s" UTC)
execute_process(
  COMMAND "${MPIEXEC}" ${NP_FLAG} 2 ${PREFLAGS} "${EXE}" tune --seq 256 --heads 1 --head-dim 32 --pass fwd
          --strategy halving --max-trials 2 --timeout-ms 60000 --db "${WORK}/tune.db" --out "${WORK}/d{rank}/p.json"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  TIMEOUT 35)
string(TIMESTAMP t1 "%s" UTC)
math(EXPR elapsed "${t1} - ${t0}")
message(STATUS "exit ${rc} after ${elapsed} s\n--- stdout\n${out}\n--- stderr\n${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "the job exited 0 although rank 1 had a bad --out")
endif()
if(NOT "${err}${out}" MATCHES "burst-tune: error: --out [^\n]*d1/p\\.json: directory [^\n]*d1 does not exist")
  message(FATAL_ERROR "the output does not name rank 1's error")
endif()
if("${err}${out}" MATCHES "did not join")
  message(FATAL_ERROR "a rank waited for the failing one until its deadline")
endif()
if(elapsed GREATER 25)
  message(FATAL_ERROR "the job took ${elapsed} s to end (deadline 60 s): the failing rank did not abort it")
endif()
file(REMOVE_RECURSE "${WORK}")
