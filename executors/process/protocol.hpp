// Internal: what the frames between a process-mode actor's stand-in (the
// parent, executors/process/process_proxy.cpp) and its worker
// (executors/process/process_worker.cpp) carry. One request at a time: the
// stand-in sends a message and reads until that message is done, so the two
// never write large amounts at each other at once.
//
//   parent -> worker
//     H hello     version, registered type name, the parent's actor id (0: none)
//     M message   sender handle + 1 (0: no sender), sender's actor id, message id,
//                 correlation id, trace id (text), deadline (zigzag steady-clock
//                 ns, 0: none), headers (u8 0, or 1 and a Value map), payload
//                 (ensemble/codec.hpp)
//     S stop      finish and exit (post_stop runs in the worker)
//   worker -> parent
//     R ready     the actor was made and pre_start returned
//     E failed    text: the worker could not make the actor
//     T tell      target handle, correlation id (0: none), payload; from the
//                 actor's tells and its reply
//     D done      the message was handled: a note (text, empty: none) on a
//                 reply that could not be sent, then the released handles
//                 (count, handles)
//     F failed    the handler threw: its what(), released handles as for D
//     B bad       the message could not be decoded in the worker: why,
//                 released handles as for D
//
// Handles name the parent's addresses in the worker: 0 is the actor itself,
// 1 its parent, 2 and up the senders of messages, numbered by the parent.
// The worker lets go of a handle (it is listed in D, F or B) once the actor
// keeps no address made from it, so the parent's table stays as small as
// what the actor remembers.
#pragma once

#include <cstdint>

#include "runtime/sched/executor.hpp"

namespace ensemble::executors::process {

inline constexpr std::uint32_t protocol_version = 2;  // 2: deadline and headers in M

namespace frame {
inline constexpr std::uint8_t hello = 'H';
inline constexpr std::uint8_t message = 'M';
inline constexpr std::uint8_t stop = 'S';
inline constexpr std::uint8_t ready = 'R';
inline constexpr std::uint8_t start_failed = 'E';
inline constexpr std::uint8_t tell = 'T';
inline constexpr std::uint8_t done = 'D';
inline constexpr std::uint8_t failed = 'F';
inline constexpr std::uint8_t bad_message = 'B';
}  // namespace frame

inline constexpr std::uint64_t self_handle = 0;
inline constexpr std::uint64_t parent_handle = 1;
inline constexpr std::uint64_t first_sender_handle = 2;

using runtime::not_served_exit_status;
using runtime::worker_fd_variable;

}  // namespace ensemble::executors::process
