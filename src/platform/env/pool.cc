#include "platform/env/pool.h"

#include <unistd.h>

#include <algorithm>

#include "platform/env/env_os.h"
#include "platform/env/sandbox.h"
#include "platform/env/scratch_volume.h"

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

void pool::remove_tmp(const std::filesystem::path& dir) {
  if (opt_.scratch != nullptr && opt_.scratch->give_back(dir)) return;  // emptied, used again
  if (is_mount_point(dir)) return remove_scratch_volume(dir);           // detached at once
  std::error_code ec;
  // Moved aside at once (a successor with the same id never sees it), removed later.
  auto aside = opt_.tmp_root / (".trash-" + std::to_string(next_trash_++));
  std::filesystem::rename(dir, aside, ec);
  if (ec) return;
  if (opt_.remove_later) {
    opt_.remove_later(aside);
  } else {
    std::filesystem::remove_all(aside, ec);
  }
}

template <class Pred>
void pool::drop_if(std::vector<std::shared_ptr<environment>>& list, Pred pred) {
  for (auto it = list.begin(); it != list.end();) {
    if (!pred(*it)) {
      ++it;
      continue;
    }
    retiring_.erase(it->get());
    drain(*it, true);
    it = list.erase(it);
  }
}

void pool::drain(const std::shared_ptr<environment>& e, bool give_up_tmp) {
  // It stays here until its SHUTDOWN phase is over; its /tmp is given up then, once every
  // process that could still write there is gone.
  environment* raw = e.get();
  draining_[raw] = e;
  e->retire([this, alive = std::weak_ptr<bool>(alive_), raw,
             dir = give_up_tmp ? e->tmp_dir() : std::filesystem::path()] {
    if (alive.expired()) return;
    draining_.erase(raw);
    if (!dir.empty()) remove_tmp(dir);
  });
}

