# Warning flags for snicit's own targets (tests, examples, benchmarks); never exported to users.
add_library(snicit_warnings INTERFACE)
target_compile_options(snicit_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-unknown-pragmas>
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra --expt-relaxed-constexpr>)
