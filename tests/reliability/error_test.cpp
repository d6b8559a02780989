// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The error contract of include/snicit/error.hpp (docs/reliability.md), testable on a host
// without a GPU: a failing CUDA runtime call becomes snicit::CudaError naming the call, the
// source file and line; the no-throw variant for destructors logs and returns; the RAII owners
// of device resources have non-throwing destructors; IoError and LogicError name their origin.
#include <snicit/error.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/memory/pinned_buffer.hpp>
#include <snicit/stream.hpp>

#include <cuda_runtime_api.h>

#include <catch.hpp>
#include <string>
#include <type_traits>

static_assert(std::is_nothrow_destructible_v<snicit::DeviceBuffer<float>>);
static_assert(std::is_nothrow_destructible_v<snicit::PinnedBuffer<float>>);
static_assert(std::is_nothrow_destructible_v<snicit::Stream>);
static_assert(std::is_nothrow_destructible_v<snicit::CudaError>);
static_assert(std::is_nothrow_move_constructible_v<snicit::DeviceBuffer<float>>);

namespace {
/// True when a CUDA driver and device are present (then errors must be cleared after a throw;
/// without a driver the runtime keeps reporting its initialisation failure).
bool have_device() {
  int n = 0;
  bool const ok = cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
  (void)cudaGetLastError();
  return ok;
}
}  // namespace

TEST_CASE("a failing CUDA call throws CudaError naming the call, file and line", "[error]") {
  std::string msg;
  cudaError_t code = cudaSuccess;
  int const first_line = __LINE__;
  try {
    SNICIT_CUDA_TRY(cudaSetDevice(-1));  // invalid on every machine (no device: no driver)
  } catch (snicit::CudaError const& e) {
    msg = e.what();
    code = e.error();
  }
  int const last_line = __LINE__;
  CAPTURE(msg);
  REQUIRE(code != cudaSuccess);
  REQUIRE(msg.find("snicit: CUDA error ") != std::string::npos);
  REQUIRE(msg.find(cudaGetErrorName(code)) != std::string::npos);
  REQUIRE(msg.find("`cudaSetDevice(-1)`") != std::string::npos);
  // "... at <path>/error_test.cpp:<line>" with the line of the SNICIT_CUDA_TRY.
  auto const at = msg.rfind("error_test.cpp:");
  REQUIRE(at != std::string::npos);
  int const line = std::stoi(msg.substr(at + std::string("error_test.cpp:").size()));
  REQUIRE(line > first_line);
  REQUIRE(line < last_line);
  if (have_device()) {
    SNICIT_CUDA_TRY(cudaSetDevice(0));
    REQUIRE(cudaGetLastError() == cudaSuccess);  // cleared: later calls do not see it
  }
  // A CudaError is a std::runtime_error, so generic handlers (the programs' exit code 3) see it.
  REQUIRE_THROWS_AS([] { SNICIT_CUDA_TRY(cudaSetDevice(-1)); }(), std::runtime_error);
}

TEST_CASE("the destructor variant logs instead of throwing", "[error]") {
  REQUIRE_NOTHROW([] { SNICIT_CUDA_TRY_NO_THROW(cudaSetDevice(-1)); }());
}

TEST_CASE("empty device-resource owners are destroyed without touching CUDA", "[error]") {
  REQUIRE_NOTHROW([] {
    snicit::DeviceBuffer<float> d;
    snicit::PinnedBuffer<int> p;
    snicit::DeviceBuffer<float> moved(std::move(d));
    (void)moved;
  }());
}

TEST_CASE("IoError and LogicError name their origin", "[error]") {
  snicit::IoError const e("dir/n4-l2.tsv", 7, "duplicate entry");
  REQUIRE(std::string(e.what()) == "dir/n4-l2.tsv:7: duplicate entry");
  REQUIRE(e.path() == "dir/n4-l2.tsv");
  REQUIRE(e.line() == 7);
  REQUIRE(e.reason() == "duplicate entry");
  REQUIRE(std::string(snicit::IoError("x.idx", 0, "byte 0: bad magic").what()) ==
          "x.idx: byte 0: bad magic");
  int const line = __LINE__ + 2;
  try {
    SNICIT_EXPECTS(1 + 1 == 3, std::string("arithmetic"));
    FAIL("SNICIT_EXPECTS did not throw");
  } catch (snicit::LogicError const& l) {
    std::string const m = l.what();
    REQUIRE(m.find("snicit: arithmetic (") != std::string::npos);
    REQUIRE(m.find("error_test.cpp:" + std::to_string(line) + ")") != std::string::npos);
  }
}
