// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// The spMM backends every backend test and benchmark sweeps (TEMPLATE_LIST_TEST_CASE over
// `snicit::test::all_backends`). Each entry names a policy and whether its sums are
// bit-identical to the CPU reference (ascending-input order, no FMA) or only within tolerance.

#include <snicit/engine.cuh>

#include <tuple>

namespace snicit::test {

template <class Policy, bool BitExact>
struct Backend {
  using policy = Policy;
  static constexpr bool bit_exact = BitExact;
};

using all_backends = std::tuple<
    // BACKEND LIST: one line per backend, keep the trailing comma structure
    Backend<spmm::RowGather<>, true>>;

}  // namespace snicit::test
