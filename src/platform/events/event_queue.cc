#include "platform/events/event_queue.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/random.h"
#include "platform/events/invocation_record.h"
#include "platform/store/function_store.h"

namespace lambdakit::platform::events {
namespace {

constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kept_response_bytes = 262144;  // enough for a destination's record

std::string arn_of(const std::string& name, const queue_options& o) {
  return "arn:aws:lambda:" + o.region + ":" + o.account + ":function:" + name;
}

// "errorType: errorMessage" from a runtime's error body, or the status when it sent none.
std::string error_summary(const env::invoke_outcome& o) {
  auto j = nlohmann::json::parse(o.body, nullptr, false);
  if (j.is_object()) {
    std::string type = j.value("errorType", "");
    std::string message = j.value("errorMessage", "");
    if (!type.empty() || !message.empty()) return type + ": " + message;
  }
  return env::to_string(o.status);
}

// The function a destination ARN names when it is a Lambda function of this service's region
// and account: arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER].
std::string local_function(const std::string& arn, const queue_options& o) {
  std::string prefix = "arn:aws:lambda:" + o.region + ":" + o.account + ":function:";
  if (arn.rfind(prefix, 0) != 0) return {};
  std::string rest = arn.substr(prefix.size());
  return rest.substr(0, rest.find(':'));
}

std::string seconds(std::int64_t ms) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g s", static_cast<double>(ms) / 1000.0);
  return b;
}

}  // namespace

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct event_queue::timer_state {
  explicit timer_state(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  std::int64_t at = never;
};

event_queue::event_queue(boost::asio::io_context& io, event_store& store,
                         store::function_store& functions, invoker run, queue_options options)
    : io_(io),
      store_(store),
      functions_(functions),
      run_(std::move(run)),
      opt_(std::move(options)),
      timer_(std::make_unique<timer_state>(io)) {}

event_queue::~event_queue() = default;

std::int64_t event_queue::scaled(std::chrono::milliseconds d) const {
  return std::max<std::int64_t>(
      1, static_cast<std::int64_t>(static_cast<double>(d.count()) * opt_.time_scale));
}

void event_queue::log(const std::string& function, const std::string& line) const {
  if (opt_.log) opt_.log(function, "lambdakit: " + line);
}

int event_queue::max_retry_attempts(const std::string& function) {
  auto c = store_.config(function);
  return c && *c && (*c)->max_retry_attempts ? *(*c)->max_retry_attempts : 2;
}

std::int64_t event_queue::max_age_ms(const std::string& function) {
  auto c = store_.config(function);
  int s = c && *c && (*c)->max_event_age_s ? *(*c)->max_event_age_s : 21600;
  return scaled(std::chrono::seconds(s));
}

result<void> event_queue::start() {
  auto rows = store_.pending_events();
  if (!rows) return std::move(rows).error();
  // A function deleted while its events were being dropped (a crash between the two commits):
  // its events go now, before a new function of the same name could be given them.
  std::set<std::string> gone;
  for (const auto& p : *rows) {
    if (gone.contains(p.function)) continue;
    auto fn = functions_.get(p.function);
    if (!fn) return std::move(fn).error();
    if (!*fn) gone.insert(p.function);
  }
  for (const auto& name : gone) {
    auto n = store_.drop_function(name);
    if (!n) return std::move(n).error();
    log(name, "dropped " + std::to_string(*n) + " queued event(s) of a deleted function");
  }
  std::int64_t kept = 0;
  for (const auto& p : *rows) {
    if (gone.contains(p.function)) continue;
    schedule(p.id, p.function, p.next_ms, p.accepted_ms);
    ++kept;
  }
  queued_ = kept;
  if (kept > 0) log("-", std::to_string(kept) + " queued events from the last run");
  pump_soon();
  return {};
}

void event_queue::accept(event e, std::function<void(result<void>)> done) {
  if (queued_ + static_cast<std::int64_t>(batch_.size()) >= opt_.max_queued) {
    return done(make_failure(std::make_error_code(std::errc::no_buffer_space),
                             "the event queue holds its limit of " +
                                 std::to_string(opt_.max_queued) +
                                 " events (lambdakit serve --event-queue-limit); nothing was "
                                 "queued, send it again later"));
  }
  batch_.push_back({std::move(e), std::move(done)});
  if (!flush_posted_) {
    flush_posted_ = true;
    boost::asio::post(io_, [this] { flush(); });
  }
}

void event_queue::flush() {
  flush_posted_ = false;
  if (batch_.empty()) return;
  std::vector<incoming> batch = std::move(batch_);
  batch_.clear();
  std::vector<std::int64_t> ids;
  ids.reserve(batch.size());
  result<void> stored = store_.begin();
  for (std::size_t i = 0; stored && i < batch.size(); ++i) {
    auto id = store_.add(batch[i].e);
    if (!id) {
      stored = std::move(id).error();
    } else {
      ids.push_back(*id);
    }
  }
  if (stored) stored = store_.commit();
  if (!stored) {
    store_.rollback();
    failure f =
        make_failure(stored.error().code,
                     "the event was not stored, so it was not queued (" + stored.error().detail +
                         "); send it again once the state " + "directory has room");
    for (auto& in : batch) in.done(f);
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i)
    schedule(ids[i], batch[i].e.function, batch[i].e.next_ms, batch[i].e.accepted_ms);
  queued_ += static_cast<std::int64_t>(batch.size());
  for (auto& in : batch) in.done({});
  pump();
}

void event_queue::schedule(std::int64_t id, const std::string& function, std::int64_t next_ms,
                           std::int64_t accepted_ms) {
  entries_[id] = {function, next_ms, accepted_ms};
  auto& w = waiting_[function];
  w.by_due.insert({next_ms, id});
  w.by_age.insert({accepted_ms, id});
}

void event_queue::unschedule(std::int64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  auto w = waiting_.find(it->second.function);
  if (w != waiting_.end()) {
    w->second.by_due.erase({it->second.next_ms, id});
    w->second.by_age.erase({it->second.accepted_ms, id});
  }
  entries_.erase(it);
}

void event_queue::pump_soon() {
  if (pump_posted_) return;
  pump_posted_ = true;
  boost::asio::post(io_, [this] {
    pump_posted_ = false;
    pump();
  });
}

void event_queue::environment_freed(const std::string& function) {
  auto it = waiting_.find(function);
  if (it == waiting_.end() || it->second.by_due.empty()) return;
  it->second.throttled_until = 0;
  pump_soon();
}

void event_queue::pump() {
  if (pumping_) {
    repump_ = true;
    return;
  }
  pumping_ = true;
  do {
    repump_ = false;
    // Names first: delivering can add functions (destinations) to waiting_.
    std::vector<std::string> names;
    for (const auto& [name, w] : waiting_) {
      if (!w.by_due.empty()) names.push_back(name);
    }
    for (const auto& name : names) {
      auto now = unix_ms_now();
      waiting& w = waiting_[name];
      std::int64_t age = max_age_ms(name);
      // Expired ones first, gathered before any is concluded: a conclusion that cannot be
      // stored puts its event back, and it is tried again after store_retry_at_, not now.
      std::vector<std::int64_t> expired;
      if (now >= store_retry_at_) {
        for (const auto& [accepted, id] : w.by_age) {
          if (accepted + age > now) break;
          if (entries_.contains(id)) expired.push_back(id);
        }
      }
      for (auto id : expired) {
        auto was = entries_.at(id);
        unschedule(id);
        auto e = store_.get(id);
        if (!e) {
          store_trouble(e.error());
          schedule(id, was.function, was.next_ms, was.accepted_ms);
        } else if (*e) {
          conclude(**e, "EventAgeExceeded", (*e)->attempts > 0);
        }
      }
      if (w.throttled_until > now) continue;
      while (!w.by_due.empty() && w.by_due.begin()->first <= now) {
        if (!deliver(w.by_due.begin()->second, w)) {
          w.backoff_ms = w.backoff_ms == 0 ? scaled(opt_.throttle_first)
                                           : std::min(w.backoff_ms * 2, scaled(opt_.throttle_max));
          w.throttled_until = now + w.backoff_ms;
          break;
        }
      }
    }
  } while (repump_);
  pumping_ = false;
  arm_timer();
}

bool event_queue::deliver(std::int64_t id, waiting& w) {
  auto loaded = store_.get(id);
  if (!loaded) {  // the store cannot be read: try again later, as for a throttle
    log("-", "cannot read queued event " + std::to_string(id) + ": " + loaded.error().message());
    return false;
  }
  if (!*loaded) {  // gone (its function was deleted)
    unschedule(id);
    return true;
  }
  event e = std::move(**loaded);
  auto fn = opt_.resolve && !e.qualifier.empty() ? opt_.resolve(e.function, e.qualifier)
                                                 : functions_.get(e.function);
  if (fn && !*fn) {  // the function (or its version or alias) is gone: nothing can run it
    auto r = store_.remove(id);
    if (!r) {
      store_trouble(r.error());
      return false;  // still on disk: tried again later
    }
    unschedule(id);
    if (*r) --queued_;
    log(e.function,
        "event " + e.request_id + " dropped: the function" +
            (e.qualifier.empty() ? std::string() : ", version or alias " + e.qualifier) +
            " no longer exists");
    return true;
  }
  if (!fn) {
    log(e.function, "cannot read the function: " + fn.error().message());
    return false;
  }
  env::invoke_request req;
  req.request_id = e.request_id;
  req.payload = e.payload;
  req.function_arn = arn_of(e.function, opt_);
  if (!e.qualifier.empty()) req.function_arn += ":" + e.qualifier;
  e.executed_version = (*fn)->version;
  req.trace_id = e.trace_id;
  req.client_context = e.client_context;
  std::int64_t next = e.next_ms;
  std::int64_t accepted = e.accepted_ms;
  std::string function = e.function;
  unschedule(id);
  running_.insert(id);
  bool ran =
      run_(**fn, std::move(req), [this, e = std::move(e)](const env::invoke_outcome& o) mutable {
        finished(std::move(e), o);
      });
  if (!ran) {
    running_.erase(id);
    schedule(id, function, next, accepted);
    return false;
  }
  w.backoff_ms = 0;
  return true;
}

void event_queue::finished(event e, const env::invoke_outcome& o) {
  running_.erase(e.id);
  auto now = unix_ms_now();
  e.attempts += 1;
  e.last_attempt_ms = now;
  e.last_response = o.body.substr(0, kept_response_bytes);
  if (o.status == env::invoke_status::success) {
    e.last_error.clear();
    conclude(e, "Success", false);
  } else {
    e.last_error = error_summary(o);
    if (e.attempts <= max_retry_attempts(e.function)) {
      std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(e.attempts) - 1,
                                            opt_.retry_delays.size() - 1);
      e.next_ms = now + scaled(opt_.retry_delays[k]);
      auto kept = store_.reschedule(e);
      if (!kept) log(e.function, "cannot record a retry: " + kept.error().message());
      if (!kept || *kept) {  // when the store failed, the old row still holds the event
        schedule(e.id, e.function, e.next_ms, e.accepted_ms);
        log(e.function, "event " + e.request_id + " failed on attempt " +
                            std::to_string(e.attempts) + " (" + e.last_error + "); retry in " +
                            seconds(e.next_ms - now));
      }
    } else {
      conclude(e, "RetriesExhausted", true);
    }
  }
  pump_soon();
}

