// The machine's cores, by hwloc (topology.hpp).
#include "runtime/sched/topology.hpp"

#include <hwloc.h>

#include <vector>

namespace ensemble::runtime {

struct Topology::Impl {
  hwloc_topology_t topology = nullptr;
  std::vector<hwloc_bitmap_t> core_sets;    // every processing unit of core n
  std::vector<hwloc_bitmap_t> worker_sets;  // one processing unit each, physical cores first
  std::size_t pus = 0;

  Impl() {
    if (hwloc_topology_init(&topology) != 0) {
      topology = nullptr;
      return;
    }
    if (hwloc_topology_load(topology) != 0) {
      hwloc_topology_destroy(topology);
      topology = nullptr;
      return;
    }
    const int ncores = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
    std::vector<std::vector<hwloc_obj_t>> pus_of(static_cast<std::size_t>(ncores > 0 ? ncores : 0));
    for (int c = 0; c < ncores; ++c) {
      hwloc_obj_t core = hwloc_get_obj_by_type(topology, HWLOC_OBJ_CORE, static_cast<unsigned>(c));
      core_sets.push_back(hwloc_bitmap_dup(core->cpuset));
      hwloc_obj_t pu = nullptr;
      while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(topology, core->cpuset, HWLOC_OBJ_PU, pu)) != nullptr) {
        pus_of[static_cast<std::size_t>(c)].push_back(pu);
      }
    }
    // Round r takes the r-th processing unit of every core that has one.
    for (std::size_t r = 0;; ++r) {
      bool any = false;
      for (const auto& list : pus_of) {
        if (r < list.size()) {
          worker_sets.push_back(hwloc_bitmap_dup(list[r]->cpuset));
          any = true;
        }
      }
      if (!any) break;
    }
    pus = worker_sets.size();
  }
  ~Impl() {
    for (hwloc_bitmap_t s : core_sets) hwloc_bitmap_free(s);
    for (hwloc_bitmap_t s : worker_sets) hwloc_bitmap_free(s);
    if (topology != nullptr) hwloc_topology_destroy(topology);
  }
  bool bind(hwloc_const_bitmap_t set) const noexcept {
    return topology != nullptr && hwloc_set_cpubind(topology, set, HWLOC_CPUBIND_THREAD) == 0;
  }
};

Topology::Topology() : impl_(std::make_unique<Impl>()) {}
Topology::~Topology() = default;

const Topology& Topology::machine() {
  static const Topology t;
  return t;
}

std::size_t Topology::cores() const noexcept { return impl_->core_sets.size(); }
std::size_t Topology::processing_units() const noexcept { return impl_->pus; }

std::string Topology::describe() const {
  return std::to_string(cores()) + (cores() == 1 ? " core, " : " cores, ") + std::to_string(processing_units()) +
         (processing_units() == 1 ? " processing unit" : " processing units");
}

bool Topology::pin_worker(std::size_t i) const noexcept {
  if (impl_->worker_sets.empty()) return false;
  return impl_->bind(impl_->worker_sets[i % impl_->worker_sets.size()]);
}

bool Topology::pin_to_core(std::size_t core) const noexcept {
  if (core >= impl_->core_sets.size()) return false;
  return impl_->bind(impl_->core_sets[core]);
}

}  // namespace ensemble::runtime
