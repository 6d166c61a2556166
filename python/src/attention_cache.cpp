#include "python/src/attention_cache.hpp"

#include <list>
#include <map>
#include <tuple>
#include <utility>

#include "burst/config.hpp"
#include "burst/profile.hpp"

#if BURST_HAVE_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

namespace burst::python {
namespace {

// One NVTX range per binding call, in libburst's domain "burst" so Nsight shows it around the
// runtime's own ring-phase ranges. No-ops unless a tool is attached.
#if BURST_HAVE_NVTX
nvtxDomainHandle_t burst_domain() {
  static const nvtxDomainHandle_t domain = nvtxDomainCreateA("burst");
  return domain;
}
void range_push(const char* name) {
  nvtxEventAttributes_t attr{};
  attr.version = NVTX_VERSION;
  attr.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  attr.messageType = NVTX_MESSAGE_TYPE_ASCII;
  attr.message.ascii = name;
  nvtxDomainRangePushEx(burst_domain(), &attr);
}
void range_pop() {
  nvtxDomainRangePop(burst_domain());
}
#else
void range_push(const char*) {}
void range_pop() {}
#endif

class NvtxRange {
 public:
  explicit NvtxRange(const char* name) { range_push(name); }
  ~NvtxRange() { range_pop(); }
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;
};

using ShapeKey = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, bool,
                            float, const Communicator*>;
using OpKey = std::tuple<ShapeKey, int>;

ShapeKey shape_key(const Communicator& world, const AttentionShape& s) {
  return {s.batch,  s.seq,   s.heads, s.kv_heads_or_heads(), s.head_dim, static_cast<int>(s.dtype),
          s.causal, s.scale, &world};
}

struct ChoiceEntry {
  std::shared_ptr<Communicator> world;  // keeps the key's pointer from being reused
  std::shared_ptr<const ScheduleChoice> choice;
};

struct Cache {
  std::mutex mutex;
  std::map<ShapeKey, ChoiceEntry> choices;
  std::list<std::pair<OpKey, std::shared_ptr<CachedAttention>>> ops;  // most recently used first
  std::map<const Communicator*, std::shared_ptr<std::mutex>> world_locks;
};

// Never destroyed: ops hold process groups, which must not be torn down during static
// destruction at exit (the Python package clears the cache at interpreter exit instead).
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

std::shared_ptr<const ScheduleChoice> choice_for(Cache& c, const std::shared_ptr<Communicator>& world,
                                                 const AttentionShape& shape) {
  const ShapeKey key = shape_key(*world, shape);
  auto it = c.choices.find(key);
  if (it != c.choices.end()) return it->second.choice;
  auto choice = std::make_shared<const ScheduleChoice>(choose_schedule(*world, shape, Pass::fwd_bwd));
  c.choices.emplace(key, ChoiceEntry{world, choice});
  return choice;
}

Schedule with_layout(const ScheduleChoice& choice, Layout layout) {
  Schedule s = choice.schedule;
  s.layout = layout;
  return s;
}

std::string layout_note(const Selection& selection, Layout layout) {
  std::string note = "layout: " + std::string(to_string(layout)) +
                     ", given by the caller: the tensors are already sharded that way, so it wins over ";
  const auto from_entry = selection.applied.get(param_layout);
  if (!from_entry) return note + "any profile's ring.layout (this selection sets none)\n";
  if (*from_entry == to_string(layout)) return note + "the entry's ring.layout (which agrees)\n";
  return note + "the entry's ring.layout " + *from_entry + " (not used)\n";
}

}  // namespace

CachedAttention::CachedAttention(std::shared_ptr<Communicator> world, std::shared_ptr<std::mutex> world_lock,
                                 const AttentionShape& shape, const Schedule& schedule,
                                 std::shared_ptr<const ScheduleChoice> choice)
    : world_(std::move(world)),
      world_lock_(std::move(world_lock)),
      choice_(std::move(choice)),
      op_(*world_, shape, schedule) {}

void CachedAttention::forward(const void* q, const void* k, const void* v, void* o, float* lse) {
  NvtxRange range("burst.attention.forward");
  std::lock_guard lock(*world_lock_);
  op_.forward(q, k, v, o, lse);
}

void CachedAttention::backward(const void* q, const void* k, const void* v, const void* o, const float* lse,
                               const void* dout, void* dq, void* dk, void* dv) {
  NvtxRange range("burst.attention.backward");
  std::lock_guard lock(*world_lock_);
  op_.backward(q, k, v, o, lse, dout, dq, dk, dv);
}

std::shared_ptr<CachedAttention> cached_attention(const std::shared_ptr<Communicator>& world,
                                                  const AttentionShape& shape, Layout layout) {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  const OpKey key{shape_key(*world, shape), static_cast<int>(layout)};
  for (auto it = c.ops.begin(); it != c.ops.end(); ++it) {
    if (it->first != key) continue;
    c.ops.splice(c.ops.begin(), c.ops, it);
    return c.ops.front().second;
  }
  auto choice = choice_for(c, world, shape);
  auto& world_lock = c.world_locks[world.get()];  // unique while choices hold the world
  if (!world_lock) world_lock = std::make_shared<std::mutex>();
  auto op = std::make_shared<CachedAttention>(world, world_lock, shape, with_layout(*choice, layout), choice);
  c.ops.emplace_front(key, op);
  if (c.ops.size() > attention_cache_capacity) c.ops.pop_back();
  return op;
}

std::string explain_attention(const std::shared_ptr<Communicator>& world, const AttentionShape& shape,
                              Layout layout) {
  std::shared_ptr<const ScheduleChoice> choice;
  {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    choice = choice_for(c, world, shape);
  }
  std::string text = describe_selection(*choice->selection) + layout_note(*choice->selection, layout);
  const Schedule schedule = with_layout(*choice, layout);
  if (auto problem = check_runnable(shape, schedule, world->size(), Backend::cpu, Pass::fwd_bwd)) {
    text += "runnable: no: " + problem->message + "\n";
  } else {
    const KernelPlan plan = plan_kernels(shape, schedule, world->size(), Backend::cpu, Pass::fwd_bwd);
    text += "kernels: forward " + plan.forward + ", backward " + plan.backward + "\n";
  }
  return text;
}

void clear_attention_cache() {
  Cache& c = cache();
  std::list<std::pair<OpKey, std::shared_ptr<CachedAttention>>> ops;
  std::map<ShapeKey, ChoiceEntry> choices;
  {
    std::lock_guard lock(c.mutex);
    ops.swap(c.ops);
    choices.swap(c.choices);
    c.world_locks.clear();  // ops still held elsewhere keep theirs
  }
  // The ops and the communicators only they held are destroyed here, outside the lock.
}

std::size_t attention_cache_size() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.ops.size();
}

}  // namespace burst::python
