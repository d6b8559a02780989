// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file reference.hpp
 * @brief Umbrella header of snicit::reference, the multithreaded CPU oracle: exact inference
 * (exact.hpp), the SNICIT pipeline (snicit.hpp) and classifiers (classify.hpp). Host-only.
 * Semantics: docs/reference.md.
 */

#include <snicit/reference/classify.hpp>
#include <snicit/reference/exact.hpp>
#include <snicit/reference/snicit.hpp>
