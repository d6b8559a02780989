// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file io.hpp
 * @brief Umbrella header of snicit::io, the host-only readers and writers (link snicit::io,
 * which brings zlib):
 * - sdgc.hpp   — Sparse DNN Graph Challenge TSV: layers, images, categories (read and write)
 * - beyond.hpp — the trained "beyond" classifier networks (weights/ + biases/ TSV folders)
 * - mnist.hpp  — MNIST idx images and labels
 * - binary.hpp — the versioned, checksummed snicit binary format (fast reload)
 *
 * File formats and error behaviour: docs/formats.md.
 */

#include <snicit/io/beyond.hpp>
#include <snicit/io/binary.hpp>
#include <snicit/io/mnist.hpp>
#include <snicit/io/read_options.hpp>
#include <snicit/io/sdgc.hpp>