void event_queue::conclude(const event& e, const std::string& reason, bool function_error) {
  auto now = unix_ms_now();
  auto cfg = store_.config(e.function);
  bool success = reason == "Success";
  std::string destination;
  if (cfg && *cfg) destination = success ? (*cfg)->on_success : (*cfg)->on_failure;
  std::string record;
  event next;
  std::string kept_why;
  if (!destination.empty()) {
    record = invocation_record(e,
                               arn_of(e.function, opt_) + ":" +
                                   (e.qualifier.empty() ? std::string("$LATEST") : e.qualifier),
                               reason, function_error, now);
    std::string target = local_function(destination, opt_);
    auto exists = target.empty() ? result<std::optional<function_config>>(std::nullopt)
                                 : functions_.get(target);
    if (!target.empty() && exists && *exists) {
      next.request_id = base::random_uuid();
      next.function = target;
      next.payload = record;
      next.trace_id = e.trace_id;
      next.accepted_ms = now;
      next.next_ms = now;
    } else {
      kept_why = target.empty() ? "lambdakit serve delivers to Lambda functions of region " +
                                      opt_.region + " and account " + opt_.account + " only"
                 : !exists ? "the destination function " + target +
                                 " could not be read: " + exists.error().message()
                           : "the destination function " + target + " does not exist";
    }
  }
  bool left = false;
  std::int64_t next_id = 0;
  result<void> done = store_.begin();
  if (done) {
    auto r = success ? store_.remove(e.id) : store_.bury(e, reason, now);
    if (r) {
      left = *r;
    } else {
      done = r.error();
    }
  }
  if (done && left && !next.function.empty()) {
    auto id = store_.add(next);
    if (id) {
      next_id = *id;
    } else {
      done = id.error();
    }
  }
  if (done && left && !kept_why.empty()) {
    done = store_.keep({0, e.function, destination, reason, record, kept_why, now});
  }
  // DeadLetterConfig (SQS or SNS, never delivered here): the message AWS would send, kept.
  std::string dlq;
  if (!success) {
    if (auto fn = functions_.get(e.function); fn && *fn) dlq = (*fn)->dead_letter_target;
  }
  if (done && left && !dlq.empty()) {
    nlohmann::json message = {
        {"body", e.payload},
        {"attributes",
         {{"RequestID", e.request_id},
          {"ErrorCode", 200},
          {"ErrorMessage", (e.last_error.empty() ? reason : e.last_error).substr(0, 1024)}}}};
    done = store_.keep({0, e.function, dlq, "DeadLetterQueue",
                        message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        "lambdakit serve does not deliver to SQS or SNS", now});
  }
  if (done) done = store_.commit();
  if (!done) {
    store_.rollback();
    // Still queued on disk: it runs again (at least once), after a pause.
    log(e.function, "cannot record the outcome of event " + e.request_id + " (" +
                        done.error().message() + "); it will run again");
    store_trouble(done.error());
    schedule(e.id, e.function, store_retry_at_, e.accepted_ms);
    return;
  }
  if (!left) return;  // the function was deleted meanwhile
  --queued_;
  if (success) {
    log(e.function,
        "event " + e.request_id + " succeeded on attempt " + std::to_string(e.attempts));
  } else {
    log(e.function, "event " + e.request_id + " is a dead letter (" + reason + ", " +
                        std::to_string(e.attempts) + " attempts" +
                        (e.last_error.empty() ? "" : ", last: " + e.last_error) +
                        "): lambdakit events " + e.function);
  }
  if (next_id != 0) {
    schedule(next_id, next.function, next.next_ms, next.accepted_ms);
    ++queued_;
    log(e.function, "event " + e.request_id + ": " + reason + " record sent to " + next.function +
                        " as event " + next.request_id);
  } else if (!kept_why.empty()) {
    log(e.function, "event " + e.request_id + ": " + reason + " record for " + destination +
                        " kept, not sent (" + kept_why + ")");
  }
}

