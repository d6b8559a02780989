// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file spmm_cusparse.cuh
 * @brief The cuSPARSE spMM backend: `snicit::kernels::SpmmBackend<snicit::spmm::Cusparse<...>>`.
 *
 * Opt-in: this header is not included by `<snicit/engine.cuh>` or `<snicit/snicit.cuh>` because
 * it needs libcusparse. Include it before instantiating `snicit::Engine<float,
 * snicit::spmm::Cusparse<>>` and link `snicit::cusparse` (= snicit + CUDA::cusparse).
 *
 * @par cuSPARSE handle
 * All layer states of one device share one `cusparseHandle_t`, created by the first `prepare` on
 * that device and destroyed (never throwing) when the last layer state using it is destroyed. A
 * launch sets the handle's stream and calls cusparseSpMM under the handle's mutex, so engines on
 * different host threads may share it.
 */

#include <snicit/config.hpp>
#include <snicit/detail/kernels/spmm_cusparse.cuh>
#include <snicit/error.hpp>
#include <snicit/kernels/spmm.cuh>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/network.hpp>
#include <snicit/policy/spmm_cusparse.hpp>
#include <snicit/types.hpp>

#include <cuda/stream_ref>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

SNICIT_NAMESPACE_BEGIN

/// A failing cuSPARSE call; status() is the cusparseStatus_t.
class CusparseError : public std::runtime_error {
 public:
  CusparseError(cusparseStatus_t status, std::string const& what)
      : std::runtime_error(what), status_(status) {}
  [[nodiscard]] cusparseStatus_t status() const noexcept {
    return status_;
  }

 private:
  cusparseStatus_t status_;
};

namespace detail {
[[noreturn]] inline void throw_cusparse(cusparseStatus_t s,
                                        char const* expr,
                                        char const* file,
                                        int line) {
  throw CusparseError(s,
                      std::string("snicit: cuSPARSE error ") + cusparseGetErrorName(s) + " (" +
                          cusparseGetErrorString(s) + ") in `" + expr + "` at " + file + ":" +
                          std::to_string(line));
}
}  // namespace detail

SNICIT_NAMESPACE_END

