// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
//
// snicit-custom-backend: how a CUDA C++ developer plugs an own spMM kernel into snicit::Engine
// and calls a snicit::kernels building block directly.
//
//   Part A  defines a spMM policy type (`ThreadPerOutput`), specialises the customisation point
//           snicit::kernels::SpmmBackend<ThreadPerOutput> with a simple gather kernel written
//           below, and runs snicit::Engine<float, ThreadPerOutput> (SNICIT mode) next to the
//           default snicit::Engine<> on a generated SDGC network; both must give the categories
//           of the CPU exact reference, snicit::reference::infer_exact.
//   Part B  calls two building blocks on device buffers with an explicit stream:
//           kernels::flag_nonzero_rows and kernels::select_rows (two-phase scratch), and checks
//           them against a host computation.
//
// Usage: snicit-custom-backend [layers = 60] [images = 4000]
// Exit status: 0 when every check passes, 1 when one fails, 2 on an error (bad argument, CUDA
// error). Without a CUDA device it prints "skipped: no CUDA device" and exits 0 (the ctest
// registration recognises that line and reports the test as skipped).

#include <snicit/data/data.hpp>
#include <snicit/engine.cuh>
#include <snicit/reference/reference.hpp>

#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <type_traits>
#include <vector>

// ------------------------------------------------------------------------------------------------
// Part A: an own spMM backend.
// ------------------------------------------------------------------------------------------------

/**
 * A spMM policy is a small, trivially copyable tag type. The Engine reads three things from it:
 * - `policy_category`: marks it as a spMM policy (checked by snicit::is_spmm_policy_v);
 * - `weight_layout`: how the Engine uploads each layer's weights. by_output = CSR of W^T, one
 *   row per output neuron with its inputs in ascending order (a gather-friendly layout);
 * - `block_threads`: the block size (our launch below uses it).
 * Anything else (tuning constants) is up to the backend.
 */
struct ThreadPerOutput {
  using policy_category = snicit::spmm::spmm_policy_tag;
  static constexpr snicit::WeightLayout weight_layout = snicit::WeightLayout::by_output;
  static constexpr int block_threads = 128;
};
static_assert(snicit::is_spmm_policy_v<ThreadPerOutput>);

namespace {

// Rounded multiply / add that the compiler may not fuse into an FMA: with them, each output is
// summed in the CPU reference's order and rounding, so results are bit-identical to it (the
// categories of SDGC networks hinge on exact zeros).
__device__ inline float mul_rn(float a, float b) {
  return __fmul_rn(a, b);
}
__device__ inline float add_rn(float a, float b) {
  return __fadd_rn(a, b);
}

/**
 * One thread per (list entry i, output neuron j): the simplest correct backend.
 *
 * The SpmmArgs contract (snicit/types.hpp): for i < count = min(*d_num_rows, num_rows_bound),
 * output row out_rows[i] gets f(in.row(in_rows[i]) * W) where f = act(. + bias) when a bias is
 * given, else the plain product; null row lists mean the identity. With `alive`, alive[i] must be
 * 1 when output row i has a non-zero entry and 0 otherwise, including every i in [count, bound).
 * The launch clears the flags first; a thread that produces a non-zero value then sets its row's
 * flag to 1. Many threads may store the same value 1 to one byte, which is a benign race.
 */
template <class Value, class Act>
__global__ void __launch_bounds__(ThreadPerOutput::block_threads)
    thread_per_output_kernel(snicit::SpmmArgs<Value> const args, Act const act) {
  std::int64_t const n_out = args.out.cols;
  std::int64_t const t = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  std::int64_t const i = t / n_out;  // list entry
  std::int64_t const j = t % n_out;  // output neuron
  // The count lives on the device (the Engine never reads it on the host in the post phase);
  // the grid only covers the host bound, so threads past the count return.
  std::int64_t const count = args.d_num_rows != nullptr && *args.d_num_rows < args.num_rows_bound
                                 ? *args.d_num_rows
                                 : args.num_rows_bound;
  if (i >= count) {
    return;
  }
  Value const* x = args.in.row(args.in_rows != nullptr ? args.in_rows[i] : i);
  Value* y = args.out.row(args.out_rows != nullptr ? args.out_rows[i] : i);
  // Row j of W^T lists the inputs of neuron j in ascending order.
  auto const& w = args.weights;
  Value acc = Value(0);
  for (auto k = w.row_offsets[j]; k < w.row_offsets[j + 1]; ++k) {
    acc = add_rn(acc, mul_rn(x[w.col_indices[k]], w.value(k)));
  }
  Value const v = args.bias != nullptr ? act(add_rn(acc, args.bias[j])) : acc;
  y[j] = v;
  if (args.alive != nullptr && v != Value(0)) {
    args.alive[i] = 1;
  }
}

}  // namespace