result<int> event_queue::drop_function(const std::string& function) {
  if (!batch_.empty()) flush();  // events accepted before the delete are dropped with it
  auto n = store_.drop_function(function);
  auto it = waiting_.find(function);
  if (it != waiting_.end()) {
    std::vector<std::int64_t> ids;
    for (const auto& [due, id] : it->second.by_due) ids.push_back(id);
    for (auto id : ids) entries_.erase(id);
    waiting_.erase(it);
  }
  // Forgotten in memory either way: none of them runs in this process. If the store failed,
  // start() drops them the next time (their function no longer exists).
  if (!n) return n;
  queued_ -= *n;
  if (*n > 0) {
    log(function, "DeleteFunction dropped " + std::to_string(*n) +
                      " queued event(s) of the deleted function; they will not run");
  }
  return n;
}

void event_queue::store_trouble(const failure& f) {
  store_retry_at_ = unix_ms_now() + scaled(opt_.throttle_first);
  log("-", "the event queue cannot be written (" + f.message() + "); trying again in " +
               seconds(store_retry_at_ - unix_ms_now()));
}

void event_queue::arm_timer() {
  std::int64_t earliest = never;
  for (const auto& [name, w] : waiting_) {
    if (w.by_due.empty()) continue;
    earliest = std::min(earliest, std::max(w.throttled_until, w.by_due.begin()->first));
    earliest =
        std::min(earliest, std::max(store_retry_at_, w.by_age.begin()->first + max_age_ms(name)));
  }
  if (earliest == timer_->at) return;
  timer_->at = earliest;
  if (earliest == never) {
    timer_->timer.cancel();
    return;
  }
  auto wait = std::max<std::int64_t>(0, earliest - unix_ms_now());
  timer_->timer.expires_after(std::chrono::milliseconds(wait));
  timer_->timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    timer_->at = never;
    pump();
  });
}

}  // namespace lambdakit::platform::events
