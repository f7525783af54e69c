// An in-memory env_os for lifecycle tests (as leveldb's memenv): a clock that moves only when
// told, timers that fire on advance(), deferred calls run by run_posted(), runtimes that are
// records the test makes print, exit or report a launch error, a runtime channel whose events
// the test raises, and a failure switch for each step.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/env/env_os.h"

namespace lambdakit::platform::env::testing {

using namespace std::chrono_literals;

// What a test sees of one runtime process, alive or gone.
struct fake_runtime {
  runtime_start start;
  pid_t pid = 0;
  bool running = true;
  bool destroyed = false;  // the environment let go of it
  int kills = 0, freezes = 0, thaws = 0, terminates = 0;
  std::int64_t rss_kib = 3 * 1024;
  process::output_fn on_output;
  process::exit_fn on_exit;

  void print(std::string_view bytes) { on_output(bytes); }
  // The process ends with `wait_status` (see exited()/killed()), after its output.
  void end(int wait_status, std::string launch_error = {}) {
    running = false;
    auto cb = on_exit;
    cb(wait_status, std::move(launch_error));
  }
  static int exited(int code) { return code << 8; }
  static int killed() { return SIGKILL; }
};

class fake_process final : public process {
 public:
  explicit fake_process(std::shared_ptr<fake_runtime> r) : r_(std::move(r)) {}
  ~fake_process() override { r_->destroyed = true; }
  pid_t pid() const override { return r_->pid; }
  bool running() const override { return r_->running; }
  void kill() override { ++r_->kills; }
  void terminate() override { ++r_->terminates; }
  void freeze() override { ++r_->freezes; }
  void thaw() override { ++r_->thaws; }
  std::int64_t peak_rss_kib() const override { return r_->rss_kib; }
  bool holds_peer_of(int) const override { return true; }
  void drain_output() override {}

 private:
  std::shared_ptr<fake_runtime> r_;
};

struct fake_limit_state {
  std::vector<pid_t> attached;
  std::int64_t peak = 0;
  bool removed = false;
};

class fake_limit final : public memory_limit {
 public:
  explicit fake_limit(std::shared_ptr<fake_limit_state> s) : s_(std::move(s)) {}
  ~fake_limit() override { s_->removed = true; }
  result<void> attach(pid_t pid) override {
    s_->attached.push_back(pid);
    return {};
  }
  std::int64_t peak_bytes() const override { return s_->peak; }

 private:
  std::shared_ptr<fake_limit_state> s_;
};

// The channel as the environment drives it; the test raises its events.
struct fake_channel_state {
  channel_kind kind = channel_kind::runtime_api;
  channel_events events;
  int opens = 0, starts = 0, abandons = 0, closes = 0;
  std::vector<invoke_request> delivered;  // in the order deliver() was called
  std::optional<failure> open_fails;
};

class fake_channel final : public runtime_channel {
 public:
  explicit fake_channel(std::shared_ptr<fake_channel_state> s) : s_(std::move(s)) {}
  result<std::vector<std::pair<std::string, std::string>>> open() override {
    ++s_->opens;
    if (s_->open_fails) return *s_->open_fails;
    return std::vector<std::pair<std::string, std::string>>{{"FAKE_CHANNEL", "here"}};
  }
  void runtime_started() override { ++s_->starts; }
  void deliver(invoke_request req, std::chrono::milliseconds) override {
    s_->delivered.push_back(std::move(req));
  }
  void abandon() override { ++s_->abandons; }
  void close() override { ++s_->closes; }

 private:
  std::shared_ptr<fake_channel_state> s_;
};

class fake_os final : public env_os {
 public:
  // --- what the test controls ---
  std::optional<failure> start_fails;         // the next start_runtime fails with this
  bool limit_fails = false;                   // creating the memory limit fails (a warning)
  std::int64_t peak_bytes = 0;                // what new memory limits report
  std::optional<failure> channel_open_fails;  // new channels fail to open with this

