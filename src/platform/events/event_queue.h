// Asynchronous invokes (X-Amz-Invocation-Type: Event): accepted once committed to the event
// store, then delivered by the same environments as synchronous invokes, with AWS's retries
// (twice, after 1 and 2 minutes), event ages, throttle backoff (1 s doubling to 5 min) and
// destinations. Everything runs on the service's one io_context thread.
//
// Delivery is at least once: an event leaves the queue in the transaction that records its
// outcome, so a service killed mid-attempt delivers it again after a restart, and one whose
// success was recorded never runs again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "platform/env/invocation.h"
#include "platform/events/event_store.h"
#include "platform/function.h"

namespace boost::asio {
class io_context;
}
namespace lambdakit::platform::store {
class function_store;
}

namespace lambdakit::platform::events {

struct queue_options {
  // Multiplies every async delay and age (retry delays, throttle backoff, MaximumEventAge):
  // 0.01 makes AWS's 1-minute retry 0.6 s. For tests; 1 is AWS's clock.
  double time_scale = 1.0;
  std::vector<std::chrono::milliseconds> retry_delays{std::chrono::minutes(1),
                                                      std::chrono::minutes(2)};
  std::chrono::milliseconds throttle_first{1000};
  std::chrono::milliseconds throttle_max{300000};
  std::int64_t max_queued = 1000000;  // beyond: 429, nothing stored
  std::string region = "us-east-1";
  std::string account = "000000000000";
  std::function<void(const std::string& function, const std::string& line)> log;
  // What an event of `function` invoked with `qualifier` (a version or alias) runs now: an alias
  // picks its version at each attempt. nullopt: the function, version or alias is gone. Unset:
  // unqualified events only, read from the function store.
  std::function<result<std::optional<function_config>>(const std::string& function,
                                                       const std::string& qualifier)>
      resolve;
};

// Runs one invoke of `fn` (START/END/REPORT and records included); false, without calling
// `done`, when every environment the function may have is busy.
using invoker = std::function<bool(const function_config& fn, env::invoke_request request,
                                   std::function<void(env::invoke_outcome)> done)>;

class event_queue {
 public:
  // References must outlive the queue.
  event_queue(boost::asio::io_context& io, event_store& store, store::function_store& functions,
              invoker run, queue_options options);
  ~event_queue();

  // Schedules what an earlier run left queued.
  result<void> start();

  // Queues `e` in the next group commit (one transaction for every event accepted in the same
  // turn of the event loop); `done` runs after the commit: success, or why nothing was stored.
  void accept(event e, std::function<void(result<void>)> done);

  // An environment of `function` finished an invoke: events waiting for one go now.
  void environment_freed(const std::string& function);

  // DeleteFunction: the function's queued events (how many is returned and logged) and records
  // go; attempts already running finish, and their outcome is dropped.
  result<int> drop_function(const std::string& function);

  event_store& store() { return store_; }
  const queue_options& options() const { return opt_; }

  // AWS's defaults applied: the retries and age that hold for `function`.
  int max_retry_attempts(const std::string& function);
  std::int64_t max_age_ms(const std::string& function);  // scaled

 private:
  struct waiting {
    std::set<std::pair<std::int64_t, std::int64_t>> by_due;  // (next_ms, id)
    std::set<std::pair<std::int64_t, std::int64_t>> by_age;  // (accepted_ms, id)
    std::int64_t throttled_until = 0;
    std::int64_t backoff_ms = 0;
  };
  struct entry {
    std::string function;
    std::int64_t next_ms = 0;
    std::int64_t accepted_ms = 0;
  };

  void flush();
  void schedule(std::int64_t id, const std::string& function, std::int64_t next_ms,
                std::int64_t accepted_ms);
  void unschedule(std::int64_t id);
  void pump();
  void pump_soon();  // after the current handler: the pool finishes its bookkeeping first
  // false: the function's environments are all busy (throttled)
  bool deliver(std::int64_t id, waiting& w);
  void finished(event e, const env::invoke_outcome& o);
  // The event leaves the queue: success or dead letter, plus its destination's record, in one
  // transaction. `reason` is Success, RetriesExhausted or EventAgeExceeded.
  void conclude(const event& e, const std::string& reason, bool function_error);
  void arm_timer();
  // The store failed: what needs it waits until store_retry_at_.
  void store_trouble(const failure& f);
  std::int64_t scaled(std::chrono::milliseconds d) const;
  void log(const std::string& function, const std::string& line) const;

  boost::asio::io_context& io_;
  event_store& store_;
  store::function_store& functions_;
  invoker run_;
  queue_options opt_;
  std::map<std::string, waiting> waiting_;
  std::map<std::int64_t, entry> entries_;
  std::set<std::int64_t> running_;
  struct incoming {
    event e;
    std::function<void(result<void>)> done;
  };
  std::vector<incoming> batch_;
  bool flush_posted_ = false;
  bool pumping_ = false;
  bool repump_ = false;
  bool pump_posted_ = false;
  std::int64_t queued_ = 0;  // rows in the store
  std::int64_t store_retry_at_ = 0;
  struct timer_state;
  std::unique_ptr<timer_state> timer_;
};

std::int64_t unix_ms_now();

}  // namespace lambdakit::platform::events
