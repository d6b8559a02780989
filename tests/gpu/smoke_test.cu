// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// The smallest GPU check: the toolchain, the device and snicit's error macros work together.
#include <snicit/error.hpp>

#include <cuda_runtime.h>

#include <catch.hpp>
#include <vector>

namespace {
__global__ void axpy(int n, float a, float const* x, float* y) {
  int const i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    y[i] += a * x[i];
  }
}
}  // namespace

TEST_CASE("a kernel runs and its result matches the host", "[gpu][smoke]") {
  int const n = 1000;
  std::vector<float> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = float(i);
    y[i] = float(2 * i + 1);
  }
  cudaStream_t stream{};
  SNICIT_CUDA_TRY(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  float* dx = nullptr;
  float* dy = nullptr;
  SNICIT_CUDA_TRY(cudaMallocAsync(&dx, n * sizeof(float), stream));
  SNICIT_CUDA_TRY(cudaMallocAsync(&dy, n * sizeof(float), stream));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(dy, y.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream));
  axpy<<<(n + 255) / 256, 256, 0, stream>>>(n, 3.0f, dx, dy);
  SNICIT_CHECK_LAUNCH();
  std::vector<float> out(n);
  SNICIT_CUDA_TRY(
      cudaMemcpyAsync(out.data(), dy, n * sizeof(float), cudaMemcpyDeviceToHost, stream));
  SNICIT_CUDA_TRY(cudaStreamSynchronize(stream));
  for (int i = 0; i < n; ++i) {
    REQUIRE(out[i] == y[i] + 3.0f * x[i]);
  }
  SNICIT_CUDA_TRY(cudaFreeAsync(dx, stream));
  SNICIT_CUDA_TRY(cudaFreeAsync(dy, stream));
  SNICIT_CUDA_TRY(cudaStreamDestroy(stream));
}

TEST_CASE("a failing CUDA call raises snicit::CudaError naming the call", "[gpu][smoke]") {
  void* p = nullptr;
  bool thrown = false;
  try {
    SNICIT_CUDA_TRY(cudaMalloc(&p, std::size_t(1) << 62));
  } catch (snicit::CudaError const& e) {
    thrown = true;
    CHECK(e.error() == cudaErrorMemoryAllocation);
    CHECK(std::string(e.what()).find("cudaMalloc") != std::string::npos);
  }
  CHECK(thrown);
  CHECK(cudaGetLastError() == cudaSuccess);  // the sticky error was cleared
}
