# cmake -DCLANG_FORMAT=<exe> -DROOT=<source dir> -P FormatCheck.cmake
# Fails (and lists the files) when any tracked C++/CUDA source differs from clang-format's output.
file(GLOB_RECURSE files
  "${ROOT}/include/*.hpp" "${ROOT}/include/*.cuh" "${ROOT}/include/*.inl"
  "${ROOT}/examples/*.cpp" "${ROOT}/examples/*.hpp" "${ROOT}/examples/*.cu" "${ROOT}/examples/*.cuh"
  "${ROOT}/tests/*.cpp" "${ROOT}/tests/*.hpp" "${ROOT}/tests/*.cu" "${ROOT}/tests/*.cuh"
  "${ROOT}/benchmarks/*.cpp" "${ROOT}/benchmarks/*.hpp" "${ROOT}/benchmarks/*.cu" "${ROOT}/benchmarks/*.cuh")
set(bad "")
foreach(f IN LISTS files)
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror --style=file ${f}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    file(RELATIVE_PATH rel "${ROOT}" "${f}")
    list(APPEND bad "${rel}")
  endif()
endforeach()
list(LENGTH files n)
if(bad)
  string(REPLACE ";" "\n  " bad_lines "${bad}")
  message(FATAL_ERROR "clang-format 14 would change these files (run .ci/format.sh):\n  ${bad_lines}")
endif()
message(STATUS "format_check: ${n} files clean")
