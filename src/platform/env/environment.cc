#include "platform/env/environment.h"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "platform/env/env_os.h"
#include "platform/env/process.h"
#include "platform/env/runtimes.h"
#include "platform/env/sandbox.h"
#include "platform/env/telemetry_records.h"
#include "platform/env/variables.h"
#include "wire/json.h"

namespace lambdakit::platform::env {
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::size_t console_budget = std::size_t{1} << 20;  // bytes a second, per environment
constexpr std::size_t max_log_capture =
    std::size_t{256} * 1024;  // per invoke; older output is dropped first
// The SHUTDOWN phase with external extensions (lambda-runtime-environment.md): 2,000 ms.
constexpr std::chrono::milliseconds shutdown_budget{2000};

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double ms_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

const char* to_string(invoke_status s) {
  switch (s) {
    case invoke_status::success:
      return "success";
    case invoke_status::function_error:
      return "error";
    case invoke_status::timeout:
      return "timeout";
    case invoke_status::crash:
      return "crash";
    case invoke_status::init_error:
      return "init_error";
    case invoke_status::invalid_entrypoint:
      return "invalid_entrypoint";
    case invoke_status::response_too_large:
      return "response_too_large";
  }
  return "unknown";
}

struct pending_call {
  invoke_request req;
  environment::done_fn done;
  bool delivered = false;
  clock_type::time_point delivered_at;
  invoke_outcome outcome;  // filled as it goes (cold, phases, log)
};

struct environment::impl : std::enable_shared_from_this<environment::impl> {
  enum class phase { fresh, initializing, ready, dead };

  impl(boost::asio::io_context& io, environment_options o)
      : opt_(std::move(o)),
        own_os_(opt_.os != nullptr ? nullptr : make_real_os(io, opt_.launchers, opt_.box)),
        os_(opt_.os != nullptr ? *opt_.os : *own_os_),
        timer_(os_.make_timer()),
        last_used_(os_.now()) {}

  environment_options opt_;
  std::unique_ptr<env_os> own_os_;  // when the options brought none
  env_os& os_;
  std::unique_ptr<timer> timer_;
  std::shared_ptr<runtime_channel> channel_;  // the conversation with the runtime
  std::unique_ptr<memory_limit>
      limit_;  // declared before proc_: removed after the runtime is reaped
  std::unique_ptr<process> proc_;
  phase phase_ = phase::fresh;
  std::optional<pending_call> current_;
  bool init_retried_ = false;
  bool frozen_ = false;
  std::int64_t last_peak_mb_ = 0;
  clock_type::time_point window_start_{};
  std::size_t window_bytes_ = 0, dropped_ = 0;
  std::optional<std::string> init_error_body_;
  clock_type::time_point spawned_at_, last_used_;
  std::string line_;
  std::string log_stream_ = "";
  // The runtime answered, extensions still work on the invoke: the caller has its answer, the
  // invoke ends (Duration, freeze) once they are back in /event/next.
  struct settling {
    invoke_status status;
    std::string body, content_type;
  };
  std::optional<settling> settling_;
  bool shutting_down_ = false;               // SHUTDOWN sent, the budget running
  std::vector<std::function<void()>> gone_;  // retire()'s callers, told when it is over

  // --- lifecycle ----------------------------------------------------------------------------

  void invoke(invoke_request req, done_fn done) {
    last_used_ = os_.now();
    current_.emplace();
    current_->req = std::move(req);
    current_->done = std::move(done);
    if (phase_ == phase::fresh) {
      current_->outcome.cold = true;
      if (!start_runtime()) return;
    } else if (phase_ == phase::ready) {
      if (proc_ && frozen_) proc_->thaw();
      frozen_ = false;
      channel_->deliver(current_->req, std::chrono::seconds(opt_.fn.timeout_s));
    }
  }