/// Throws snicit::CusparseError when the cuSPARSE call `expr` fails.
#define SNICIT_CUSPARSE_TRY(expr)                                              \
  do {                                                                         \
    cusparseStatus_t const snicit_st_ = (expr);                                \
    if (snicit_st_ != CUSPARSE_STATUS_SUCCESS) {                               \
      ::snicit::detail::throw_cusparse(snicit_st_, #expr, __FILE__, __LINE__); \
    }                                                                          \
  } while (0)

/// Logs (stderr) instead of throwing; for destructors.
#define SNICIT_CUSPARSE_TRY_NO_THROW(expr)                                   \
  do {                                                                       \
    cusparseStatus_t const snicit_st_ = (expr);                              \
    if (snicit_st_ != CUSPARSE_STATUS_SUCCESS) {                             \
      std::fprintf(stderr,                                                   \
                   "snicit: cuSPARSE error %s in `%s` at %s:%d (ignored)\n", \
                   cusparseGetErrorName(snicit_st_),                         \
                   #expr,                                                    \
                   __FILE__,                                                 \
                   __LINE__);                                                \
    }                                                                        \
  } while (0)

SNICIT_NAMESPACE_BEGIN
namespace detail {

/// One cuSPARSE handle of one device, shared by every Cusparse layer state on that device.
class CusparseHandle {
 public:
  CusparseHandle() {
    SNICIT_CUSPARSE_TRY(cusparseCreate(&handle_));
  }
  CusparseHandle(CusparseHandle const&) = delete;
  CusparseHandle& operator=(CusparseHandle const&) = delete;
  ~CusparseHandle() {
    SNICIT_CUSPARSE_TRY_NO_THROW(cusparseDestroy(handle_));
  }
  [[nodiscard]] cusparseHandle_t get() const noexcept {
    return handle_;
  }
  /// Serialises cusparseSetStream + cusparseSpMM of concurrent callers.
  [[nodiscard]] std::mutex& mutex() const noexcept {
    return mutex_;
  }

  /// The handle of the current device: created at the first call, shared while anyone holds it.
  [[nodiscard]] static std::shared_ptr<CusparseHandle> for_current_device() {
    int device = 0;
    SNICIT_CUDA_TRY(cudaGetDevice(&device));
    static std::mutex registry_mutex;
    static std::map<int, std::weak_ptr<CusparseHandle>> registry;
    std::lock_guard<std::mutex> lock(registry_mutex);
    auto& slot = registry[device];
    auto h = slot.lock();
    if (!h) {
      h = std::make_shared<CusparseHandle>();
      slot = h;
    }
    return h;
  }

 private:
  cusparseHandle_t handle_ = nullptr;
  mutable std::mutex mutex_;
};

template <class Value>
inline constexpr cudaDataType_t cusparse_value_type() {
  static_assert(std::is_same_v<Value, float> || std::is_same_v<Value, double>,
                "spmm::Cusparse supports float and double");
  return std::is_same_v<Value, float> ? CUDA_R_32F : CUDA_R_64F;
}

inline constexpr cusparseSpMMAlg_t cusparse_algorithm(spmm::CusparseAlgorithm a) {
  switch (a) {
    case spmm::CusparseAlgorithm::csr_alg1:
      return CUSPARSE_SPMM_CSR_ALG1;
    case spmm::CusparseAlgorithm::csr_alg2:
      return CUSPARSE_SPMM_CSR_ALG2;
    case spmm::CusparseAlgorithm::csr_alg3:
      return CUSPARSE_SPMM_CSR_ALG3;
    default:
      return CUSPARSE_SPMM_ALG_DEFAULT;
  }
}

/// The cuSPARSE descriptors of one layer (destroyed without throwing).
struct CusparseDescriptors {
  cusparseSpMatDescr_t w = nullptr;            ///< W^T: N_out x N_in CSR
  std::vector<std::int64_t> columns;           ///< ladder of column counts, ascending
  std::vector<cusparseDnMatDescr_t> gathered;  ///< N_in x columns[b], col-major, ld N_in
  std::vector<cusparseDnMatDescr_t> product;   ///< N_out x columns[b], col-major, ld N_out

  CusparseDescriptors() = default;
  CusparseDescriptors(CusparseDescriptors const&) = delete;
  CusparseDescriptors& operator=(CusparseDescriptors const&) = delete;
  ~CusparseDescriptors() {
    for (auto d : gathered) {
      SNICIT_CUSPARSE_TRY_NO_THROW(cusparseDestroyDnMat(d));
    }
    for (auto d : product) {
      SNICIT_CUSPARSE_TRY_NO_THROW(cusparseDestroyDnMat(d));
    }
    if (w != nullptr) {
      SNICIT_CUSPARSE_TRY_NO_THROW(cusparseDestroySpMat(w));
    }
  }
};

}  // namespace detail

namespace kernels {

/**
 * @brief spmm::Cusparse: gather kernel -> cusparseSpMM (C^T = W^T Y^T) -> fused epilogue kernel.
 *
 * Row-major Y (rows x N_in) is Y^T in column-major order with ld = N_in, and row-major C
 * (rows x N_out) is C^T column-major with ld = N_out, so one NON_TRANSPOSE SpMM of the CSR of W^T
 * (N_out x N_in) computes the layer. The dense descriptors exist for a ladder of column counts;
 * a launch uses the smallest >= num_rows_bound (gather zero-fills the rows past the count).
 */
template <int BlockThreads, spmm::CusparseAlgorithm Algorithm>
struct SpmmBackend<spmm::Cusparse<BlockThreads, Algorithm>> {
  using policy = spmm::Cusparse<BlockThreads, Algorithm>;

  /// The gathered-input and product buffers, shared by every layer of one Engine (its layers run
  /// one after another on one stream); grown to the widest layer while the engine is built.
  template <class Value, class Allocator>
  struct shared_scratch {
    DeviceBuffer<Value, Allocator> gathered;  ///< max_rows x max N_in
    DeviceBuffer<Value, Allocator> product;   ///< max_rows x max N_out
  };

  /// Owning, movable per-layer state (see the policy for its contents).
  template <class Value, class Allocator>
  struct layer_state {
    std::shared_ptr<detail::CusparseHandle> handle;
    std::unique_ptr<detail::CusparseDescriptors> desc;
    DeviceBuffer<std::int32_t, Allocator> offsets;              ///< N_out + 1
    DeviceBuffer<std::int32_t, Allocator> indices;              ///< nnz
    DeviceBuffer<Value, Allocator> values;                      ///< nnz
    std::shared_ptr<shared_scratch<Value, Allocator>> scratch;  ///< shared across layers
    DeviceBuffer<std::byte, Allocator> workspace;               ///< cusparseSpMM external buffer
    std::int64_t n_in = 0;
    std::int64_t n_out = 0;
    std::int64_t nnz = 0;
    std::int64_t max_rows = 0;
  };

  /**
   * @brief Uploads the CSR of W^T, creates the descriptors and sizes the buffers for `max_rows`.
   * Synchronises `stream` before returning (the host staging is local).
   * @throws snicit::LogicError when nnz or the buffers exceed 32-bit cuSPARSE indexing;
   *         snicit::CudaError / snicit::CusparseError on failures
   */
  template <class Value, class Allocator>
  static layer_state<Value, Allocator> prepare(SparseLayer<Value> const& layer,
                                               std::int64_t max_rows,
                                               Allocator const& alloc,
                                               cuda::stream_ref stream,
                                               std::shared_ptr<void>& shared) {
    auto const& w = layer.weights;
    SNICIT_EXPECTS(max_rows >= 0, "spmm::Cusparse: negative max_rows");
    SNICIT_EXPECTS(w.values.size() == static_cast<std::size_t>(w.nnz()),
                   "spmm::Cusparse: the layer needs one value per weight");
    SNICIT_EXPECTS(w.nnz() < std::numeric_limits<std::int32_t>::max(),
                   "spmm::Cusparse: more than 2^31 - 1 weights in a layer");
    layer_state<Value, Allocator> s;
    s.n_in = w.rows;
    s.n_out = w.cols;
    s.nnz = w.nnz();
    s.max_rows = std::max<std::int64_t>(max_rows, 1);
    s.handle = detail::CusparseHandle::for_current_device();
    s.desc = std::make_unique<detail::CusparseDescriptors>();

    // CSR of W^T (row j = output j, its inputs ascending): a counting sort of W by column.
    std::vector<std::int32_t> off(static_cast<std::size_t>(s.n_out + 1), 0);
    for (auto c : w.col_indices) {
      ++off[static_cast<std::size_t>(c) + 1];
    }
    for (std::size_t j = 0; j + 1 < off.size(); ++j) {
      off[j + 1] += off[j];
    }
    std::vector<std::int32_t> idx(static_cast<std::size_t>(s.nnz));
    std::vector<Value> val(static_cast<std::size_t>(s.nnz));
    {
      std::vector<std::int32_t> next(off.begin(), off.end() - 1);
      for (std::int64_t i = 0; i < w.rows; ++i) {
        for (auto k = w.row_offsets[static_cast<std::size_t>(i)];
             k < w.row_offsets[static_cast<std::size_t>(i) + 1];
             ++k) {
          auto const j = static_cast<std::size_t>(w.col_indices[static_cast<std::size_t>(k)]);
          auto const p = static_cast<std::size_t>(next[j]++);
          idx[p] = static_cast<std::int32_t>(i);
          val[p] = w.values[static_cast<std::size_t>(k)];
        }
      }
    }
    auto upload = [&](auto& buf, auto const& h) {
      using T = typename std::decay_t<decltype(h)>::value_type;
      buf = DeviceBuffer<T, Allocator>(std::max<std::size_t>(h.size(), 1), stream, alloc);
      if (!h.empty()) {
        SNICIT_CUDA_TRY(cudaMemcpyAsync(
            buf.data(), h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice, stream.get()));
      }
    };
    upload(s.offsets, off);
    upload(s.indices, idx);
    upload(s.values, val);

    // The engine-wide scratch, grown to this layer if needed. The descriptors below are created
    // on it, and launch re-points them (cusparseDnMatSetValues) at the final buffers, so a
    // later growth does not leave earlier layers with stale pointers.
    using Scratch = shared_scratch<Value, Allocator>;
    if (!shared) {
      shared = std::make_shared<Scratch>();
    }
    s.scratch = std::static_pointer_cast<Scratch>(shared);
    auto const rows = static_cast<std::size_t>(s.max_rows);
    auto grow = [&](DeviceBuffer<Value, Allocator>& buf, std::int64_t width) {
      std::size_t const need = rows * static_cast<std::size_t>(std::max<std::int64_t>(width, 1));
      if (buf.size() < need) {
        buf = DeviceBuffer<Value, Allocator>(need, stream, alloc);
      }
    };
    grow(s.scratch->gathered, s.n_in);
    grow(s.scratch->product, s.n_out);

    cudaDataType_t const vt = detail::cusparse_value_type<Value>();
    auto& d = *s.desc;
    SNICIT_CUSPARSE_TRY(cusparseCreateCsr(&d.w,
                                          s.n_out,
                                          s.n_in,
                                          s.nnz,
                                          s.offsets.data(),
                                          s.indices.data(),
                                          s.values.data(),
                                          CUSPARSE_INDEX_32I,
                                          CUSPARSE_INDEX_32I,
                                          CUSPARSE_INDEX_BASE_ZERO,
                                          vt));
    for (std::int64_t c = policy::min_columns;; c *= 2) {
      d.columns.push_back(std::min(c, s.max_rows));
      if (c >= s.max_rows) {
        break;
      }
    }
    std::size_t ws_bytes = 0;
    Value const alpha = Value(1);
    Value const beta = Value(0);
    std::lock_guard<std::mutex> lock(s.handle->mutex());
    SNICIT_CUSPARSE_TRY(cusparseSetStream(s.handle->get(), stream.get()));
    for (auto const c : d.columns) {
      cusparseDnMatDescr_t b = nullptr;
      cusparseDnMatDescr_t p = nullptr;
      SNICIT_CUSPARSE_TRY(cusparseCreateDnMat(&b,
                                              s.n_in,
                                              c,
                                              std::max<std::int64_t>(s.n_in, 1),
                                              s.scratch->gathered.data(),
                                              vt,
                                              CUSPARSE_ORDER_COL));
      d.gathered.push_back(b);
      SNICIT_CUSPARSE_TRY(cusparseCreateDnMat(&p,
                                              s.n_out,
                                              c,
                                              std::max<std::int64_t>(s.n_out, 1),
                                              s.scratch->product.data(),
                                              vt,
                                              CUSPARSE_ORDER_COL));
      d.product.push_back(p);
      if (s.nnz > 0 && s.n_in > 0 && s.n_out > 0) {
        std::size_t bytes = 0;
        SNICIT_CUSPARSE_TRY(cusparseSpMM_bufferSize(s.handle->get(),
                                                    CUSPARSE_OPERATION_NON_TRANSPOSE,
                                                    CUSPARSE_OPERATION_NON_TRANSPOSE,
                                                    &alpha,
                                                    d.w,
                                                    b,
                                                    &beta,
                                                    p,
                                                    vt,
                                                    detail::cusparse_algorithm(Algorithm),
                                                    &bytes));
        ws_bytes = std::max(ws_bytes, bytes);
      }
    }
    s.workspace =
        DeviceBuffer<std::byte, Allocator>(std::max<std::size_t>(ws_bytes, 1), stream, alloc);
    SNICIT_CUDA_TRY(cudaStreamSynchronize(stream.get()));
    return s;
  }

  /**
   * @brief Queues gather, cusparseSpMM and the epilogue on `stream` (no allocation, no sync).
   * @throws snicit::LogicError when the layer or bound do not match the state
   */
  template <class Value, class Allocator, class Act>
  static void launch(SpmmArgs<Value> const& args,
                     layer_state<Value, Allocator> const& s,
                     Act const& act,
                     cuda::stream_ref stream) {
    SNICIT_EXPECTS(args.in.cols == s.n_in && args.out.cols == s.n_out,
                   "spmm::Cusparse: the layer state was prepared for " + std::to_string(s.n_in) +
                       " -> " + std::to_string(s.n_out) + " but the layer maps " +
                       std::to_string(args.in.cols) + " -> " + std::to_string(args.out.cols));
    SNICIT_EXPECTS(args.num_rows_bound <= s.max_rows,
                   "spmm::Cusparse: row bound " + std::to_string(args.num_rows_bound) +
                       " exceeds the prepared max_rows " + std::to_string(s.max_rows));
    if (args.num_rows_bound == 0) {
      return;
    }
    auto const& d = *s.desc;
    std::size_t b = 0;
    while (d.columns[b] < args.num_rows_bound) {
      ++b;  // the last rung is max_rows >= bound
    }
    std::int64_t const cols = d.columns[b];
    Value* const gathered = s.scratch->gathered.data();
    Value* const product = s.scratch->product.data();
    if (s.nnz > 0 && s.n_in > 0) {
      std::int64_t const total = cols * s.n_in;
      auto const grid = static_cast<unsigned>(
          std::min<std::int64_t>((total + BlockThreads - 1) / BlockThreads, 65535));
      detail::cusparse_gather_kernel<BlockThreads, Value><<<grid, BlockThreads, 0, stream.get()>>>(
          args.in, args.in_rows, args.d_num_rows, args.num_rows_bound, gathered, cols);
      SNICIT_CHECK_LAUNCH();
      Value const alpha = Value(1);
      Value const beta = Value(0);
      std::lock_guard<std::mutex> lock(s.handle->mutex());
      // Host-side descriptor updates only (capture-safe): the shared buffers may have grown
      // after this layer was prepared.
      SNICIT_CUSPARSE_TRY(cusparseDnMatSetValues(d.gathered[b], gathered));
      SNICIT_CUSPARSE_TRY(cusparseDnMatSetValues(d.product[b], product));
      SNICIT_CUSPARSE_TRY(cusparseSetStream(s.handle->get(), stream.get()));
      SNICIT_CUSPARSE_TRY(cusparseSpMM(s.handle->get(),
                                       CUSPARSE_OPERATION_NON_TRANSPOSE,
                                       CUSPARSE_OPERATION_NON_TRANSPOSE,
                                       &alpha,
                                       d.w,
                                       d.gathered[b],
                                       &beta,
                                       d.product[b],
                                       detail::cusparse_value_type<Value>(),
                                       detail::cusparse_algorithm(Algorithm),
                                       const_cast<std::byte*>(s.workspace.data())));
    } else if (s.n_out > 0) {
      // An empty layer: the product is zero (cuSPARSE is not asked about nnz = 0).
      SNICIT_CUDA_TRY(cudaMemsetAsync(
          product, 0, static_cast<std::size_t>(cols * s.n_out) * sizeof(Value), stream.get()));
    }
    detail::cusparse_epilogue_kernel<BlockThreads, Value, Act>
        <<<static_cast<unsigned>(args.num_rows_bound), BlockThreads, 0, stream.get()>>>(
            args, product, act);
    SNICIT_CHECK_LAUNCH();
  }
};

}  // namespace kernels
SNICIT_NAMESPACE_END
