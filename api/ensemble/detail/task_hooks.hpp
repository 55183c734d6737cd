// Internal (installed because ensemble's task templates call them from the
// user's code): every out-of-line hook of the task model, listed once. Each
// is implemented in runtime/core/task.cpp and exported (ENSEMBLE_API); they
// are the whole binary interface between the task headers and the library,
// so changing one is an ABI change.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include <ensemble/export.hpp>

namespace ensemble {

class Payload;
class Syndicate;

namespace detail {

class PromiseBase;
struct TaskNode;
class NodeRef;
struct TaskGroup;
struct SleepTicket;

// --- forks (task/fork.hpp) ---
ENSEMBLE_API std::uint64_t next_task_id() noexcept;
ENSEMBLE_API void task_activate(TaskNode& n);                         // start a fork (idempotent)
ENSEMBLE_API bool task_parallel_started(const TaskNode& n) noexcept;  // a parallel fork's start was claimed
ENSEMBLE_API void task_activate_from(PromiseBase& p, TaskNode& n);    // the same, from the task running `p`
ENSEMBLE_API void task_resume(TaskNode& n);                           // the reference's resume/enqueue
ENSEMBLE_API void task_spawn(NodeRef n);                              // main/spawn onto the current strand
ENSEMBLE_API void task_abort(TaskNode& n, std::exception_ptr error) noexcept;
ENSEMBLE_API void task_exit(TaskNode& n, void (*store)(TaskNode&, void*), void* value) noexcept;
ENSEMBLE_API bool task_suspend_here(PromiseBase& p, std::coroutine_handle<> h);
ENSEMBLE_API void task_current_check(PromiseBase& p, const char* operation);
// Suspends the task until `fork` (a parallel fork, a Deferred, a fork waited
// on) settles; a resume before that parks it again.
ENSEMBLE_API bool task_join_parallel(PromiseBase& p, std::coroutine_handle<> h, TaskNode& fork);
ENSEMBLE_API void task_join_parallel_done(PromiseBase& p, TaskNode& fork) noexcept;
[[noreturn]] ENSEMBLE_API void task_error(const std::string& what);

// --- joins (task/fork.hpp) ---
// join_begin moves the forks into a group driven by the calling task and
// steps it once; false when the join is already over (every fork finished,
// or one failed). While the task waits, the scheduler steps the group on its
// behalf each time it is woken, and resumes it only once the group is empty
// (TaskStrand::drive). `storage` (join_storage_bytes, pointer-aligned) holds
// the group, so a join allocates nothing; it lives in the awaiter, in the
// joining task's frame.
inline constexpr std::size_t join_storage_bytes = 160;
ENSEMBLE_API bool join_begin(PromiseBase& p, std::coroutine_handle<> h, const NodeRef* forks,
                             std::size_t count, TaskGroup*& g, void* storage);
// Rethrows an abort or the group's first failure; closes the group.
ENSEMBLE_API void join_end(PromiseBase& p, TaskGroup*& g);
// Closes a join's group. `abandoned`: the joining task is being destroyed
// mid-join (exit, teardown), so the forks it joined are exited too.
ENSEMBLE_API void join_close(TaskGroup* g, bool abandoned = false) noexcept;

// --- effects (task/effects.hpp) ---
// Delivers a message upwards from the running frame; true when the task must
// suspend (it was sent while the task was being aborted: the message is
// dropped and the task goes back to its queue).
ENSEMBLE_API bool task_emit(PromiseBase& from, std::coroutine_handle<> h, Payload&& message);
using LoopNext = void (*)(void* context, Payload&& message, TaskGroup& group);
ENSEMBLE_API TaskGroup* loop_open(PromiseBase& driver, LoopNext next, void* context);
ENSEMBLE_API void loop_close(TaskGroup* g) noexcept;
ENSEMBLE_API void group_add(TaskGroup& g, NodeRef n);  // the reference's Group.enqueue: queued, not run
ENSEMBLE_API void group_step(TaskGroup& g);  // drives members until none is active; rethrows a member's failure
ENSEMBLE_API bool group_empty(const TaskGroup& g) noexcept;

// --- sleep, wait, Deferred (task/ops.hpp) ---
ENSEMBLE_API SleepTicket* sleep_begin(PromiseBase& p, std::coroutine_handle<> h, std::chrono::nanoseconds d);
ENSEMBLE_API void sleep_end(SleepTicket* t) noexcept;
ENSEMBLE_API bool wait_value_begin(PromiseBase& p, std::coroutine_handle<> h);  // queues the wake-up, suspends
ENSEMBLE_API void queue_abort(TaskNode& target, std::exception_ptr error);  // an abort run later, as a task
ENSEMBLE_API bool deferred_settle(TaskNode& n) noexcept;                    // wakes its waiters

// --- task::run (task/run.hpp) ---
ENSEMBLE_API void run_tree(Syndicate& syn, TaskNode& n, bool wait);

}  // namespace detail
}  // namespace ensemble