  // Spawns the runtime with its Runtime API; false when it could not (the call is finished).
  bool start_runtime() {
    static const runtime_hosts no_hosts;
    bool boxed = opt_.box != nullptr && opt_.box->mode != sandbox_mode::none;
    // Inside a sandbox the runtime sees Lambda's paths; outside, the real ones.
    fs::path visible_root = boxed ? fs::path(lambda_task_root) : opt_.task_root;
    fs::path visible_tmp = boxed ? fs::path(lambda_tmp) : opt_.tmp_dir;
    const runtime_hosts& hosts = opt_.hosts ? *opt_.hosts : no_hosts;
    fs::path visible_builtin = boxed ? fs::path(lambda_runtime_dir) : hosts.builtin;
    fs::path visible_opt = boxed || opt_.opt_root.empty() ? fs::path(lambda_opt) : opt_.opt_root;
    auto cmd =
        runtime_command(opt_.fn, opt_.task_root, visible_root, visible_builtin, hosts, visible_opt);
    if (!cmd) {
      bool entry = cmd.error().code == runtime_errc::invalid_entrypoint;
      std::string type = entry ? "Runtime.InvalidEntrypoint" : "Runtime.Unsupported";
      finish_error(entry ? invoke_status::invalid_entrypoint : invoke_status::init_error, type,
                   "RequestId: " + current_->req.request_id + " Error: " + cmd.error().detail,
                   true);
      return false;
    }
    sandbox_mode box = boxed ? opt_.box->for_command(cmd->argv.front(), visible_root / "bootstrap")
                             : sandbox_mode::none;
    if (!channel_) channel_ = make_channel(cmd->channel);
    auto channel_vars = channel_->open();
    if (!channel_vars) {
      finish_error(invoke_status::init_error, "Runtime.Unavailable", channel_vars.error().message(),
                   true);
      return false;
    }
    std::weak_ptr<impl> weak = shared_from_this();
    launch l = std::move(cmd).value();
    spawn_spec spec;
    spec.argv = std::move(l.argv);
    spec.cwd = opt_.task_root;
    if (log_stream_.empty()) log_stream_ = new_log_stream_name(opt_.fn.version);
    l.env.insert(l.env.end(), channel_vars->begin(), channel_vars->end());
    spec.env = lambda_variables(
        {&opt_.fn, opt_.region, visible_root, visible_tmp, log_stream_, l.env, visible_opt});
    if (boxed) {
      // lambdakit-launcher builds the sandbox, then execs the runtime.
      spec.argv = sandboxed_argv(*opt_.box, box, opt_.task_root, opt_.tmp_dir, hosts, spec.argv,
                                 opt_.opt_root);
    }
    // External extensions start first, through lambdakit-extensions-init, in the sandbox.
    extension_setup ext{external_extensions(), opt_.fn.name, opt_.fn.version, opt_.fn.handler,
                        opt_.account};
    if (!ext.external.empty() && l.channel != channel_kind::runtime_api) {
      log_line("lambdakit: /opt/extensions is not started: " + opt_.fn.runtime +
               " runtimes do not speak the Runtime API, so they have no Extensions API");
      ext.external.clear();
    }
    if (!ext.external.empty() && !hosts.extensions_init) {
      log_line("lambdakit: /opt/extensions is not started: " + std::string(extensions_init_name) +
               " is missing beside the lambdakit binary");
      ext.external.clear();
    }
    if (!ext.external.empty()) {
      std::vector<std::string> helper = {(visible_builtin / extensions_init_name).string(),
                                         (visible_opt / "extensions").string(), "--"};
      auto at = spec.argv.begin();
      if (boxed) at = std::find(spec.argv.begin(), spec.argv.end(), "--") + 1;
      spec.argv.insert(at, helper.begin(), helper.end());
    }
    channel_->prepare_extensions(ext);
    auto on_output = [weak](std::string_view bytes) {
      if (auto self = weak.lock()) self->on_output(bytes);
    };
    auto on_exit = [weak](int status, const std::string& launch_error) {
      if (auto self = weak.lock()) self->on_exit(status, launch_error);
    };
    auto t0 = os_.now();
    runtime_start start;
    start.spec = std::move(spec);
    start.sandboxed = boxed;
    start.memory_bytes = opt_.memory_limit ? std::int64_t{opt_.fn.memory_mb} * 1024 * 1024 : 0;
    start.name = opt_.id;
    auto started = os_.start_runtime(start, limit_, on_output, on_exit);
    if (!started) {  // exec failed: not executable, wrong format, missing interpreter
      finish_error(
          invoke_status::invalid_entrypoint, "Runtime.InvalidEntrypoint",
          "RequestId: " + current_->req.request_id + " Error: " + started.error().message(), true);
      return false;
    }
    for (const auto& w : started->warnings) log_line("lambdakit: " + w);
    proc_ = std::move(started->proc);
    spawned_at_ = t0;  // Init Duration runs from the start of the runtime process
    current_->outcome.spawn_ms += ms_between(t0, os_.now());
    phase_ = phase::initializing;
    channel_->runtime_started();
    channel_->telemetry("platform.initStart",
                        telemetry_records::init_start(opt_.fn, init_retried_));
    channel_->deliver(current_->req, std::chrono::seconds(opt_.fn.timeout_s));
    if (!init_retried_) {
      arm_timer(opt_.init_limit, [this] { on_init_timeout(); });
    } else {
      arm_timer(std::chrono::seconds(opt_.fn.timeout_s), [this] { on_invoke_timeout(); });
    }
    return true;
  }

