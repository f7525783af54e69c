// The real env_os: asio, memory cgroups, lambdakit-launcher, the Runtime API channel.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "platform/env/cgroup.h"
#include "platform/env/env_os.h"
#include "platform/env/go1x_channel.h"
#include "platform/env/launcher_pool.h"
#include "platform/env/runtime_api_channel.h"
#include "platform/env/sandbox.h"

namespace lambdakit::platform::env {
namespace asio = boost::asio;
namespace {

class asio_timer final : public timer {
 public:
  explicit asio_timer(asio::io_context& io) : t_(io) {}
  void start(std::chrono::milliseconds after, std::function<void()> fire) override {
    t_.expires_after(after);
    ++generation_;
    t_.async_wait([this, alive = std::weak_ptr<bool>(alive_), gen = generation_,
                   fire = std::move(fire)](boost::system::error_code ec) {
      if (ec || alive.expired() || gen != generation_) return;
      fire();
    });
  }
  void cancel() override {
    ++generation_;
    t_.cancel();
  }

 private:
  asio::steady_timer t_;
  std::uint64_t generation_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class cgroup_limit final : public memory_limit {
 public:
  explicit cgroup_limit(std::unique_ptr<memory_cgroup> cg) : cg_(std::move(cg)) {}
  result<void> attach(pid_t pid) override { return cg_->attach(pid); }
  std::int64_t peak_bytes() const override { return cg_->peak_bytes(); }

 private:
  std::unique_ptr<memory_cgroup> cg_;
};

class real_os final : public env_os {
 public:
  real_os(asio::io_context& io, launcher_pool* launchers, const sandbox* box)
      : io_(io), launchers_(launchers), box_(box) {}

  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  std::unique_ptr<timer> make_timer() override { return std::make_unique<asio_timer>(io_); }
  void post(std::function<void()> f) override { asio::post(io_, std::move(f)); }
  std::shared_ptr<runtime_channel> make_channel(channel_kind kind, channel_events events) override {
    if (kind == channel_kind::go1x) return make_go1x_channel(io_, std::move(events));
    return make_runtime_api_channel(io_, std::move(events));
  }

  result<started_runtime> start_runtime(const runtime_start& s,
                                        std::unique_ptr<memory_limit>& limit,
                                        process::output_fn on_output,
                                        process::exit_fn on_exit) override {
    started_runtime out;
    std::optional<parked_launcher> parked;
    if (s.memory_bytes > 0 && launchers_ != nullptr && !limit) parked = launchers_->take();
    if (parked) {
      // Fast path: a launcher already in its own cgroup becomes the runtime.
      if (auto lim = parked->cgroup->set_limit(s.memory_bytes); !lim)
        out.warnings.push_back("memory limit not applied: " + lim.error().message());
      limit = std::make_unique<cgroup_limit>(std::move(parked->cgroup));
      hand_over(*parked, s, out, std::move(on_output), std::move(on_exit));
      return out;
    }
    // Slow path: spawn, then move into the cgroup (~10 ms with cgroup v1).
    if (s.memory_bytes > 0 && !limit && memory_cgroup_root().available) {
      auto cg = memory_cgroup::create(s.name, s.memory_bytes);
      if (cg) {
        limit = std::make_unique<cgroup_limit>(std::move(cg).value());
      } else {
        out.warnings.push_back("memory limit not applied: " + cg.error().message());
      }
    }
    if (s.sandboxed && box_ != nullptr && box_->pid_namespace) {
      // A launcher of its own PID namespace: started waiting, put in the cgroup, then given the
      // command, so that the runtime it forks is born in the cgroup.
      auto l = spawn_launcher(box_->launcher, true, true);
      if (!l) return std::move(l).error();
      if (limit) {
        if (auto a = limit->attach(l->pid); !a)
          out.warnings.push_back("memory limit not applied: " + a.error().message());
      }
      hand_over(*l, s, out, std::move(on_output), std::move(on_exit));
      return out;
    }
    spawn_spec spec = s.spec;
    if (s.sandboxed && box_ != nullptr) {
      // lambdakit-launcher builds the sandbox, then execs the runtime; it reports a failed
      // exec on fd 3.
      spec.argv.insert(spec.argv.begin(), {box_->launcher.string(), "--status-fd=3"});
      spec.launcher_status = true;
    }
    auto p = process::spawn(io_, spec, std::move(on_output), std::move(on_exit));
    if (!p) return std::move(p).error();
    out.proc = std::move(p).value();
    if (limit) {
      if (auto a = limit->attach(out.proc->pid()); !a)
        out.warnings.push_back("memory limit not applied: " + a.error().message());
    }
    return out;
  }

 private:
  // A waiting launcher is given the runtime's command and becomes the runtime's process.
  void hand_over(parked_launcher& l, const runtime_start& s, started_runtime& out,
                 process::output_fn on_output, process::exit_fn on_exit) {
    if (auto r = release_launcher(l, s.spec.argv, s.spec.env, s.spec.cwd); !r)
      out.warnings.push_back(r.error().message());
    out.proc = process::adopt(io_, l.pid, std::move(l.out_fd), std::move(l.pid_fd),
                              std::move(l.status), std::move(on_output), std::move(on_exit));
  }

  asio::io_context& io_;
  launcher_pool* launchers_;
  const sandbox* box_;
};

}  // namespace

std::unique_ptr<env_os> make_real_os(asio::io_context& io, launcher_pool* launchers,
                                     const sandbox* box) {
  return std::make_unique<real_os>(io, launchers, box);
}

}  // namespace lambdakit::platform::env
