#include "platform/service.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>

#include "platform/api/lambda_api.h"
#include "platform/env/cgroup.h"
#include "platform/env/launcher_pool.h"
#include "platform/env/pool.h"
#include "platform/env/runtimes.h"
#include "platform/env/sandbox.h"
#include "platform/env/scratch_volume.h"
#include "platform/events/event_store.h"
#include "platform/http/server.h"
#include "platform/store/code_store.h"
#include "platform/store/function_store.h"
#include "platform/store/layer_store.h"
#include "platform/store/layer_trees.h"

namespace lambdakit::platform {
namespace fs = std::filesystem;

fs::path default_state_dir() {
  if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0')
    return fs::path(x) / "lambdakit";
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
    return fs::path(h) / ".local/state/lambdakit";
  return fs::temp_directory_path() / "lambdakit";
}

namespace {

// Raises the soft descriptor limit to the hard one and keeps a quarter of it (at most 4096) for
// environments, runtimes and the stores; returns the connection cap and the limit.
std::pair<std::size_t, std::size_t> connection_cap(std::size_t wanted) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return {wanted, 0};
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  auto limit = static_cast<std::size_t>(rl.rlim_cur);
  std::size_t reserve = std::min<std::size_t>(4096, limit / 4);
  std::size_t room = limit > reserve ? limit - reserve : 1;
  return {std::min(wanted, room), limit};
}

// The /opt trees (layer_trees keys) of every function and version.
result<std::set<std::string>> used_layer_trees(store::function_store& functions) {
  std::set<std::string> keys;
  std::string marker;
  while (true) {
    auto page = functions.list(marker, 500);
    if (!page) return std::move(page).error();
    for (const auto& f : *page) {
      keys.insert(store::layer_trees::key(f.layers));
      auto versions = functions.list_versions(f.name, 0, 1 << 30);
      if (!versions) return std::move(versions).error();
      for (const auto& v : *versions) keys.insert(store::layer_trees::key(v.layers));
      marker = f.name;
    }
    if (page->size() < 500) return keys;
  }
}

}  // namespace

