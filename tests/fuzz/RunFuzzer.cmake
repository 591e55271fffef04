# Runs one fuzzer for CTest (see nullify_add_fuzzer in CMakeLists.txt):
#
#   cmake -DFUZZER=<exe> -DSEEDS=<dir> -DCORPUS=<dir> -DARTIFACTS=<dir> [-DDICT=<file>]
#         [-DMAX_LEN=<bytes>] -DSECONDS=<n> -P RunFuzzer.cmake
#
# libFuzzer writes new inputs only to the first corpus directory, so the working corpus in the build
# directory comes first and the checked-in seeds are read, never changed. Any crash, leak, timeout
# or sanitizer report makes the fuzzer exit non-zero, and with it this script and the test.
foreach(var FUZZER SEEDS CORPUS ARTIFACTS SECONDS)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "RunFuzzer.cmake: ${var} is not set")
    endif()
endforeach()

file(MAKE_DIRECTORY "${CORPUS}" "${ARTIFACTS}")
set(args -max_total_time=${SECONDS} -timeout=30 -print_final_stats=1 "-artifact_prefix=${ARTIFACTS}/")
if(DICT)
    list(APPEND args "-dict=${DICT}")
endif()
if(MAX_LEN)
    list(APPEND args -max_len=${MAX_LEN})
endif()

execute_process(COMMAND "${FUZZER}" ${args} "${CORPUS}" "${SEEDS}" RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "${FUZZER} failed (${result}); the input that did it is in ${ARTIFACTS}")
endif()
