// Execution environments of every function: an invoke takes an idle warm environment of its
// function's version or cold-starts a new one, up to a per-function limit (all versions count
// toward it, as on Lambda; an idle environment of another version makes way when the function
// is full); idle ones are evicted after a while; environments of an older revision of a version
// are retired.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "platform/env/environment.h"
#include "platform/function.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::env {

class env_os;
class timer;

struct pool_options {
  int max_concurrency = 10;                        // environments per function
  std::chrono::milliseconds idle_timeout{300000};  // an idle environment older than this is evicted
  bool freeze_between_invokes = true;
  std::filesystem::path tmp_root;  // each environment gets <tmp_root>/<env id> as /tmp
  std::string region = "us-east-1";
  std::string account = "000000000000";
  std::shared_ptr<const runtime_hosts> hosts;
  bool memory_limits = true;
  std::chrono::milliseconds init_limit{10000};
  class launcher_pool* launchers = nullptr;
  const struct sandbox* box = nullptr;  // how runtimes are sandboxed (null: not at all)
  env_os* os = nullptr;                 // null: the real OS (make_real_os); must outlive the pool
  std::function<void(const std::string& function, const std::string& env_id, std::string_view line)>
      on_log;
  // Where environments' /tmp volumes come from (EphemeralStorage): null, or when one cannot be
  // had, a plain folder of tmp_root with no size limit.
  class scratch_pool* scratch = nullptr;
  // Removes a folder tree that nothing uses any more (an environment's /tmp, moved aside first),
  // off the service's thread; null: removed at once, in the call.
  std::function<void(std::filesystem::path)> remove_later;
};

class pool {
 public:
  pool(boost::asio::io_context& io, pool_options options);
  ~pool();

  // Runs `request` on an environment of `fn` whose code is in `task_root` and its layers in
  // `opt_root` (empty: none). Returns false, and
  // does not call `done`, when the function already has its limit of busy environments
  // (`limit` overrides the pool's when >= 0: reserved concurrency).
  bool invoke(const function_config& fn, const std::filesystem::path& task_root,
              const std::filesystem::path& opt_root, invoke_request request,
              environment::done_fn done, int limit = -1);

  // Whether invoke() would take a request of `fn` now (an idle environment, or room for one).
  bool has_room(const function_config& fn, int limit = -1) const;

  // The function (or with `version`, that version of it: "$LATEST" or a number) was deleted or
  // changed: idle environments go now, busy ones after their invoke.
  void retire(const std::string& function, const std::string& version = {});

  // Whether an environment in the pool (idle, busy or leaving after its invoke) runs the code in
  // `task_root`.
  bool runs_code(const std::filesystem::path& task_root) const;

  // Kills every environment.
  void shutdown();

  std::size_t size() const;
  boost::asio::io_context& io() const { return io_; }

 private:
  void evict_idle();
  void schedule_eviction();
  // Environments leave through here: each one's /tmp goes with it unless a successor was given it.
  template <class Pred>
  void drop_if(std::vector<std::shared_ptr<environment>>& list, Pred pred);
  void remove_tmp(const std::filesystem::path& dir);

  boost::asio::io_context& io_;
  pool_options opt_;
  std::map<std::string, std::vector<std::shared_ptr<environment>>> envs_;
  // The /tmp of environments reset after a crash or timeout, per function: on Lambda a reset
  // keeps the sandbox and its /tmp, so the next environment of that function takes one over.
  struct spare_tmp {
    std::string version;
    std::string runtime_revision;  // only an environment of the same code takes it over
    std::filesystem::path dir;
    std::chrono::steady_clock::time_point since;  // unclaimed after idle_timeout: removed
  };
  std::map<std::string, std::vector<spare_tmp>> reset_tmp_;
  std::unique_ptr<env_os> own_os_;  // when the options brought none
  env_os& os_;
  std::unique_ptr<timer> timer_;
  std::uint64_t next_id_ = 1;
  std::uint64_t next_trash_ = 1;
  std::set<const environment*> retiring_;  // busy when their function was retired
  // Environments out of the pool whose SHUTDOWN phase is not over (extensions at work).
  std::map<const environment*, std::shared_ptr<environment>> draining_;
  void drain(const std::shared_ptr<environment>& e, bool give_up_tmp);
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for calls posted for later
  bool shut_ = false;
};

}  // namespace lambdakit::platform::env