int serve(const service_options& o) {
  std::error_code ec;
  fs::path state = o.state_dir.empty() ? default_state_dir() : o.state_dir;
  fs::create_directories(state, ec);
  if (ec) {
    std::fprintf(stderr, "lambdakit serve: cannot create the state directory %s: %s\n",
                 state.c_str(), ec.message().c_str());
    return 1;
  }
  auto functions = store::function_store::open(state.string());
  if (!functions) {
    std::fprintf(stderr, "lambdakit serve: %s\n", functions.error().message().c_str());
    return 1;
  }
  auto queue_store = events::event_store::open(state / "events.db", o.event_full_sync);
  if (!queue_store) {
    std::fprintf(stderr, "lambdakit serve: %s\n", queue_store.error().detail.c_str());
    return 1;
  }
  auto layers = store::layer_store::open(functions->db());
  if (!layers) {
    std::fprintf(stderr, "lambdakit serve: %s\n", layers.error().message().c_str());
    return 1;
  }
  store::code_store code(state);
  store::layer_trees trees(state, code);
  {
    // Code no function or layer uses any more (deleted, replaced), /opt trees of layer lists
    // no function has now, and uploads cut short by a crash.
    auto used = functions->used_code();
    auto layer_code = layers->used_code();
    auto opt_trees = used_layer_trees(*functions);
    for (const auto* failed :
         {used ? nullptr : &used.error(), layer_code ? nullptr : &layer_code.error(),
          opt_trees ? nullptr : &opt_trees.error()}) {
      if (failed == nullptr) continue;
      std::fprintf(stderr, "lambdakit serve: %s\n", failed->message().c_str());
      return 1;
    }
    used->insert(layer_code->begin(), layer_code->end());
    std::size_t n = code.collect(*used);
    std::size_t opt = trees.collect(*opt_trees);
    if (n > 0 && o.level <= log_level::info)
      std::cerr << "lambdakit serve: removed " << n
                << " unused code tree(s) and upload leftovers\n";
    if (opt > 0 && o.level <= log_level::info)
      std::cerr << "lambdakit serve: removed " << opt << " unused /opt tree(s) of layers\n";
  }
  fs::path tmp_root = state / "tmp";
  env::unmount_all_below(tmp_root);  // volumes of an earlier run that ended abruptly
  fs::remove_all(tmp_root, ec);      // environments of an earlier run are gone

  std::signal(SIGPIPE, SIG_IGN);  // a closed connection is an error code, not a death
  // One thread runs everything: tell asio, which then skips its internal locking.
  boost::asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  bool quiet = o.level > log_level::info;
  env::pool_options po;
  po.max_concurrency = o.max_concurrency;
  po.idle_timeout = o.idle_timeout;
  po.freeze_between_invokes = o.freeze;
  po.init_limit = o.init_limit;
  po.tmp_root = tmp_root;
  // Folder trees nothing uses any more (environments' /tmp) are removed on a thread of their
  // own: a 2 GB /tmp must not hold up invokes.
  boost::asio::thread_pool file_work(1);
  po.remove_later = [&file_work](fs::path dir) {
    boost::asio::post(file_work, [dir = std::move(dir)] {
      std::error_code e;
      fs::remove_all(dir, e);
    });
  };
  po.region = o.region;
  po.account = o.account;
  po.hosts = std::make_shared<const env::runtime_hosts>(
      env::discover_runtime_hosts(state, o.builtin_clients));
  po.on_log = [quiet](const std::string& fn, const std::string&, std::string_view line) {
    if (!quiet) std::cerr << "[" << fn << "] " << line << '\n';
  };
  fs::path launcher = fs::canonical("/proc/self/exe").parent_path() / "lambdakit-launcher";
  auto box = env::choose_sandbox(o.sandbox, launcher, state);
  if (!box) {
    std::fprintf(stderr, "lambdakit serve: %s\n", box.error().detail.c_str());
    return 1;
  }
  po.box = &*box;
  // /tmp volumes of each function's EphemeralStorage, owned by whom runtimes run as.
  const auto& volumes = env::probe_scratch_support();
  fs::create_directories(tmp_root, ec);
  std::optional<env::scratch_pool> scratch;
  std::string volumes_why_not = volumes.why_not;
  if (volumes.available && !env::share_mounts_below(tmp_root)) {
    volumes_why_not = "cannot share mounts below " + tmp_root.string();
  } else if (volumes.available) {
    bool dropped = box->drop_user && box->mode != env::sandbox_mode::none;
    scratch.emplace(tmp_root, dropped ? env::sandbox_uid : ::geteuid(),
                    dropped ? env::sandbox_gid : ::getegid());
    po.scratch = &*scratch;
  }
  // Spare runtimes parked in fresh cgroups (and, sandboxed, in fresh namespaces).
  env::launcher_pool launchers(launcher, o.parked_launchers, box->mode != env::sandbox_mode::none,
                               box->pid_namespace);
  po.launchers = &launchers;
  env::pool pool(io, po);
  api::api_options ao;
  ao.region = o.region;
  ao.account = o.account;
  ao.log = [quiet](const std::string& fn, const std::string& line) {
    if (!quiet) std::cerr << "[" << fn << "] " << line << '\n';
  };
  ao.remove_later = po.remove_later;
  ao.events.time_scale = o.event_time_scale;
  ao.events.max_queued = o.event_queue_limit;
  ao.stream.bytes_per_second = static_cast<std::size_t>(o.stream_bytes_per_second);
  api::lambda_api lambda(*functions, *layers, code, trees, pool, *queue_store, ao);
  if (auto started = lambda.start_events(); !started) {
    std::fprintf(stderr, "lambdakit serve: cannot read the event queue: %s\n",
                 started.error().message().c_str());
    return 1;
  }
  auto [cap, fd_limit] = connection_cap(o.max_connections);
  auto server = http::server::start(io,
                                    {.host = o.host,
                                     .port = o.port,
                                     .body_limit = std::size_t{80} * 1024 * 1024,
                                     .name = "lambda-api",
                                     .header_timeout = o.header_timeout,
                                     .body_timeout = std::chrono::minutes(5),
                                     .max_connections = cap,
                                     .admit = {},
                                     .stream_body = {}},
                                    [&lambda](http::request&& r, http::responder respond) {
                                      lambda.handle(std::move(r), std::move(respond));
                                    });
  if (!server) {
    std::fprintf(stderr, "lambdakit serve: %s\n", server.error().message().c_str());
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int sig) {
    std::cerr << "lambdakit serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
              << ", stopping every environment\n";
    (*server)->close();
    io.stop();
  });
  if (o.level <= log_level::info) {
    std::cerr << "lambdakit serve: state in " << state.string() << "\n"
              << "lambdakit serve: " << box->note << "\n"
              << "lambdakit serve: memory limits: "
              << (env::memory_cgroup_root().available
                      ? "enforced by cgroup v" + std::to_string(env::memory_cgroup_root().version) +
                            " at " + env::memory_cgroup_root().dir.string()
                      : "NOT enforced (" + env::memory_cgroup_root().why_not +
                            "); Max Memory Used is the runtime's peak RSS")
              << "\n"
              << "lambdakit serve: /tmp: "
              << (scratch ? "each environment's is an ext4 volume of its function's "
                            "EphemeralStorage (512 MB unless set), on a loop device"
                          : "NOT limited in size (" + volumes_why_not + ")")
              << "\n"
              << "lambdakit serve: " << po.hosts->describe() << "\n"
              << "lambdakit serve: API connections: at most " << cap << " (descriptor limit "
              << fd_limit << "), each sends its request head within "
              << static_cast<double>(o.header_timeout.count()) / 1000.0 << " s\n"
              << "lambdakit serve: event queue in " << (state / "events.db").string() << " ("
              << (o.event_full_sync ? "each event synced to disk before its 202"
                                    : "synchronous=NORMAL: a power loss may lose the last events")
              << (o.event_time_scale != 1.0 ? ", async clock x" + std::to_string(o.event_time_scale)
                                            : std::string())
              << ")\n";
  }
  std::printf("lambdakit serve: listening on http://%s:%u\n", o.host.c_str(), (*server)->port());
  std::fflush(stdout);
  io.run();
  pool.shutdown();  // every environment: runtimes killed and reaped, cgroups removed
  launchers.shutdown();
  scratch.reset();  // spare volumes
  env::unmount_all_below(tmp_root);
  file_work.join();
  env::remove_memory_cgroup_root();
  return 0;
}

}  // namespace lambdakit::platform