  // --- what the test observes ---
  std::vector<std::shared_ptr<fake_runtime>> runtimes;
  std::vector<std::shared_ptr<fake_limit_state>> limits;
  std::vector<std::shared_ptr<fake_channel_state>> channels;

  fake_runtime& runtime(std::size_t i = 0) { return *runtimes.at(i); }
  fake_runtime& last_runtime() { return *runtimes.back(); }
  fake_channel_state& channel(std::size_t i = 0) { return *channels.at(i); }

  // Moves the clock and fires every timer that falls due, in order.
  void advance(std::chrono::milliseconds d) {
    auto until = now_ + d;
    while (true) {
      timer_state* next = nullptr;
      for (auto& t : timers_) {
        if (auto s = t.lock(); s && s->armed && s->due <= until && (!next || s->due < next->due))
          next = s.get();
      }
      if (next == nullptr) break;
      now_ = next->due;
      next->armed = false;
      auto fire = std::move(next->fire);
      fire();
    }
    now_ = until;
  }

  // Runs the deferred calls (the environment's `done` callbacks); returns how many ran.
  int run_posted() {
    int n = 0;
    while (!posted_.empty()) {
      auto f = std::move(posted_.front());
      posted_.pop_front();
      f();
      ++n;
    }
    return n;
  }

  bool timer_armed() const {
    return std::any_of(timers_.begin(), timers_.end(), [](const auto& t) {
      auto s = t.lock();
      return s && s->armed;
    });
  }

  // --- env_os ---
  std::chrono::steady_clock::time_point now() override { return now_; }

  std::unique_ptr<timer> make_timer() override {
    auto s = std::make_shared<timer_state>();
    timers_.push_back(s);
    return std::make_unique<fake_timer>(s, *this);
  }

  void post(std::function<void()> f) override { posted_.push_back(std::move(f)); }

  std::shared_ptr<runtime_channel> make_channel(channel_kind kind, channel_events events) override {
    auto s = std::make_shared<fake_channel_state>();
    s->kind = kind;
    s->events = std::move(events);
    s->open_fails = channel_open_fails;
    channels.push_back(s);
    return std::make_shared<fake_channel>(s);
  }

  result<started_runtime> start_runtime(const runtime_start& start,
                                        std::unique_ptr<memory_limit>& limit,
                                        process::output_fn on_output,
                                        process::exit_fn on_exit) override {
    if (start_fails) {
      failure f = *start_fails;
      start_fails.reset();
      return f;
    }
    started_runtime out;
    if (start.memory_bytes > 0 && !limit) {
      if (limit_fails) {
        out.warnings.push_back("memory limit not applied: no cgroup here");
      } else {
        auto s = std::make_shared<fake_limit_state>();
        s->peak = peak_bytes;
        limits.push_back(s);
        limit = std::make_unique<fake_limit>(s);
      }
    }
    auto r = std::make_shared<fake_runtime>();
    r->start = start;
    r->pid = next_pid_++;
    r->on_output = std::move(on_output);
    r->on_exit = std::move(on_exit);
    runtimes.push_back(r);
    if (limit) (void)limit->attach(r->pid);
    out.proc = std::make_unique<fake_process>(r);
    return out;
  }

 private:
  struct timer_state {
    bool armed = false;
    std::chrono::steady_clock::time_point due;
    std::function<void()> fire;
  };
  class fake_timer final : public timer {
   public:
    fake_timer(std::shared_ptr<timer_state> s, fake_os& os) : s_(std::move(s)), os_(os) {}
    void start(std::chrono::milliseconds after, std::function<void()> fire) override {
      s_->armed = true;
      s_->due = os_.now() + after;
      s_->fire = std::move(fire);
    }
    void cancel() override { s_->armed = false; }

   private:
    std::shared_ptr<timer_state> s_;
    fake_os& os_;
  };

  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
  std::vector<std::weak_ptr<timer_state>> timers_;
  std::deque<std::function<void()>> posted_;
  pid_t next_pid_ = 1000;
};

}  // namespace lambdakit::platform::env::testing
