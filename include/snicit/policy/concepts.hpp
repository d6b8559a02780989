// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

/**
 * @file concepts.hpp
 * @brief Traits (`is_spmm_policy_v`, `is_cluster_policy_v`, `is_activation_v`) and C++20 concepts
 * (`SpmmPolicy`, `ClusterPolicy`, `ActivationFunction`) for the Engine's template parameters. The Engine
 * static_asserts them with readable messages.
 */

#include <snicit/config.hpp>
#include <snicit/policy/activation.hpp>
#include <snicit/policy/cluster.hpp>
#include <snicit/policy/spmm.hpp>
#include <snicit/types.hpp>

#include <concepts>
#include <type_traits>

SNICIT_NAMESPACE_BEGIN

namespace detail {
template <class P, class = void>
struct has_spmm_members : std::false_type {};
template <class P>
struct has_spmm_members<P,
                        std::void_t<typename P::policy_category,
                                    decltype(P::weight_layout),
                                    decltype(P::block_threads)>>
    : std::bool_constant<
          std::is_same_v<typename P::policy_category, spmm::spmm_policy_tag> &&
          std::is_same_v<std::remove_cv_t<decltype(P::weight_layout)>, WeightLayout> &&
          std::is_convertible_v<decltype(P::block_threads), int>> {};

template <class P, class = void>
struct has_cluster_members : std::false_type {};
template <class P>
struct has_cluster_members<
    P,
    std::void_t<typename P::policy_category, decltype(P::converts), decltype(P::block_threads)>>
    : std::bool_constant<std::is_same_v<typename P::policy_category, cluster::cluster_policy_tag> &&
                         std::is_convertible_v<decltype(P::converts), bool> &&
                         std::is_convertible_v<decltype(P::block_threads), int>> {};
}  // namespace detail

/// True when `P` is a spMM policy (tag, weight_layout, block_threads; trivially copyable).
template <class P>
inline constexpr bool is_spmm_policy_v = std::is_trivially_copyable_v<P>&&
    std::is_default_constructible_v<P>&& detail::has_spmm_members<P>::value;

/// True when `P` is a cluster policy (tag, converts, block_threads; trivially copyable).
template <class P>
inline constexpr bool is_cluster_policy_v = std::is_trivially_copyable_v<P>&&
    std::is_default_constructible_v<P>&& detail::has_cluster_members<P>::value;

/// The spMM policy requirements as a concept.
template <class P>
concept SpmmPolicy = is_spmm_policy_v<P>;

/// The cluster policy requirements as a concept.
template <class P>
concept ClusterPolicy = is_cluster_policy_v<P>;

static_assert(SpmmPolicy<spmm::RowGather<>>);
static_assert(ClusterPolicy<cluster::CoarseSample<>>);
static_assert(ClusterPolicy<cluster::None>);
static_assert(!SpmmPolicy<cluster::None>);
static_assert(!ClusterPolicy<spmm::RowGather<>>);
static_assert(!SpmmPolicy<int>);

SNICIT_NAMESPACE_END
