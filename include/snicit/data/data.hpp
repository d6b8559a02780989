// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file data.hpp
 * @brief Umbrella header of snicit::data, the host-only generators of SDGC inputs (link
 * snicit::io, which brings zlib, since the generators write files and read MNIST):
 * - radixnet.hpp — RadiX-Net SDGC networks of any N = 16 * 2^K and depth, in memory or as files
 * - images.hpp   — input images from MNIST (bicubic resize, tiling) or synthetic (seeded blobs)
 *
 * The rules and the chosen kernels: docs/generator.md.
 */

#include <snicit/data/images.hpp>
#include <snicit/data/radixnet.hpp>