/**
 * The customisation point: the Engine (and snicit::kernels::spmm) call
 * `SpmmBackend<Policy>::launch(args, act, stream)` for every sparse layer. It must only queue
 * work on `stream` (no synchronisation, no allocation), so the Engine stays stream-ordered.
 */
template <>
struct snicit::kernels::SpmmBackend<ThreadPerOutput> {
  template <class Value, class Act>
  static void launch(SpmmArgs<Value> const& args, Act const& act, cuda::stream_ref stream) {
    static_assert(std::is_same_v<Value, float>, "this example backend is written for float");
    if (args.num_rows_bound == 0) {
      return;
    }
    if (args.alive != nullptr) {
      SNICIT_CUDA_TRY(cudaMemsetAsync(
          args.alive, 0, static_cast<std::size_t>(args.num_rows_bound), stream.get()));
    }
    std::int64_t const threads = args.num_rows_bound * args.out.cols;
    std::int64_t const blocks =
        (threads + ThreadPerOutput::block_threads - 1) / ThreadPerOutput::block_threads;
    thread_per_output_kernel<Value, Act>
        <<<static_cast<unsigned>(blocks), ThreadPerOutput::block_threads, 0, stream.get()>>>(args,
                                                                                             act);
    SNICIT_CHECK_LAUNCH();
  }
};

namespace {

bool run_part_a(std::int64_t layers, std::int64_t images) {
  // A RadiX-Net SDGC network (1024 neurons, weights 1/16, bias -0.3, cap 32) and synthetic
  // SDGC-like images, both seeded: the same every run.
  auto const net = snicit::data::generate_sdgc_network({1024, layers, 1, 0});
  auto const input = snicit::data::synthetic_sdgc_images(1024, images, 7);
  auto const want = snicit::reference::infer_exact(net, input);  // the CPU oracle

  snicit::Stream stream;  // every snicit call takes an explicit stream
  snicit::EngineOptions eo;
  eo.max_batch = images;
  eo.snicit = snicit::SnicitOptions::sdgc_defaults(layers);

  // The only difference between the two engines is the second template argument.
  snicit::Engine<float, ThreadPerOutput> mine(net, eo, stream);
  snicit::Engine<> stock(net, eo, stream);
  auto const a = mine.run(input, stream);
  auto const b = stock.run(input, stream);

  std::printf(
      "part A: %lld images, %lld layers: reference %zu categories; ThreadPerOutput %zu "
      "(%.2f ms), RowGather %zu (%.2f ms)\n",
      static_cast<long long>(images),
      static_cast<long long>(layers),
      want.rows.size(),
      a.categories.size(),
      a.stats.ms.total_ms(),
      b.categories.size(),
      b.stats.ms.total_ms());
  bool const ok = a.categories == want.rows && b.categories == want.rows && !want.rows.empty() &&
                  a.activations == b.activations;
  std::printf("part A: %s\n", ok ? "MATCH the CPU exact reference" : "MISMATCH");
  return ok;
}

// ------------------------------------------------------------------------------------------------
// Part B: building blocks called directly, on device buffers and an explicit stream.
// ------------------------------------------------------------------------------------------------

template <class T>
T* device_copy(std::vector<T> const& h, cudaStream_t s) {
  T* d = nullptr;
  SNICIT_CUDA_TRY(cudaMallocAsync(&d, h.size() * sizeof(T), s));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice, s));
  return d;
}

