// Internal: where envelopes come from and go back to.
#pragma once

#include "runtime/envelope.hpp"

namespace ensemble::runtime {

// Raw storage for one Envelope (construct it with placement new).
void* take_envelope_block();
// Destroys the envelope and keeps its storage for reuse.
void free_envelope(Envelope* e) noexcept;
Envelope* new_envelope(Message&& m);

}  // namespace ensemble::runtime
