// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit-bench's GPU entry points, one pair per backend (one translation unit; several would
// link too, see the header_link_twice test).
#include "bench_gpu.cuh"

namespace snicit::bench {

TimedRun run_sdgc_auto(std::int64_t neurons,
                       std::int64_t layers,
                       std::uint64_t seed,
                       CsrMatrix<float> const& images,
                       RunRequest const& request) {
  return sdgc_with<spmm::Auto<>>(neurons, layers, seed, images, request);
}

TimedRun run_sdgc_host_auto(SparseNetwork<float> const& net,
                            CsrMatrix<float> const& images,
                            RunRequest const& request) {
  return sdgc_host_with<spmm::Auto<>>(net, images, request);
}

TimedRun run_host_auto(SparseNetwork<float> const& net,
                       DenseMatrix<float> const& input,
                       RunRequest const& request) {
  return host_with<spmm::Auto<>>(net, input, request);
}

TimedRun run_sdgc_row_gather(std::int64_t neurons,
                             std::int64_t layers,
                             std::uint64_t seed,
                             CsrMatrix<float> const& images,
                             RunRequest const& request) {
  return sdgc_with<spmm::RowGather<>>(neurons, layers, seed, images, request);
}

TimedRun run_sdgc_host_row_gather(SparseNetwork<float> const& net,
                                  CsrMatrix<float> const& images,
                                  RunRequest const& request) {
  return sdgc_host_with<spmm::RowGather<>>(net, images, request);
}

TimedRun run_host_row_gather(SparseNetwork<float> const& net,
                             DenseMatrix<float> const& input,
                             RunRequest const& request) {
  return host_with<spmm::RowGather<>>(net, input, request);
}

TimedRun run_sdgc_register_tiled(std::int64_t neurons,
                                 std::int64_t layers,
                                 std::uint64_t seed,
                                 CsrMatrix<float> const& images,
                                 RunRequest const& request) {
  return sdgc_with<spmm::RegisterTiled<>>(neurons, layers, seed, images, request);
}

TimedRun run_sdgc_host_register_tiled(SparseNetwork<float> const& net,
                                      CsrMatrix<float> const& images,
                                      RunRequest const& request) {
  return sdgc_host_with<spmm::RegisterTiled<>>(net, images, request);
}

TimedRun run_host_register_tiled(SparseNetwork<float> const& net,
                                 DenseMatrix<float> const& input,
                                 RunRequest const& request) {
  return host_with<spmm::RegisterTiled<>>(net, input, request);
}

TimedRun run_sdgc_block_dense(std::int64_t neurons,
                              std::int64_t layers,
                              std::uint64_t seed,
                              CsrMatrix<float> const& images,
                              RunRequest const& request) {
  return sdgc_with<spmm::BlockDense<>>(neurons, layers, seed, images, request);
}

TimedRun run_sdgc_host_block_dense(SparseNetwork<float> const& net,
                                   CsrMatrix<float> const& images,
                                   RunRequest const& request) {
  return sdgc_host_with<spmm::BlockDense<>>(net, images, request);
}

TimedRun run_host_block_dense(SparseNetwork<float> const& net,
                              DenseMatrix<float> const& input,
                              RunRequest const& request) {
  return host_with<spmm::BlockDense<>>(net, input, request);
}

}  // namespace snicit::bench
