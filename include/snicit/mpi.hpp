// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file mpi.hpp
 * @brief Data-parallel inference over MPI ranks (several nodes): `snicit::mpi`. Optional: needs
 * an MPI implementation (CMake target snicit::mpi, defined only when find_package(MPI) finds
 * one); nothing else in snicit depends on it.
 *
 * Every rank holds the same network and input (each loads or generates them); the input rows
 * are split statically over the ranks (snicit::partition_rows), each rank runs its slice with a
 * function of its choice (a snicit::Engine on its GPU, the CPU reference, ...) and the results
 * are gathered on one rank (MPI_Gatherv of the categories and, optionally, the activations) into
 * global order, where they can be verified. Failures on any rank are agreed on collectively, so
 * no rank is left waiting in a collective: every rank throws.
 *
 * Host-only (no CUDA): the GPU mapping is a number (device_for_rank); the caller sets it with
 * cudaSetDevice. See docs/scale-out.md.
 */

#include <snicit/config.hpp>
#include <snicit/detail/partition.hpp>
#include <snicit/error.hpp>
#include <snicit/matrix.hpp>

#include <climits>
#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

SNICIT_NAMESPACE_BEGIN
namespace mpi {

/// An MPI call failed, or another rank failed during a collective snicit operation.
class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
inline void check(int err, char const* what) {
  if (err != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING] = {};
    int len = 0;
    MPI_Error_string(err, text, &len);
    throw MpiError(std::string("snicit::mpi: ") + what + " failed: " + text);
  }
}
template <class Value>
MPI_Datatype datatype() {
  if constexpr (std::is_same_v<Value, float>) {
    return MPI_FLOAT;
  } else {
    static_assert(std::is_same_v<Value, double>, "snicit::mpi: Value must be float or double");
    return MPI_DOUBLE;
  }
}
inline int to_int(std::int64_t n, char const* what) {
  if (n < 0 || n > INT_MAX) {
    throw MpiError(std::string("snicit::mpi: ") + what + " count " + std::to_string(n) +
                   " exceeds the 2^31 - 1 elements of one MPI message");
  }
  return static_cast<int>(n);
}
}  // namespace detail

/// This rank's number in `comm`.
[[nodiscard]] inline int rank(MPI_Comm comm) {
  int r = 0;
  detail::check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank");
  return r;
}
/// The number of ranks in `comm`.
[[nodiscard]] inline int size(MPI_Comm comm) {
  int s = 0;
  detail::check(MPI_Comm_size(comm, &s), "MPI_Comm_size");
  return s;
}

/// This rank's number among the ranks of `comm` on the same node (MPI_COMM_TYPE_SHARED).
[[nodiscard]] inline int local_rank(MPI_Comm comm) {
  MPI_Comm node = MPI_COMM_NULL;
  detail::check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
                "MPI_Comm_split_type");
  int r = 0;
  int const err = MPI_Comm_rank(node, &r);
  MPI_Comm_free(&node);
  detail::check(err, "MPI_Comm_rank");
  return r;
}

/**
 * @brief The GPU of a rank: `override_device` when >= 0, else the environment variable
 * SNICIT_MPI_DEVICE when set, else `local_rank % device_count` (one rank per GPU of a node).
 * @throws snicit::LogicError when device_count < 1 or the chosen device does not exist
 */
[[nodiscard]] inline int device_for_rank(int local_rank,
                                         int device_count,
                                         int override_device = -1) {
  SNICIT_EXPECTS(device_count >= 1, "snicit::mpi: no GPU on this node");
  int d = override_device;
  if (d < 0) {
    if (char const* env = std::getenv("SNICIT_MPI_DEVICE"); env != nullptr && *env != '\0') {
      d = std::atoi(env);
    } else {
      d = local_rank % device_count;
    }
  }
  SNICIT_EXPECTS(d >= 0 && d < device_count,
                 "snicit::mpi: device " + std::to_string(d) + " does not exist (" +
                     std::to_string(device_count) + " on this node)");
  return d;
}

/// Options of run_distributed.
struct DistributedOptions {
  PartitionOptions partition{};  ///< the split over the ranks (align: the SNICIT round size)
  int root = 0;                  ///< the rank the results are gathered on
  bool gather_activations = true;
};

/**
 * @brief Gathers each rank's result on its range (local categories, ascending) on `root`.
 * Collective: every rank of `comm` calls it. Returns the global result on the root, nothing on
 * the other ranks.
 * @throws MpiError on an MPI failure; snicit::LogicError (root) for inconsistent parts
 */
