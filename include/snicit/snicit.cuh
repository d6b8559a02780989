// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file snicit.cuh
 * @brief Umbrella header: the engine, its policies, the memory helpers and every
 * `snicit::kernels` building block. (snicit::io, snicit::data and snicit::reference are separate.)
 */

#include <snicit/engine.cuh>
#include <snicit/kernels/cluster.cuh>
#include <snicit/kernels/convert.cuh>
#include <snicit/kernels/post_update.cuh>
#include <snicit/kernels/recover.cuh>
#include <snicit/kernels/rows.cuh>
#include <snicit/kernels/spmm.cuh>
#include <snicit/memory/allocator.hpp>
#include <snicit/memory/device_buffer.hpp>
#include <snicit/memory/pinned_buffer.hpp>
#include <snicit/policy/activation.hpp>
#include <snicit/policy/cluster.hpp>
#include <snicit/policy/concepts.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/stream.hpp>
#include <snicit/types.hpp>
