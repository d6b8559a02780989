// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file read_options.hpp
 * @brief Options shared by the snicit::io text readers.
 */

#include <snicit/config.hpp>

SNICIT_NAMESPACE_BEGIN
namespace io {

/** @brief Options of the parallel text readers (SDGC TSV, beyond TSV). */
struct ReadOptions {
  /// Parser threads; 0 = all hardware threads (or $SNICIT_THREADS), see detail::resolve_threads.
  int threads = 0;
};

}  // namespace io
SNICIT_NAMESPACE_END
