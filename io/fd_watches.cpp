// spark's watch on the syndicate's event loop (fd_watches.hpp).
#include "io/fd_watches.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>
#include <string>

#include <ensemble/errors.hpp>
#include <ensemble/messages.hpp>

#include "runtime/core/syndicate_core.hpp"

namespace ensemble::io {
namespace {
constexpr char fd_watches_key[] = "fd-watches";

std::vector<int> sorted_unique(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool contains(const std::vector<int>& sorted, int fd) { return std::binary_search(sorted.begin(), sorted.end(), fd); }
}  // namespace

// What a report's token reaches after the watches may be gone: whether
// re-arms may still be posted, and where to.
struct FdWatches::Shared {
  std::mutex mutex;
  bool open = true;  // [mutex] false once shutdown() began: no more posts
  FdWatches* self = nullptr;
};

struct FdWatches::Entry {
  explicit Entry(boost::asio::io_context& context) : descriptor(context) {}
  boost::asio::posix::stream_descriptor descriptor;
  int fd = -1;
  ActorAddress owner;
  std::uint64_t sequence = 0;  // the table's change this entry applies (forget_failed)
  bool live = true;            // false once dropped: its late completions do nothing
  bool wanted[2] = {false, false};
  bool waiting[2] = {false, false};  // an async_wait of wait_generation[d] is outstanding
  // Per direction, so turning one direction off never touches the other's
  // report in flight: a wait's completion counts only if its generation is
  // still current (a cancel starts new ones), a token's re-arm only if its
  // direction was not turned off since (a new report generation).
  std::uint64_t wait_generation[2] = {0, 0};
  std::uint64_t report_generation[2] = {0, 0};
  bool reported[2] = {false, false};  // a report of report_generation[d] is in flight (its token lives)
};

namespace {
// WatchMessage::in_flight: destroyed with the last copy of the report.
struct Rearm {
  std::shared_ptr<FdWatches::Shared> shared;
  boost::asio::io_context* context = nullptr;
  int fd = -1;
  FdWatches::Direction direction = FdWatches::Direction::read;
  std::uint64_t generation = 0;
  Rearm() = default;
  Rearm(const Rearm&) = delete;
  Rearm& operator=(const Rearm&) = delete;
  ~Rearm();
};
}  // namespace

FdWatches::FdWatches(runtime::SyndicateCore& core, IoLoop& loop)
    : core_(core), loop_(loop), shared_(std::make_shared<Shared>()) {
  shared_->self = this;
}

FdWatches::~FdWatches() {
  // The loop thread was joined (its service shut down after this one): no
  // handler runs now. Release, never close: the fds are the user's.
  for (auto& [fd, e] : entries_) e->descriptor.release();
}

void FdWatches::set(runtime::ActorCell& actor, const std::vector<int>& read_in, const std::vector<int>& write_in) {
  const std::vector<int> read = sorted_unique(read_in);
  const std::vector<int> write = sorted_unique(write_in);
  for (const auto* set : {&read, &write}) {
    if (!set->empty() && set->front() < 0) {
      throw InvalidArgument("watch: " + std::to_string(set->front()) + " is not a file descriptor");
    }
  }
  std::lock_guard lock(mutex_);
  if (closed_) {
    if (read.empty() && write.empty()) return;
    throw SyndicateError("watch: syndicate '" + core_.name() + "' is shut down");
  }
  for (const auto* set : {&read, &write}) {
    for (int fd : *set) {
      auto it = owner_.find(fd);
      if (it != owner_.end() && it->second.cell != &actor) {
        throw InvalidArgument("fd " + std::to_string(fd) + " already watched by actor " +
                              ActorAddress(it->second.cell).to_string());
      }
    }
  }
  Watched& old = by_actor_[&actor];
  std::vector<int> all;
  std::set_union(old.read.begin(), old.read.end(), old.write.begin(), old.write.end(), std::back_inserter(all));
  all.insert(all.end(), read.begin(), read.end());
  all.insert(all.end(), write.begin(), write.end());
  all = sorted_unique(std::move(all));
  const ActorAddress self(&actor);
  for (int fd : all) {
    const bool r = contains(read, fd);
    const bool w = contains(write, fd);
    if (r == contains(old.read, fd) && w == contains(old.write, fd)) continue;  // unchanged: no second report
    if (r || w) {
      const std::uint64_t sequence = ++last_sequence_;
      owner_[fd] = Owner{&actor, sequence};
      post_state(fd, self, r, w, sequence);
    } else {
      owner_.erase(fd);
      post_state(fd, ActorAddress(), false, false, ++last_sequence_);
    }
  }
  if (read.empty() && write.empty()) {
    by_actor_.erase(&actor);
  } else {
    old.read = read;
    old.write = write;
  }
}

void FdWatches::actor_stopped(runtime::ActorCell& actor) noexcept {
  std::lock_guard lock(mutex_);
  auto it = by_actor_.find(&actor);
  if (it == by_actor_.end()) return;
  std::vector<int> all = it->second.read;
  all.insert(all.end(), it->second.write.begin(), it->second.write.end());
  for (int fd : sorted_unique(std::move(all))) {
    owner_.erase(fd);
    post_state(fd, ActorAddress(), false, false, ++last_sequence_);
  }
  by_actor_.erase(it);
}

void FdWatches::shutdown() noexcept {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    owner_.clear();
    by_actor_.clear();
  }
  {
    std::lock_guard lock(shared_->mutex);
    shared_->open = false;  // tokens destroyed from now on post nothing
  }
  // Drop every entry on the loop, then wait for a second handler: releasing
  // a descriptor posts its cancelled waits, which run before it, so none is
  // left holding an entry when this returns.
  std::promise<void> done;
  boost::asio::post(loop_.context(), [this, &done] {
    while (!entries_.empty()) drop(entries_.begin()->first);
    boost::asio::post(loop_.context(), [&done] { done.set_value(); });
  });
  done.get_future().wait();
}

void FdWatches::post_state(int fd, const ActorAddress& owner, bool read, bool write, std::uint64_t sequence) {
  boost::asio::post(loop_.context(),
                    [this, fd, owner, read, write, sequence] { apply(fd, owner, read, write, sequence); });
}

void FdWatches::forget_failed(int fd, std::uint64_t sequence) {
  std::lock_guard lock(mutex_);
  auto it = owner_.find(fd);
  // Watched again (by anyone) after the failed change: that newer state is
  // posted and stands.
  if (it == owner_.end() || it->second.sequence != sequence) return;
  runtime::ActorCell* owner = it->second.cell;
  owner_.erase(it);
  auto w = by_actor_.find(owner);
  if (w == by_actor_.end()) return;
  std::erase(w->second.read, fd);
  std::erase(w->second.write, fd);
  if (w->second.read.empty() && w->second.write.empty()) by_actor_.erase(w);
}

void FdWatches::apply(int fd, const ActorAddress& owner, bool read, bool write, std::uint64_t sequence) {
  auto it = entries_.find(fd);
  if (!read && !write) {
    drop(fd);
    return;
  }
  const bool wanted[2] = {read, write};
  std::shared_ptr<Entry> e;
  if (it != entries_.end() && it->second->owner == owner) {
    e = it->second;
    e->sequence = sequence;
    // A direction turned off: its report in flight no longer re-arms it. The
    // descriptor cancels both directions' waits, so both start new wait
    // generations (the cancelled completions are ignored) and the one still
    // wanted waits again below; its report in flight, if any, stands.
    if ((e->wanted[0] && !read) || (e->wanted[1] && !write)) {
      e->descriptor.cancel();
      for (int d = 0; d < 2; ++d) {
        e->waiting[d] = false;
        e->wait_generation[d] = next_generation_++;
        if (!wanted[d]) {
          e->reported[d] = false;
          e->report_generation[d] = next_generation_++;
        }
      }
    }
  } else {
    if (it != entries_.end()) drop(fd);
    e = std::make_shared<Entry>(loop_.context());
    e->fd = fd;
    e->owner = owner;
    e->sequence = sequence;
    for (int d = 0; d < 2; ++d) {
      e->wait_generation[d] = next_generation_++;
      e->report_generation[d] = next_generation_++;
    }
    // In the table before the descriptor holds the fd: should the insertion
    // throw, the descriptor's destructor must not close the user's fd.
    auto [slot, inserted] = entries_.emplace(fd, e);
    (void)inserted;  // dropped above: the slot was free
    boost::system::error_code ec;
    e->descriptor.assign(fd, ec);
    if (ec) {
      // Not an fd the loop can wait on (closed, say): reported as failed,
      // and the watch of it ends.
      entries_.erase(slot);
      e->live = false;
      // The table first: once the owner hears of it, the fd is free.
      forget_failed(fd, sequence);
      report(*e, Direction::read, /*failed=*/true);
      return;
    }
  }
  e->wanted[0] = read;
  e->wanted[1] = write;
  if (read) arm(e, Direction::read);
  if (write) arm(e, Direction::write);
}

void FdWatches::arm(const std::shared_ptr<Entry>& e, Direction d) {
  const int i = static_cast<int>(d);
  if (!e->wanted[i] || e->waiting[i] || e->reported[i]) return;
  e->waiting[i] = true;
  e->descriptor.async_wait(d == Direction::read ? boost::asio::posix::stream_descriptor::wait_read
                                                : boost::asio::posix::stream_descriptor::wait_write,
                           [this, e, d, generation = e->wait_generation[i]](const boost::system::error_code& ec) {
                             on_ready(e, d, generation, ec);
                           });
}

void FdWatches::on_ready(const std::shared_ptr<Entry>& e, Direction d, std::uint64_t generation,
                         const boost::system::error_code& ec) {
  const int i = static_cast<int>(d);
  if (!e->live || generation != e->wait_generation[i]) return;  // dropped, or a cancelled older wait
  e->waiting[i] = false;
  if (ec == boost::asio::error::operation_aborted || !e->wanted[i]) return;
  if (ec) {
    forget_failed(e->fd, e->sequence);
    report(*e, d, /*failed=*/true);
    drop(e->fd);
    return;
  }
  e->reported[i] = true;
  report(*e, d, /*failed=*/false);
}

void FdWatches::report(Entry& e, Direction d, bool failed) {
  WatchMessage m;
  if (failed) {
    m.failed.push_back(e.fd);
  } else {
    (d == Direction::read ? m.ready_read : m.ready_write).push_back(e.fd);
    auto token = std::make_shared<Rearm>();
    token->shared = shared_;
    token->context = &loop_.context();
    token->fd = e.fd;
    token->direction = d;
    token->generation = e.report_generation[static_cast<int>(d)];
    m.in_flight = std::move(token);
  }
  // A stopped owner: a dead letter, and the token dies with it (its re-arm
  // finds the entry dropped).
  core_.delivery().tell(e.owner, Message(Payload(std::move(m))));
}

void FdWatches::rearm_from_token(int fd, Direction d, std::uint64_t generation) {
  auto it = entries_.find(fd);
  const int i = static_cast<int>(d);
  if (it == entries_.end() || it->second->report_generation[i] != generation) return;
  it->second->reported[i] = false;
  arm(it->second, d);
}

void FdWatches::drop(int fd) noexcept {
  auto it = entries_.find(fd);
  if (it == entries_.end()) return;
  it->second->live = false;
  it->second->descriptor.release();  // cancels its waits; never closes the fd
  entries_.erase(it);
}

Rearm::~Rearm() {
  if (!shared) return;
  std::lock_guard lock(shared->mutex);
  if (!shared->open) return;
  FdWatches* self = shared->self;
  try {
    boost::asio::post(*context, [self, fd = fd, d = direction, g = generation] { self->rearm_from_token(fd, d, g); });
  } catch (...) {
    // Out of memory posting it: that fd is not reported again until it is
    // watched anew. A destructor must not throw.
  }
}

FdWatches& fd_watches_of(runtime::SyndicateCore& core) {
  IoLoop& loop = io_loop_of(core);  // first, and apart: attach() holds the services' lock while it makes
  runtime::Service* s =
      core.services().attach(fd_watches_key, [&] { return std::make_unique<FdWatches>(core, loop); });
  if (s == nullptr) throw SyndicateError("watch: syndicate '" + core.name() + "' is shut down");
  return static_cast<FdWatches&>(*s);
}

}  // namespace ensemble::io
