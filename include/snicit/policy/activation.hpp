// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file activation.hpp
 * @brief Activation functors: `snicit::ReluClip` (the bounded ReLU of SDGC and the MNIST nets),
 * and the activation requirements (trait + concept).
 *
 * An activation is a trivially copyable functor with a host/device `Value operator()(Value) const`.
 * The engine needs act(0) == 0 only to drop all-zero rows; when a layer's act(bias) != 0 the
 * engine keeps zero rows (see docs/engine.md).
 */

#include <snicit/config.hpp>

#include <concepts>
#include <type_traits>

SNICIT_NAMESPACE_BEGIN

/**
 * @brief Clipped ReLU `min(max(x, 0), cap)`; returns +0 for x <= 0 and for NaN (the CPU
 * reference's definition, bit for bit).
 */
struct ReluClip {
  float cap = 32.0f;  ///< upper bound: 32 for SDGC, 1 for the trained MNIST networks

  constexpr ReluClip() = default;
  /// A clipped ReLU with upper bound `c`.
  constexpr explicit ReluClip(float c) noexcept : cap(c) {}

  template <class Value>
  [[nodiscard]] SNICIT_HOST_DEVICE constexpr Value operator()(Value x) const noexcept {
    Value const c = static_cast<Value>(cap);
    return x > Value(0) ? (x < c ? x : c) : Value(0);
  }
};

/// Plain ReLU `max(x, 0)` (unbounded; admitted by the concept for experiments).
struct Relu {
  template <class Value>
  [[nodiscard]] SNICIT_HOST_DEVICE constexpr Value operator()(Value x) const noexcept {
    return x > Value(0) ? x : Value(0);
  }
};

/// True when `A` is a trivially copyable functor mapping Value to Value.
template <class A, class Value>
inline constexpr bool is_activation_v =
    std::is_trivially_copyable_v<A>&& std::is_invocable_r_v<Value, A const&, Value>;

/// The activation requirements as a concept.
template <class A, class Value>
concept ActivationFunction = is_activation_v<A, Value>;

static_assert(is_activation_v<ReluClip, float>);
static_assert(is_activation_v<Relu, float>);

SNICIT_NAMESPACE_END
