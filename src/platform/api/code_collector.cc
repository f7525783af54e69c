#include "platform/api/code_collector.h"

#include <boost/asio/steady_timer.hpp>

namespace lambdakit::platform::api {

struct code_collector::retry {
  explicit retry(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  bool armed = false;
};

code_collector::code_collector(store::code_store& code, store::function_store& functions,
                               store::layer_store& layers, env::pool& pool,
                               std::function<void(std::filesystem::path)> remove_later)
    : code_(code),
      functions_(functions),
      layers_(layers),
      pool_(pool),
      remove_later_(std::move(remove_later)),
      retry_(std::make_unique<retry>(pool.io())) {}

code_collector::~code_collector() {
  // The pending retry captures `this`; cancelling it runs the handler with
  // operation_aborted, which returns at once.
  try {
    retry_->timer.cancel();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing to do in a destructor
  }
}

void code_collector::upload_finished() {
  if (--uploads_ == 0 && !candidates_.empty()) collect();
}

void code_collector::maybe_unused(const std::string& sha256_hex) {
  if (sha256_hex.empty()) return;
  candidates_.insert(sha256_hex);
  collect();
}

void code_collector::collect() {
  if (uploads_ > 0) return;  // upload_finished() comes back here
  bool waiting = false;
  for (auto it = candidates_.begin(); it != candidates_.end();) {
    auto used = functions_.uses_code(*it);
    if (used && !*used) used = layers_.uses_code(*it);
    if (!used) {  // the database cannot say: try again later rather than guess
      waiting = true;
      ++it;
      continue;
    }
    if (*used) {  // another function has it (or got it back): nothing to do
      it = candidates_.erase(it);
      continue;
    }
    if (pool_.runs_code(code_.task_root(*it))) {
      waiting = true;
      ++it;
      continue;
    }
    if (auto aside = code_.set_aside(*it); !aside.empty()) {
      ++removed_;
      if (remove_later_) {
        remove_later_(std::move(aside));
      } else {
        std::error_code ec;
        std::filesystem::remove_all(aside, ec);
      }
    }
    it = candidates_.erase(it);
  }
  if (waiting) retry_later();
}

void code_collector::retry_later() {
  if (retry_->armed) return;
  retry_->armed = true;
  retry_->timer.expires_after(std::chrono::seconds(1));
  retry_->timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the collector is gone
    retry_->armed = false;
    collect();
  });
}

}  // namespace lambdakit::platform::api
