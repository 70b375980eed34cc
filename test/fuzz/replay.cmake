# replay.cmake -- build every test/fuzz/fuzz_<target>.c with the normal
# compiler and replay.c (no libFuzzer), and register a ctest test
# fuzz/replay_<target> that runs it over test/fuzz/<target>.in/ (the seed
# corpus and every crasher saved there). Included from test/CMakeLists.txt,
# so the ordinary and the ASan+UBSan builds replay the corpus.
# SPDX-License-Identifier: BSD-3-Clause

file(GLOB HZ_FUZZ_HARNESSES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.c)
foreach(src ${HZ_FUZZ_HARNESSES})
  get_filename_component(harness ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" target ${harness})
  set(corpus ${CMAKE_CURRENT_LIST_DIR}/${target}.in)
  if(NOT IS_DIRECTORY ${corpus})
    message(FATAL_ERROR "${src}: no seed corpus ${corpus}")
  endif()
  add_executable(replay_${target} ${src} ${CMAKE_CURRENT_LIST_DIR}/replay.c)
  target_compile_options(replay_${target} PRIVATE ${HZ_WARNINGS})
  target_compile_definitions(replay_${target} PRIVATE HZ_FUZZ_DATA="${CMAKE_CURRENT_LIST_DIR}/data")
  target_link_libraries(replay_${target} PRIVATE horizon_core)
  add_test(NAME fuzz/replay_${target} COMMAND replay_${target} ${corpus})
  set_tests_properties(fuzz/replay_${target} PROPERTIES TIMEOUT 300)
endforeach()