  // The regular files in /opt/extensions, by name: the external extensions.
  std::vector<std::string> external_extensions() const {
    std::vector<std::string> out;
    if (opt_.opt_root.empty()) return out;
    std::error_code ec;
    for (fs::directory_iterator it(opt_.opt_root / "extensions", ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_regular_file(ec)) out.push_back(it->path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void arm_timer(std::chrono::milliseconds d, std::function<void()> fire) {
    timer_->start(d, std::move(fire));  // the timer is ours: it cannot outlive `this`
  }

  void on_init_timeout() {
    if (phase_ != phase::initializing || !current_) return;
    // Lambda: an Init that overruns 10 s is retried inside the first invoke, under its timeout.
    log_line("lambdakit: init did not finish within " + std::to_string(opt_.init_limit.count()) +
             " ms; retrying it inside the invoke");
    kill_runtime();
    init_retried_ = true;
    start_runtime();
  }

  void on_invoke_timeout() {
    if (!current_) return;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", static_cast<double>(opt_.fn.timeout_s));
    finish_error(invoke_status::timeout, "Sandbox.Timedout",
                 "RequestId: " + current_->req.request_id + " Error: Task timed out after " + secs +
                     " seconds",
                 true);
  }

  void on_exit(int status, const std::string& launch_error) {
    std::string how = describe_exit(status);
    if (shutting_down_) return finish_shutdown();  // the runtime and its extensions are done
    if (phase_ == phase::dead) return;
    if (!current_) {  // died while idle: the next invoke starts a new one
      log_line("lambdakit: runtime exited while idle: " + how);
      become_dead("failure");
      return;
    }
    if (phase_ == phase::initializing) {
      // The launcher's status channel says its execve failed: the entrypoint is not runnable.
      constexpr std::string_view exec_failed = "exec: ";
      if (launch_error.rfind(exec_failed, 0) == 0) {
        return finish_error(invoke_status::invalid_entrypoint, "Runtime.InvalidEntrypoint",
                            "RequestId: " + current_->req.request_id +
                                " Error: " + launch_error.substr(exec_failed.size()),
                            true);
      }
      if (init_error_body_)
        return finish(invoke_status::init_error, *init_error_body_, "application/json", true);
      return finish_error(
          invoke_status::init_error, "Runtime.ExitError",
          "RequestId: " + current_->req.request_id + " Error: Runtime exited with error: " + how,
          true);
    }
    finish_error(
        invoke_status::crash, "Runtime.ExitError",
        "RequestId: " + current_->req.request_id + " Error: Runtime exited with error: " + how,
        true);
  }

  // --- the runtime channel's events -----------------------------------------------------------

  std::shared_ptr<runtime_channel> make_channel(channel_kind kind) {
    std::weak_ptr<impl> weak = shared_from_this();
    auto with = [weak](auto f) {
      return [weak, f](auto&&... args) {
        if (auto self = weak.lock()) f(*self, std::forward<decltype(args)>(args)...);
      };
    };
    channel_events ev;
    ev.ready = with([](impl& self) { self.on_ready(); });
    ev.delivered = with([](impl& self) { self.on_delivered(); });
    ev.idle = with([](impl& self) { self.on_idle(); });
    ev.answered = with([](impl& self, runtime_answer a) {
      self.finish(a.status, std::move(a.body), std::move(a.content_type), a.reset);
    });
    ev.init_error =
        with([](impl& self, std::string body) { self.init_error_body_ = std::move(body); });
    ev.settled = with([](impl& self) { self.on_settled(); });
    ev.extension_failed = with([](impl& self, const std::string& type, const std::string& message) {
      self.on_extension_failed(type, message);
    });
    if (opt_.box != nullptr && opt_.box->mode != sandbox_mode::none && opt_.box->pid_namespace) {
      ev.admit = [weak](int fd) {
        auto self = weak.lock();
        return self && self->admits(fd);
      };
    }
    return os_.make_channel(kind, std::move(ev));
  }

  // A Runtime API connection is this environment's when one of its processes holds the other
  // end: every one of them descends from the runtime's process (its PID namespace's init).
  bool admits(int fd) {
    if (proc_ && proc_->running() && proc_->holds_peer_of(fd)) return true;
    log_line(
        "lambdakit: refused a Runtime API connection that does not come from this "
        "environment's processes");
    return false;
  }

  void on_ready() {
    if (phase_ != phase::initializing) return;
    for (const auto& line : channel_->extension_log_lines()) log_line(line);
    if (current_) current_->outcome.init_ms = ms_between(spawned_at_, os_.now());
    double init_ms = current_ ? current_->outcome.init_ms : ms_between(spawned_at_, os_.now());
    channel_->telemetry("platform.initRuntimeDone", telemetry_records::init_runtime_done());
    channel_->telemetry("platform.initReport", telemetry_records::init_report(init_ms));
    // The Init limit ends here; a retried Init runs under the invoke's timeout, which goes on.
    if (!init_retried_) timer_->cancel();
    phase_ = phase::ready;
  }

  void on_delivered() {
    if (!current_) return;
    current_->delivered = true;
    current_->delivered_at = os_.now();
    channel_->telemetry("platform.start",
                        telemetry_records::start(current_->req.request_id, opt_.fn.version));
    if (!init_retried_)
      arm_timer(std::chrono::seconds(opt_.fn.timeout_s), [this] { on_invoke_timeout(); });
  }

  // Every extension is back in /event/next.
  void on_settled() {
    if (shutting_down_) return finish_shutdown();
    if (!current_ || !settling_) return;
    settling s = std::move(*settling_);
    settling_.reset();
    finish(s.status, std::move(s.body), std::move(s.content_type), false);
  }

  void on_extension_failed(const std::string& type, const std::string& message) {
    if (shutting_down_ || phase_ == phase::dead) return;
    log_line("lambdakit: " + message);
    if (!current_) return become_dead("failure");
    finish_error(phase_ == phase::initializing ? invoke_status::init_error : invoke_status::crash,
                 type, "RequestId: " + current_->req.request_id + " Error: " + message, true);
  }

  void on_idle() {
    if (!current_ && opt_.freeze_between_invokes && proc_) {
      proc_->freeze();
      frozen_ = true;
    }
  }

  // --- output -------------------------------------------------------------------------------

  void on_output(std::string_view bytes) {
    for (char c : bytes) {
      if (c == '\n') {
        if (channel_) channel_->telemetry("function", telemetry_records::log_line(line_));
        log_line(line_);
        line_.clear();
      } else if (line_.size() <
                 std::size_t{256} * 1024) {  // a line without end is cut, not buffered forever
        line_.push_back(c);
      }
    }
  }

  // The console gets at most console_budget bytes a second per environment: a runtime that
  // floods its output cannot drown the service's log or keep its one thread busy writing it.
  // The invoke's own tail keeps the newest output regardless (bounded by max_log_capture).
  void log_line(const std::string& line) {
    auto now = os_.now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
      report_dropped();
      window_start_ = now;
      window_bytes_ = 0;
    }
    window_bytes_ += line.size() + 1;
    if (window_bytes_ <= console_budget) {
      if (opt_.on_log) opt_.on_log(opt_.id, line);
    } else {
      dropped_ += line.size() + 1;
    }
    if (current_) {
      std::string& log = current_->outcome.log;
      log.append(line).push_back('\n');
      if (log.size() > max_log_capture) log.erase(0, log.size() - max_log_capture / 2);
    }
  }

  void report_dropped() {
    if (dropped_ > 0 && opt_.on_log) {
      opt_.on_log(opt_.id, "lambdakit: " + std::to_string(dropped_) +
                               " bytes of this environment's output were not shown (over 1 MiB/s)");
    }
    dropped_ = 0;
  }

  // --- endings ------------------------------------------------------------------------------

  void finish_error(invoke_status s, std::string_view type, const std::string& message,
                    bool reset) {
    std::string body = "{\"errorType\":";
    wire::json::append_string(body, type);
    body += ",\"errorMessage\":";
    wire::json::append_string(body, message);
    body += "}";
    finish(s, std::move(body), "application/json", reset);
  }

  void finish(invoke_status s, std::string body, std::string content_type, bool reset) {
    if (!current_) return;
    if (!reset && !settling_ && channel_ && channel_->extensions_busy()) {
      answer_early(s, body, content_type);
      settling_ = settling{s, std::move(body), std::move(content_type)};
      return;  // the function timeout still runs: it covers the extensions too
    }
    settling_.reset();
    timer_->cancel();
    init_retried_ = false;  // later invokes arm their own timeout when delivered
    pending_call c = std::move(*current_);
    current_.reset();
    if (proc_) {
      proc_->drain_output();
      if (!line_.empty() && reset) {
        log_line(line_);
        line_.clear();
      }
    }
    report_dropped();  // before END: say at once what the console did not show
    c.outcome.status = s;
    c.outcome.body = std::move(body);
    c.outcome.content_type = std::move(content_type);
    if (c.delivered) c.outcome.invoke_ms = ms_between(c.delivered_at, os_.now());
    std::int64_t peak = limit_ ? limit_->peak_bytes() : 0;
    if (peak > 0) {
      c.outcome.max_memory_mb = (peak + (1 << 20) - 1) >> 20;
      last_peak_mb_ = c.outcome.max_memory_mb;
    } else if (proc_ && proc_->running()) {
      c.outcome.max_memory_mb = last_peak_mb_ = (proc_->peak_rss_kib() + 1023) / 1024;
    } else {
      c.outcome.max_memory_mb = last_peak_mb_;  // gone: the last reading is the best we have
    }
    c.outcome.reset = reset;
    if (channel_ && c.delivered) {
      channel_->telemetry("platform.runtimeDone", telemetry_records::runtime_done(
                                                      c.req.request_id, s, c.outcome.invoke_ms));
      channel_->telemetry(
          "platform.report",
          telemetry_records::report(c.req.request_id, s, c.outcome, opt_.fn.memory_mb));
    }
    if (channel_) channel_->abandon();  // after an answer: nothing in flight any more
    if (reset) become_dead(s == invoke_status::timeout ? "timeout" : "failure");
    last_used_ = os_.now();
    os_.post([done = std::move(c.done), outcome = std::move(c.outcome)]() mutable {
      done(std::move(outcome));
    });
  }

  // The caller's answer before the extensions are done (invoke_request::answered).
  void answer_early(invoke_status s, const std::string& body, const std::string& content_type) {
    if (!current_->req.answered) return;
    invoke_outcome o = current_->outcome;
    o.status = s;
    o.body = body;
    o.content_type = content_type;
    if (current_->delivered) o.invoke_ms = ms_between(current_->delivered_at, os_.now());
    o.max_memory_mb = last_peak_mb_;
    os_.post([f = current_->req.answered, o = std::move(o)] { f(o); });
  }

  void kill_runtime() {
    if (proc_) {
      proc_->kill();
      proc_.reset();
    }
  }

  // Ends the environment: the SHUTDOWN phase when an extension subscribed to it (`reason`:
  // spindown, timeout or failure), else at once.
  void become_dead(const char* reason) {
    phase_ = phase::dead;
    if (start_shutdown(reason)) return;
    kill_runtime();
    if (channel_) channel_->close();
  }

  // SHUTDOWN to the subscribed extensions and SIGTERM to the runtime, everything killed when
  // they are back in /event/next, gone, or the budget is spent. False: nothing to wait for.
  bool start_shutdown(const char* reason) {
    if (shutting_down_) return true;
    if (!proc_ || !proc_->running() || !channel_) return false;
    if (frozen_) {
      proc_->thaw();
      frozen_ = false;
    }
    if (!channel_->shutdown_extensions(reason, epoch_ms() + shutdown_budget.count())) return false;
    shutting_down_ = true;
    proc_->terminate();  // lambdakit-extensions-init passes it on to the runtime
    arm_timer(shutdown_budget, [this] { finish_shutdown(); });
    return true;
  }

  void finish_shutdown() {
    shutting_down_ = false;
    timer_->cancel();
    kill_runtime();
    if (channel_) channel_->close();
    for (auto& g : gone_) os_.post(std::move(g));
    gone_.clear();
  }

  void retire(std::function<void()> gone) {
    gone_.push_back(std::move(gone));
    if (phase_ != phase::dead) become_dead("spindown");
    if (!shutting_down_) finish_shutdown();
  }

  void abort() {
    timer_->cancel();
    shutting_down_ = false;
    gone_.clear();
    phase_ = phase::dead;
    kill_runtime();
    if (channel_) channel_->close();
  }
};

environment::environment(boost::asio::io_context& io, environment_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {}

environment::~environment() {
  try {
    impl_->abort();
  } catch (...) {  // the runtime is killed in any case by the process object's destructor
  }
}

void environment::retire(std::function<void()> gone) {
  impl_->retire(std::move(gone));
}

void environment::abort() {
  impl_->abort();
}

void environment::invoke(invoke_request request, done_fn done) {
  impl_->invoke(std::move(request), std::move(done));
}
bool environment::busy() const {
  return impl_->current_.has_value();
}
bool environment::dead() const {
  return impl_->phase_ == impl::phase::dead;
}
const std::filesystem::path& environment::tmp_dir() const {
  return impl_->opt_.tmp_dir;
}

const function_config& environment::function() const {
  return impl_->opt_.fn;
}

const std::filesystem::path& environment::task_root() const {
  return impl_->opt_.task_root;
}

std::chrono::steady_clock::time_point environment::last_used() const {
  return impl_->last_used_;
}

}  // namespace lambdakit::platform::env
