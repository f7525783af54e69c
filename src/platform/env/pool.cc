#include "platform/env/pool.h"

#include <unistd.h>

#include <algorithm>

#include "platform/env/env_os.h"
#include "platform/env/sandbox.h"

namespace lambdakit::platform::env {

pool::pool(boost::asio::io_context& io, pool_options options)
    : io_(io),
      opt_(std::move(options)),
      own_os_(opt_.os != nullptr ? nullptr : make_real_os(io, opt_.launchers, opt_.box)),
      os_(opt_.os != nullptr ? *opt_.os : *own_os_),
      timer_(os_.make_timer()) {
  schedule_eviction();
}

pool::~pool() {
  try {
    shutdown();
  } catch (...) {  // environments kill their runtimes in their own destructors
  }
}

bool pool::invoke(const function_config& fn, const std::filesystem::path& task_root,
                  invoke_request request, environment::done_fn done, int limit) {
  auto& list = envs_[fn.name];
  // Retire what is dead or of an older revision, if idle.
  std::erase_if(list, [&](const std::shared_ptr<environment>& e) {
    return e->dead() || (!e->busy() && e->function().revision_id != fn.revision_id);
  });
  int max = limit >= 0 ? limit : opt_.max_concurrency;
  // The limit counts running invokes: lowered (reserved concurrency 0, say), it holds even
  // while warm environments sit idle.
  if (std::count_if(list.begin(), list.end(),
                    [](const std::shared_ptr<environment>& e) { return e->busy(); }) >= max) {
    return false;
  }
  std::shared_ptr<environment> chosen;
  for (auto& e : list) {  // the most recently used idle one: warmest caches
    if (!e->busy() && e->function().revision_id == fn.revision_id &&
        (!chosen || e->last_used() > chosen->last_used())) {
      chosen = e;
    }
  }
  if (!chosen) {
    if (static_cast<int>(list.size()) >= max) return false;
    environment_options eo;
    eo.id = fn.name + "-" + std::to_string(next_id_++);
    eo.fn = fn;
    eo.task_root = task_root;
    std::error_code ec;
    auto& spare = reset_tmp_[fn.name];
    auto same_code = std::find_if(spare.begin(), spare.end(), [&](const spare_tmp& t) {
      return t.revision_id == fn.revision_id;
    });
    if (same_code != spare.end()) {
      eo.tmp_dir = std::move(same_code->dir);
      spare.erase(same_code);
    } else {
      eo.tmp_dir = opt_.tmp_root / eo.id;
    }
    std::filesystem::create_directories(eo.tmp_dir, ec);
    if (opt_.box != nullptr && opt_.box->drop_user && opt_.box->mode != sandbox_mode::none) {
      // The runtime's own /tmp, as on Lambda (owned by sbx_user1051).
      (void)::chown(eo.tmp_dir.c_str(), sandbox_uid, sandbox_gid);
    }
    eo.region = opt_.region;
    eo.account = opt_.account;
    eo.freeze_between_invokes = opt_.freeze_between_invokes;
    eo.hosts = opt_.hosts;
    eo.memory_limit = opt_.memory_limits;
    eo.init_limit = opt_.init_limit;
    eo.launchers = opt_.launchers;
    eo.box = opt_.box;
    eo.os = &os_;
    if (opt_.on_log) {
      eo.on_log = [log = opt_.on_log, name = fn.name](
                      const std::string& id, std::string_view line) { log(name, id, line); };
    }
    chosen = std::make_shared<environment>(io_, std::move(eo));
    list.push_back(chosen);
  }
  std::weak_ptr<environment> keep = chosen;
  chosen->invoke(std::move(request),
                 [this, keep, name = fn.name, done = std::move(done)](invoke_outcome o) {
                   if (auto e = keep.lock(); e && (e->dead() || o.reset) && !shut_) {
                     auto& l = envs_[name];
                     std::erase(l, e);
                     reset_tmp_[name].push_back({e->function().revision_id, e->tmp_dir()});
                   }
                   done(std::move(o));
                 });
  return true;
}

bool pool::has_room(const function_config& fn, int limit) const {
  int max = limit >= 0 ? limit : opt_.max_concurrency;
  auto it = envs_.find(fn.name);
  if (it == envs_.end()) return max > 0;
  int busy = 0;
  int kept = 0;
  bool idle = false;
  for (const auto& e : it->second) {
    if (e->dead() || (!e->busy() && e->function().revision_id != fn.revision_id)) continue;
    ++kept;
    if (e->busy()) {
      ++busy;
    } else {
      idle = true;
    }
  }
  return busy < max && (idle || kept < max);
}

void pool::retire(const std::string& function) {
  auto it = envs_.find(function);
  if (it == envs_.end()) return;
  std::erase_if(it->second, [](const std::shared_ptr<environment>& e) { return !e->busy(); });
  reset_tmp_.erase(function);  // new code, new sandboxes
  // Busy ones are dropped after their invoke: their revision no longer matches.
}

void pool::shutdown() {
  if (shut_) return;
  shut_ = true;
  timer_->cancel();
  envs_.clear();  // each environment kills its runtime
}

std::size_t pool::size() const {
  std::size_t n = 0;
  for (const auto& [name, list] : envs_) n += list.size();
  return n;
}

void pool::evict_idle() {
  auto now = os_.now();
  for (auto& [name, list] : envs_) {
    std::erase_if(list, [&](const std::shared_ptr<environment>& e) {
      return e->dead() || (!e->busy() && now - e->last_used() >= opt_.idle_timeout);
    });
  }
}

void pool::schedule_eviction() {
  auto period = std::max<std::chrono::milliseconds>(
      std::chrono::milliseconds(100),
      std::min<std::chrono::milliseconds>(opt_.idle_timeout / 4, std::chrono::milliseconds(5000)));
  timer_->start(period, [this] {  // the timer is ours: it cannot outlive `this`
    if (shut_) return;
    evict_idle();
    schedule_eviction();
  });
}

}  // namespace lambdakit::platform::env
