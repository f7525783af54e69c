// The durable half of asynchronous invokes: queued events, dead letters, records for destinations
// that are not local functions, and each function's event invoke configuration, in one SQLite
// file (WAL). Every change is one transaction; with full_sync it is on disk when it returns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "platform/store/sqlite.h"

namespace lambdakit::platform::events {

// One Event invoke as it waits in the queue. Times are Unix milliseconds, so they mean the same
// after a restart.
struct event {
  std::int64_t id = 0;  // the queue's key (assigned by add)
  std::string request_id;
  std::string function;
  std::string qualifier;  // as invoked: empty ($LATEST), a version or an alias
  std::string payload;    // JSON text (may be empty: an empty event)
  std::string trace_id;
  std::string client_context;
  std::int64_t accepted_ms = 0;  // when the 202 was given
  std::int64_t next_ms = 0;      // not delivered before this
  int attempts = 0;              // attempts that ran to an answer
  std::string last_error;        // the last attempt's "errorType: errorMessage", or a reason
  std::string last_response;     // the last attempt's response body
  std::int64_t last_attempt_ms = 0;
  // Not stored: the version the latest attempt ran (executedVersion in destination records).
  std::string executed_version;
};

// An event that ran out of retries or age: kept, with why.
struct dead_letter {
  event e;
  std::string reason;  // RetriesExhausted or EventAgeExceeded (AWS's condition names)
  std::int64_t buried_ms = 0;
};

// An invocation record for a destination lambdakit cannot deliver to (SQS, SNS, EventBridge,
// S3, or a function that does not exist): kept so the user can read it.
struct kept_record {
  std::int64_t id = 0;
  std::string function;     // whose event it reports on
  std::string destination;  // the configured ARN
  std::string condition;    // Success, RetriesExhausted, EventAgeExceeded
  std::string record;       // the JSON AWS would have sent
  std::string why;          // why it was not delivered
  std::int64_t created_ms = 0;
};

// PutFunctionEventInvokeConfig's settings; unset members take AWS's defaults.
struct invoke_config {
  std::string function;
  std::optional<int> max_retry_attempts;  // 0..2, default 2
  std::optional<int> max_event_age_s;     // 60..21600, default 21600
  std::string on_success;                 // destination ARN, or empty
  std::string on_failure;
  std::int64_t last_modified_ms = 0;
};

// Enough of a queued event to schedule it (the payload stays on disk until delivery).
struct pending {
  std::int64_t id = 0;
  std::string function;
  std::int64_t next_ms = 0;
  std::int64_t accepted_ms = 0;
};

class event_store {
 public:
  static constexpr int schema_version = 2;

  // Opens or creates the queue file. A file that is not a database, or was written by a newer
  // lambdakit, is refused with a message naming it and the fix, and left as it is.
  static result<event_store> open(const std::filesystem::path& file, bool full_sync);

  // One transaction around several calls (add ... add, remove + add, ...).
  result<void> begin();
  result<void> commit();
  void rollback();

  result<std::int64_t> add(const event& e);
  result<std::optional<event>> get(std::int64_t id);
  result<std::vector<pending>> pending_events();
  result<std::int64_t> queued_count();
  // Each returns false when the event is no longer queued (its function was deleted).
  result<bool> remove(std::int64_t id);
  result<bool> reschedule(const event& e);  // attempts, next_ms, last_* from `e`
  result<bool> bury(const event& e, std::string_view reason, std::int64_t now_ms);
  result<void> keep(const kept_record& r);
  // Everything of a deleted function: its queued events (the count is returned), dead letters,
  // kept records and configuration.
  result<int> drop_function(const std::string& function);

  result<std::vector<event>> queued(const std::string& function, int limit);
  result<std::vector<dead_letter>> dead_letters(const std::string& function, int limit);
  result<std::vector<kept_record>> kept_records(const std::string& function, int limit);

  result<void> put_config(const invoke_config& c);
  result<std::optional<invoke_config>> config(const std::string& function);
  result<bool> remove_config(const std::string& function);

 private:
  explicit event_store(store::database db) : db_(std::move(db)) {}
  store::database db_;
};

}  // namespace lambdakit::platform::events
