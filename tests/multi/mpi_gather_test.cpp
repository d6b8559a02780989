// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// snicit::mpi on the host (run under `mpirun -np K`): every rank runs the CPU reference on its
// slice of the input, the results are gathered on rank 0 and must equal a single-process run of
// the whole batch bit for bit (exact mode; SNICIT with the split aligned to the rounds). A
// failure on one rank must surface as an exception on every rank (no rank hangs). Exit 0 when
// every check holds on every rank, 1 otherwise.

#include <snicit/data/data.hpp>
#include <snicit/detail/partition.hpp>
#include <snicit/mpi.hpp>
#include <snicit/options.hpp>
#include <snicit/reference/reference.hpp>

#include <mpi.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

using namespace snicit;

namespace {

int failures = 0;

void expect(bool ok, std::string const& what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "rank %d: FAILED: %s\n", mpi::rank(MPI_COMM_WORLD), what.c_str());
  }
}

template <class Infer>
void check_against_whole(SparseNetwork<float> const& net,
                         CsrMatrix<float> const& img,
                         reference::InferenceResult const& whole,
                         mpi::DistributedOptions const& opts,
                         Infer&& infer,
                         std::string const& what) {
  auto g = mpi::run_distributed<float>(
      MPI_COMM_WORLD,
      img,
      net.output_size(),
      [&](CsrMatrix<float> const& slice, RowRange range) {
        auto r = infer(slice);
        return PartResult<float>{range, std::move(r.rows), std::move(r.activations)};
      },
      opts);
  int const me = mpi::rank(MPI_COMM_WORLD);
  expect(g.has_value() == (me == opts.root), what + ": result only on the root");
  if (g) {
    expect(!whole.rows.empty(), what + ": the whole run has categories");
    expect(g->categories == whole.rows, what + ": categories equal the single-process run");
    if (opts.gather_activations) {
      expect(g->activations.rows == whole.activations.rows &&
                 g->activations.data == whole.activations.data,
             what + ": activations equal the single-process run (bit for bit)");
    } else {
      expect(g->activations.data.empty(), what + ": no activations gathered");
    }
    std::printf("%s: %zu categories gathered on rank %d from %d ranks\n",
                what.c_str(),
                g->categories.size(),
                me,
                mpi::size(MPI_COMM_WORLD));
  }
}

void run_checks() {
  int const n = mpi::size(MPI_COMM_WORLD);
  expect(n >= 2, "run under mpirun -np K with K >= 2");
  auto const net = data::generate_sdgc_network(data::RadixNetOptions{1024, 24, 11});
  auto const img = data::synthetic_sdgc_images(1024, 2500, 5, 0.10, 1);
  reference::ExactOptions eo;
  eo.threads = 1;

  auto const exact = reference::infer_exact(net, img, eo);
  auto infer_exact = [&](CsrMatrix<float> const& s) { return reference::infer_exact(net, s, eo); };
  mpi::DistributedOptions opts;
  check_against_whole(net, img, exact, opts, infer_exact, "exact, equal rows, root 0");
  opts.partition.split = Split::nonzeros;
  opts.root = n - 1;
  check_against_whole(net, img, exact, opts, infer_exact, "exact, balanced non-zeros, last root");
  opts.gather_activations = false;
  check_against_whole(net, img, exact, opts, infer_exact, "exact, categories only");

  auto so = SnicitOptions::sdgc_defaults(net.num_layers());
  so.batch_size = 400;
  auto const snicit = reference::infer_snicit(net, img, so, eo);
  mpi::DistributedOptions sopts;
  sopts.partition = {Split::live_rows, so.batch_size};
  check_against_whole(
      net,
      img,
      snicit,
      sopts,
      [&](CsrMatrix<float> const& s) { return reference::infer_snicit(net, s, so, eo); },
      "SNICIT, live-row split aligned to 400-row rounds");

  // A failure on rank 1 reaches every rank as an exception (rank 1: its own).
  int const me = mpi::rank(MPI_COMM_WORLD);
  bool threw = false;
  std::string message;
  try {
    (void)mpi::run_distributed<float>(
        MPI_COMM_WORLD, img, net.output_size(), [&](CsrMatrix<float> const& s, RowRange range) {
          if (me == 1) {
            throw std::runtime_error("injected failure");
          }
          auto r = infer_exact(s);
          return PartResult<float>{range, std::move(r.rows), std::move(r.activations)};
        });
  } catch (mpi::MpiError const& e) {
    threw = me != 1;
    message = e.what();
  } catch (std::runtime_error const& e) {
    threw = me == 1 && std::string(e.what()) == "injected failure";
    message = e.what();
  }
  expect(threw, "a failure on rank 1 throws on every rank (got: '" + message + "')");

  // Rank -> device mapping.
  expect(mpi::device_for_rank(5, 4) == 1, "local rank 5 on 4 GPUs -> device 1");
  expect(mpi::device_for_rank(5, 4, 3) == 3, "an explicit device overrides the mapping");
  bool refused = false;
  try {
    (void)mpi::device_for_rank(0, 2, 7);
  } catch (LogicError const&) {
    refused = true;
  }
  expect(refused, "a device that does not exist is refused");
  int const lr = mpi::local_rank(MPI_COMM_WORLD);
  expect(lr >= 0 && lr < n, "local rank in [0, size)");
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  try {
    run_checks();
  } catch (std::exception const& e) {
    std::fprintf(
        stderr, "rank %d: unexpected exception: %s\n", mpi::rank(MPI_COMM_WORLD), e.what());
    ++failures;
  }
  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (mpi::rank(MPI_COMM_WORLD) == 0) {
    std::printf("snicit::mpi host test on %d ranks: %s\n",
                mpi::size(MPI_COMM_WORLD),
                total == 0 ? "all checks passed" : "FAILED");
  }
  MPI_Finalize();
  return total == 0 ? 0 : 1;
}
