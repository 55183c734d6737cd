// Internal: the machine's cores as hwloc sees them, for pinning threads.
//
// Only the processing units this process may use count (hwloc 2 leaves the
// others out of the topology it loads). "Core n" is hwloc's n-th physical
// core among them. Pool workers pinned one per core take, in order, the first
// processing unit of every core, then the second of every core (the
// hyper-thread siblings), and so on: physical cores first.
//
// Thread safety: machine() loads the topology once (a function-local
// static); the object is immutable after, and pinning calls only read it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace ensemble::runtime {

class Topology {
 public:
  static const Topology& machine();

  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  std::size_t cores() const noexcept;
  std::size_t processing_units() const noexcept;
  // A one-line description for errors and logs: "4 cores, 8 processing units".
  std::string describe() const;

  // Pins the calling thread to the processing unit of worker `i` (modulo
  // their number), or to every processing unit of core `core`. False (and
  // the thread stays where it was) when the system refuses.
  bool pin_worker(std::size_t i) const noexcept;
  bool pin_to_core(std::size_t core) const noexcept;

 private:
  Topology();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ensemble::runtime