template <class Value>
[[nodiscard]] std::optional<GatheredResult<Value>> gather(MPI_Comm comm,
                                                          PartResult<Value> const& mine,
                                                          std::int64_t output_cols,
                                                          bool with_activations,
                                                          int root = 0) {
  int const me = rank(comm);
  int const n = size(comm);
  std::int64_t const header[3] = {
      mine.range.begin, mine.range.end, static_cast<std::int64_t>(mine.categories.size())};
  std::vector<std::int64_t> headers(me == root ? static_cast<std::size_t>(3 * n) : 0);
  detail::check(MPI_Gather(header, 3, MPI_INT64_T, headers.data(), 3, MPI_INT64_T, root, comm),
                "MPI_Gather");
  std::vector<int> counts;
  std::vector<int> displs;
  std::int64_t total = 0;
  if (me == root) {
    for (int r = 0; r < n; ++r) {
      counts.push_back(detail::to_int(headers[static_cast<std::size_t>(3 * r + 2)], "category"));
      displs.push_back(detail::to_int(total, "category"));
      total += counts.back();
    }
  }
  std::vector<std::int64_t> cats(static_cast<std::size_t>(total));
  detail::check(
      MPI_Gatherv(mine.categories.data(),
                  detail::to_int(static_cast<std::int64_t>(mine.categories.size()), "category"),
                  MPI_INT64_T,
                  cats.data(),
                  counts.data(),
                  displs.data(),
                  MPI_INT64_T,
                  root,
                  comm),
      "MPI_Gatherv (categories)");
  std::vector<Value> acts;
  if (with_activations) {
    std::int64_t const mine_n = static_cast<std::int64_t>(mine.categories.size()) * output_cols;
    SNICIT_EXPECTS(static_cast<std::int64_t>(mine.activations.data.size()) == mine_n,
                   "snicit::mpi::gather: rank " + std::to_string(me) + " has " +
                       std::to_string(mine.activations.data.size()) + " activation values for " +
                       std::to_string(mine.categories.size()) + " categories");
    std::vector<int> acounts;
    std::vector<int> adispls;
    std::int64_t atotal = 0;
    if (me == root) {
      for (int r = 0; r < n; ++r) {
        acounts.push_back(detail::to_int(headers[static_cast<std::size_t>(3 * r + 2)] * output_cols,
                                         "activation"));
        adispls.push_back(detail::to_int(atotal, "activation"));
        atotal += acounts.back();
      }
    }
    acts.resize(static_cast<std::size_t>(atotal));
    detail::check(MPI_Gatherv(mine.activations.data.data(),
                              detail::to_int(mine_n, "activation"),
                              detail::datatype<Value>(),
                              acts.data(),
                              acounts.data(),
                              adispls.data(),
                              detail::datatype<Value>(),
                              root,
                              comm),
                  "MPI_Gatherv (activations)");
  }
  if (me != root) {
    return std::nullopt;
  }
  std::vector<PartResult<Value>> parts(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) {
    auto& p = parts[static_cast<std::size_t>(r)];
    auto const at = static_cast<std::size_t>(displs[static_cast<std::size_t>(r)]);
    auto const cnt = static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);
    p.range = {headers[static_cast<std::size_t>(3 * r)],
               headers[static_cast<std::size_t>(3 * r + 1)]};
    p.categories.assign(cats.begin() + static_cast<std::ptrdiff_t>(at),
                        cats.begin() + static_cast<std::ptrdiff_t>(at + cnt));
    if (with_activations) {
      auto const a0 = at * static_cast<std::size_t>(output_cols);
      auto const a1 = (at + cnt) * static_cast<std::size_t>(output_cols);
      p.activations.rows = static_cast<std::int64_t>(cnt);
      p.activations.cols = output_cols;
      p.activations.data.assign(acts.begin() + static_cast<std::ptrdiff_t>(a0),
                                acts.begin() + static_cast<std::ptrdiff_t>(a1));
    }
  }
  return gather_parts(parts, output_cols, with_activations);
}

/**
 * @brief Runs `input` split over the ranks of `comm`: rank r runs rows ranges[r] with
 * `run_slice(slice, range)`, which returns a PartResult<Value> (categories local to the slice),
 * and the results are gathered on `opts.root`. Collective; every rank passes the same input.
 *
 * When `run_slice` throws on some rank, the ranks agree on it (MPI_Allreduce) before any
 * gather: that rank rethrows its exception, the others throw MpiError naming it.
 *
 * @return the global result on the root; nothing elsewhere
 */
template <class Value, class Matrix, class RunSlice>
[[nodiscard]] std::optional<GatheredResult<Value>> run_distributed(
    MPI_Comm comm,
    Matrix const& input,
    std::int64_t output_cols,
    RunSlice&& run_slice,
    DistributedOptions const& opts = {}) {
  int const me = rank(comm);
  int const n = size(comm);
  SNICIT_EXPECTS(opts.root >= 0 && opts.root < n, "snicit::mpi: root rank out of range");
  PartResult<Value> mine;
  std::exception_ptr error;
  try {
    auto const ranges = partition_input(input, n, opts.partition);
    mine = run_slice(slice_rows(input, ranges[static_cast<std::size_t>(me)]),
                     ranges[static_cast<std::size_t>(me)]);
    mine.range = ranges[static_cast<std::size_t>(me)];
  } catch (...) {
    error = std::current_exception();
  }
  int const failed_here = error ? me : -1;
  int failed = -1;
  detail::check(MPI_Allreduce(&failed_here, &failed, 1, MPI_INT, MPI_MAX, comm), "MPI_Allreduce");
  if (error) {
    std::rethrow_exception(error);
  }
  if (failed >= 0) {
    throw MpiError("snicit::mpi: rank " + std::to_string(failed) + " failed on its slice");
  }
  return gather<Value>(comm, mine, output_cols, opts.gather_activations, opts.root);
}

}  // namespace mpi
SNICIT_NAMESPACE_END