bool run_part_b() {
  // A 1000 x 64 matrix in which every third row is all zero, the rest has one non-zero entry.
  std::int64_t const rows = 1000;
  std::int64_t const cols = 64;
  std::vector<float> h_y(static_cast<std::size_t>(rows * cols), 0.0f);
  std::vector<snicit::row_index> h_ids(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    if (r % 3 != 0) {
      h_y[static_cast<std::size_t>(r * cols + (r * 7) % cols)] = -0.5f;  // negatives count
    }
    h_ids[static_cast<std::size_t>(r)] = static_cast<snicit::row_index>(10000 + r);
  }

  snicit::Stream stream;
  cudaStream_t const s = stream.get();
  float* d_y = device_copy(h_y, s);
  snicit::row_index* d_ids = device_copy(h_ids, s);
  std::uint8_t* d_flags = nullptr;
  snicit::row_index* d_pos = nullptr;
  snicit::row_index* d_ids_out = nullptr;
  snicit::row_index* d_count = nullptr;
  SNICIT_CUDA_TRY(cudaMallocAsync(&d_flags, static_cast<std::size_t>(rows), s));
  SNICIT_CUDA_TRY(cudaMallocAsync(&d_pos, rows * sizeof(snicit::row_index), s));
  SNICIT_CUDA_TRY(cudaMallocAsync(&d_ids_out, rows * sizeof(snicit::row_index), s));
  SNICIT_CUDA_TRY(cudaMallocAsync(&d_count, sizeof(snicit::row_index), s));
  // Building blocks never allocate: select_rows takes caller scratch, sized by its query.
  std::size_t const scratch_bytes = snicit::kernels::select_rows_scratch_bytes(rows);
  void* d_scratch = nullptr;
  SNICIT_CUDA_TRY(cudaMallocAsync(&d_scratch, scratch_bytes, s));

  // 1. flags[i] = row i has a non-zero entry (no row list, no device count: all `rows` rows).
  snicit::DenseView<float const> y{d_y, rows, cols, cols};
  snicit::kernels::flag_nonzero_rows<float>(y, nullptr, nullptr, rows, d_flags, stream);
  // 2. Dead-row compaction: positions and ids of the flagged rows, and their number.
  snicit::kernels::select_rows(
      d_flags, rows, d_ids, d_pos, d_ids_out, d_count, d_scratch, scratch_bytes, stream);

  snicit::row_index h_count = 0;
  std::vector<snicit::row_index> h_pos(static_cast<std::size_t>(rows));
  std::vector<snicit::row_index> h_sel(static_cast<std::size_t>(rows));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(&h_count, d_count, sizeof(h_count), cudaMemcpyDeviceToHost, s));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(
      h_pos.data(), d_pos, rows * sizeof(snicit::row_index), cudaMemcpyDeviceToHost, s));
  SNICIT_CUDA_TRY(cudaMemcpyAsync(
      h_sel.data(), d_ids_out, rows * sizeof(snicit::row_index), cudaMemcpyDeviceToHost, s));
  for (void* p : {static_cast<void*>(d_y),
                  static_cast<void*>(d_ids),
                  static_cast<void*>(d_flags),
                  static_cast<void*>(d_pos),
                  static_cast<void*>(d_ids_out),
                  static_cast<void*>(d_count),
                  d_scratch}) {
    SNICIT_CUDA_TRY(cudaFreeAsync(p, s));
  }
  stream.synchronize();  // the host reads the results below

  // The host computation the blocks must reproduce.
  std::vector<snicit::row_index> want_pos;
  std::vector<snicit::row_index> want_ids;
  for (std::int64_t r = 0; r < rows; ++r) {
    bool nz = false;
    for (std::int64_t c = 0; c < cols; ++c) {
      nz = nz || h_y[static_cast<std::size_t>(r * cols + c)] != 0.0f;
    }
    if (nz) {
      want_pos.push_back(static_cast<snicit::row_index>(r));
      want_ids.push_back(h_ids[static_cast<std::size_t>(r)]);
    }
  }
  h_pos.resize(static_cast<std::size_t>(h_count));
  h_sel.resize(static_cast<std::size_t>(h_count));
  bool const ok = h_pos == want_pos && h_sel == want_ids;
  std::printf("part B: flag_nonzero_rows + select_rows kept %d of %lld rows: %s\n",
              h_count,
              static_cast<long long>(rows),
              ok ? "MATCH the host" : "MISMATCH");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("skipped: no CUDA device\n");
    return 0;
  }
  try {
    std::int64_t const layers = argc > 1 ? std::stoll(argv[1]) : 60;
    std::int64_t const images = argc > 2 ? std::stoll(argv[2]) : 4000;
    if (layers < 1 || images < 1) {
      std::fprintf(stderr, "usage: %s [layers >= 1] [images >= 1]\n", argv[0]);
      return 2;
    }
    bool const a = run_part_a(layers, images);
    bool const b = run_part_b();
    return a && b ? 0 : 1;
  } catch (std::exception const& e) {
    std::fprintf(stderr, "snicit-custom-backend: error: %s\n", e.what());
    return 2;
  }
}