bool pool::invoke(const function_config& fn, const std::filesystem::path& task_root,
                  const std::filesystem::path& opt_root, invoke_request request,
                  environment::done_fn done, int limit) {
  auto& list = envs_[fn.name];
  // Retire what is dead or of an older revision of this version, if idle.
  drop_if(list, [&](const std::shared_ptr<environment>& e) {
    return e->dead() || (!e->busy() && e->function().version == fn.version &&
                         e->function().runtime_revision != fn.runtime_revision);
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
    if (!e->busy() && e->function().runtime_revision == fn.runtime_revision &&
        (!chosen || e->last_used() > chosen->last_used())) {
      chosen = e;
    }
  }
  if (!chosen) {
    if (static_cast<int>(list.size()) >= max) {
      // Full, but an idle environment of another version can make way: the least recently used.
      std::shared_ptr<environment> oldest;
      for (auto& e : list) {
        if (!e->busy() && (!oldest || e->last_used() < oldest->last_used())) oldest = e;
      }
      if (!oldest) return false;
      drop_if(list, [&](const std::shared_ptr<environment>& e) { return e == oldest; });
    }
    environment_options eo;
    eo.id = fn.name + "-" + std::to_string(next_id_++);
    eo.fn = fn;
    eo.task_root = task_root;
    eo.opt_root = opt_root;
    std::error_code ec;
    auto& spare = reset_tmp_[fn.name];
    auto same_code = std::find_if(spare.begin(), spare.end(), [&](const spare_tmp& t) {
      return t.runtime_revision == fn.runtime_revision;
    });
    if (same_code != spare.end()) {
      eo.tmp_dir = std::move(same_code->dir);
      spare.erase(same_code);
      std::erase_if(spare, [&](const spare_tmp& t) {  // older code of this version: nobody's now
        if (t.version != fn.version) return false;
        remove_tmp(t.dir);
        return true;
      });
    } else if (opt_.scratch != nullptr) {
      if (auto v = opt_.scratch->take(fn.ephemeral_mb)) {
        eo.tmp_dir = std::move(v).value();
      } else if (opt_.on_log) {
        opt_.on_log(
            fn.name, eo.id,
            "lambdakit: /tmp is not limited to EphemeralStorage this time: " + v.error().message());
      }
    }
    if (eo.tmp_dir.empty()) {  // a plain folder: no volume, or none could be had
      eo.tmp_dir = opt_.tmp_root / eo.id;
      std::filesystem::create_directories(eo.tmp_dir, ec);
      if (opt_.box != nullptr && opt_.box->drop_user && opt_.box->mode != sandbox_mode::none) {
        // The runtime's own /tmp, as on Lambda (owned by sbx_user1051).
        (void)::chown(eo.tmp_dir.c_str(), sandbox_uid, sandbox_gid);
      }
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
  chosen->invoke(
      std::move(request), [this, keep, name = fn.name, done = std::move(done)](invoke_outcome o) {
        if (auto e = keep.lock(); e && !shut_) {
          if (e->dead() || o.reset) {
            retiring_.erase(e.get());
            auto& l = envs_[name];
            std::erase(l, e);
            drain(e, false);  // its /tmp goes to the next environment of this code
            reset_tmp_[name].push_back(
                {e->function().version, e->function().runtime_revision, e->tmp_dir(), os_.now()});
          } else if (retiring_.count(e.get()) > 0) {
            // Its function was deleted or changed while it ran: it goes now.
            drop_if(envs_[name], [&](const std::shared_ptr<environment>& x) { return x == e; });
          }
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
  bool idle = false;        // of this version and revision
  bool idle_other = false;  // of another version: it would make way
  for (const auto& e : it->second) {
    const function_config& of = e->function();
    if (e->dead() ||
        (!e->busy() && of.version == fn.version && of.runtime_revision != fn.runtime_revision))
      continue;
    ++kept;
    if (e->busy()) {
      ++busy;
    } else if (of.runtime_revision == fn.runtime_revision) {
      idle = true;
    } else {
      idle_other = true;
    }
  }
  return busy < max && (idle || idle_other || kept < max);
}

bool pool::runs_code(const std::filesystem::path& task_root) const {
  for (const auto& [name, list] : envs_) {
    for (const auto& e : list) {
      if (e->task_root() == task_root) return true;
    }
  }
  for (const auto& [raw, e] : draining_) {
    if (e->task_root() == task_root) return true;
  }
  return false;
}

void pool::retire(const std::string& function, const std::string& version) {
  auto of = [&](const function_config& f) { return version.empty() || f.version == version; };
  if (auto it = envs_.find(function); it != envs_.end()) {
    drop_if(it->second,
            [&](const std::shared_ptr<environment>& e) { return !e->busy() && of(e->function()); });
    for (const auto& e : it->second) {
      if (of(e->function())) retiring_.insert(e.get());
    }
  }
  if (auto spare = reset_tmp_.find(function); spare != reset_tmp_.end()) {
    std::erase_if(spare->second, [&](const spare_tmp& t) {
      if (!version.empty() && t.version != version) return false;
      remove_tmp(t.dir);  // new code, new sandboxes
      return true;
    });
  }
  // Busy ones are dropped after their invoke (retiring_).
}

void pool::shutdown() {
  if (shut_) return;
  shut_ = true;
  timer_->cancel();
  retiring_.clear();
  std::vector<std::filesystem::path> dirs;
  for (const auto& [name, list] : envs_)
    for (const auto& e : list) dirs.push_back(e->tmp_dir());
  for (const auto& [name, spare] : reset_tmp_)
    for (const auto& t : spare) dirs.push_back(t.dir);
  for (const auto& [raw, e] : draining_) e->abort();
  draining_.clear();
  envs_.clear();  // each environment kills its runtime
  reset_tmp_.clear();
  // Volumes are detached now; plain folders stay for the next start to remove (it does so
  // before anything else, and a shutdown should not wait for gigabytes to be deleted).
  for (const auto& d : dirs)
    if (is_mount_point(d)) remove_scratch_volume(d);
}

std::size_t pool::size() const {
  std::size_t n = 0;
  for (const auto& [name, list] : envs_) n += list.size();
  return n;
}

void pool::evict_idle() {
  auto now = os_.now();
  for (auto& [name, list] : envs_) {
    drop_if(list, [&](const std::shared_ptr<environment>& e) {
      return e->dead() || (!e->busy() && now - e->last_used() >= opt_.idle_timeout);
    });
  }
  for (auto& [name, spare] : reset_tmp_) {
    std::erase_if(spare, [&](const spare_tmp& t) {
      if (now - t.since < opt_.idle_timeout) return false;
      remove_tmp(t.dir);
      return true;
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
