// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file config.hpp
 * @brief Portability macros and the versioned inline namespace used by every snicit header.
 *
 * Every snicit header is valid C++20 for the host compiler; headers ending in `.cuh` need nvcc.
 * `SNICIT_HOST_DEVICE` and friends expand to nothing when the host compiler sees them.
 */

#if defined(__CUDACC__) || defined(__NVCC__)
#define SNICIT_HOST_DEVICE __host__ __device__
#define SNICIT_DEVICE __device__
/// `__global__` with hidden visibility, so two shared objects that both include snicit never
/// launch each other's kernels (the CCCL/cuco rule).
#define SNICIT_KERNEL __global__ __attribute__((visibility("hidden")))
#else
#define SNICIT_HOST_DEVICE
#define SNICIT_DEVICE
#define SNICIT_KERNEL
#endif

#if defined(__CUDA_ARCH__)
#define SNICIT_PRAGMA_UNROLL _Pragma("unroll")
#else
#define SNICIT_PRAGMA_UNROLL
#endif

/// Opens the versioned namespace; every public entity lives in `snicit::v0_1`, spelled `snicit::`.
#define SNICIT_NAMESPACE_BEGIN \
  namespace snicit {           \
  inline namespace v0_1 {
#define SNICIT_NAMESPACE_END \
  }                          \
  }
