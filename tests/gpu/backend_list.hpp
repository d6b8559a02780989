// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// The spMM backends every backend test and benchmark sweeps (TEMPLATE_LIST_TEST_CASE over
// `snicit::test::all_backends`). Each entry names a policy and whether its sums are
// bit-identical to the CPU reference (ascending-input order, no FMA) or only within tolerance.

#include <snicit/engine.cuh>
#include <snicit/kernels/spmm_block.cuh>
#if defined(SNICIT_TEST_WITH_NVRTC)  // the target links CUDA::nvrtc
#include <snicit/kernels/spmm_compiled.cuh>
#endif
#include <snicit/kernels/spmm_dense.cuh>
#if defined(SNICIT_TEST_WITH_CUSPARSE)  // the target links snicit::cusparse
#include <snicit/kernels/spmm_cusparse.cuh>
#endif

#include <tuple>

namespace snicit::test {

template <class Policy, bool BitExact>
struct Backend {
  using policy = Policy;
  static constexpr bool bit_exact = BitExact;
};

using all_backends = std::tuple<
    // BACKEND LIST: one line per backend, keep the trailing comma structure
    Backend<spmm::RowGather<>, true>,
    Backend<spmm::BlockDense<>, true>,
#if defined(SNICIT_TEST_WITH_NVRTC)
    Backend<spmm::Compiled<>, true>,
#endif
    Backend<spmm::DenseTensorCore<spmm::Precision::fp16_split>, false>,
#if defined(SNICIT_TEST_WITH_CUSPARSE)
    Backend<spmm::Cusparse<>, false>,
#endif
    Backend<spmm::RowScatter<>, false>,
    Backend<spmm::Auto<>, false>,
    Backend<spmm::RegisterTiled<>, true>,
    Backend<spmm::ColumnFolded<>, true>>;

}  // namespace snicit::test
