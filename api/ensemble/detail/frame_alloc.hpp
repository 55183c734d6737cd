// Internal: the allocator behind coroutine frames (Task) and envelopes.
//
// Each thread keeps a bounded free list per 64-byte size class, so creating and
// destroying a frame or an envelope is a few instructions in the steady state
// and never touches a lock. Blocks freed on another thread than the one that
// allocated them simply join that thread's lists (up to the bound; beyond it
// they go back to the global heap). Blocks larger than the biggest class come
// from the global heap directly.
#pragma once

#include <ensemble/export.hpp>

#include <cstddef>

namespace ensemble::detail {

ENSEMBLE_API void* pooled_alloc(std::size_t size);
ENSEMBLE_API void pooled_free(void* p, std::size_t size) noexcept;

}  // namespace ensemble::detail
