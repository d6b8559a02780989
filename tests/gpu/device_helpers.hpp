// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

// Host <-> device helpers shared by the GPU kernel and backend tests.

#include <snicit/error.hpp>
#include <snicit/matrix.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace snicit::test::gpu {

using snicit::DeviceBuffer;

template <class T>
DeviceBuffer<T> to_device(std::vector<T> const& h, cuda::stream_ref s) {
  DeviceBuffer<T> d(std::max<std::size_t>(h.size(), 1), s);
  if (!h.empty()) {
    SNICIT_CUDA_TRY(
        cudaMemcpyAsync(d.data(), h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice, s.get()));
  }
  return d;
}

template <class T>
std::vector<T> to_host(DeviceBuffer<T> const& d, std::size_t n, cuda::stream_ref s) {
  std::vector<T> h(n);
  if (n > 0) {
    SNICIT_CUDA_TRY(
        cudaMemcpyAsync(h.data(), d.data(), n * sizeof(T), cudaMemcpyDeviceToHost, s.get()));
  }
  SNICIT_CUDA_TRY(cudaStreamSynchronize(s.get()));
  return h;
}

/// W^T as CSR with 32-bit offsets (the engine's by_output upload).
struct DeviceWeights {
  DeviceBuffer<std::int32_t> off, idx;
  DeviceBuffer<float> val;
  snicit::CsrView<float> view;
};
DeviceWeights upload_transposed(snicit::CsrMatrix<float> const& w, cuda::stream_ref s) {
  std::vector<std::int32_t> off(static_cast<std::size_t>(w.cols + 1), 0), idx;
  std::vector<float> val;
  std::vector<std::vector<std::pair<std::int32_t, float>>> cols(static_cast<std::size_t>(w.cols));
  for (std::int64_t i = 0; i < w.rows; ++i) {
    for (auto k = w.row_offsets[i]; k < w.row_offsets[i + 1]; ++k) {
      cols[static_cast<std::size_t>(w.col_indices[k])].push_back(
          {static_cast<std::int32_t>(i), w.values[k]});
    }
  }
  for (std::size_t j = 0; j < cols.size(); ++j) {
    for (auto [i, v] : cols[j]) {
      idx.push_back(i);
      val.push_back(v);
    }
    off[j + 1] = static_cast<std::int32_t>(idx.size());
  }
  DeviceWeights d{to_device(off, s), to_device(idx, s), to_device(val, s), {}};
  d.view = {d.off.data(), d.idx.data(), d.val.data(), w.cols, w.rows, w.nnz(), 0.0f};
  return d;
}

}  // namespace snicit::test::gpu
