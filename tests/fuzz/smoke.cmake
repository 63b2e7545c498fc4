# One fuzz smoke test (tests/fuzz/CMakeLists.txt): a fresh copy of the seed
# corpus in WORK/corpus, then HARNESS on it with the libFuzzer options ARGS
# (separated by "|"). New inputs go into the copy, crashes into
# WORK/artifacts; the source tree is only read. Fails on any non-zero exit.
file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(GLOB seeds ${SEEDS}/*)
file(COPY ${seeds} DESTINATION ${WORK}/corpus)
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${HARNESS} ${args} -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${HARNESS}: exit status ${rc}; the input is in ${WORK}/artifacts")
endif()
