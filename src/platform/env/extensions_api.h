// The Extensions API (/2020-01-01/extension) of one execution environment, served beside its
// Runtime API on the same port (AWS_LAMBDA_RUNTIME_API names both, as on Lambda): the registry
// of its extensions, their /event/next long polls, and the INVOKE and SHUTDOWN events they are
// sent. The environment decides when (environment.cc); this keeps who is where.
//
// Also lambdakit's own calls of the extensions helper (lambdakit-extensions-init, which starts
// the external extensions in the sandbox before the runtime): GET
// /lambdakit/v1/extensions/registered waits until every external extension has registered;
// POST /lambdakit/v1/extensions/failed reports one that could not start or exited.
//
// On the service's thread, as the channel that owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/env/invocation.h"
#include "platform/http/message.h"

namespace lambdakit::platform::env {

// What an environment's extensions are told when they register, and which ones to wait for.
struct extension_setup {
  std::vector<std::string> external;  // file names in /opt/extensions, started by the helper
  std::string function_name;
  std::string function_version;
  std::string handler;
  std::string account;
};

struct extension_events {
  // An extension came (back) to /event/next, or registered: Init may be over, an invoke or a
  // shutdown may be settled.
  std::function<void()> changed;
  // An extension failed: init/error, exit/error, or (reported by the helper) it could not
  // start or it exited. `type` is Lambda's error type (Extension.InitError, Extension.Crash...).
  std::function<void(std::string type, std::string message)> failed;
};

inline constexpr std::size_t max_extensions = 10;

class extension_hub {
 public:
  explicit extension_hub(extension_events events);
  ~extension_hub();

  // A new runtime process (with its extensions) starts: everything registered is forgotten.
  void reset(extension_setup setup);

  // Answers `r` when its path is the Extensions API's or the helper's; false otherwise.
  bool handle(const http::request& r, const http::responder& respond);

  // The runtime asked for its first event: no extension may register any more, and the helper
  // is told (if it still waits) that the ones that did not are missing.
  void close_registration();

  bool any() const;  // whether an extension registered
  // Whether every registered extension waits in /event/next with nothing to do.
  bool all_waiting() const;
  // Sends INVOKE to every extension that subscribed to it (now, or when it next asks).
  void invoke(const invoke_request& req, std::int64_t deadline_ms);
  // Sends SHUTDOWN to every extension that subscribed to it; false when none did.
  bool shutdown(const std::string& reason, std::int64_t deadline_ms);
  // Whether an extension subscribed to SHUTDOWN (then a shutdown has a budget of 2,000 ms).
  bool wants_shutdown() const;
  // The extensions that have an event they have not come back from, "a, b" (for messages).
  std::string busy_names() const;
  // The name of the extension registered as `id`.
  std::optional<std::string> name_of(std::string_view id) const;
  // {"name","state":"Ready","events":[...]} for each, as the Telemetry API's platform.extension.
  std::vector<std::string> telemetry_records() const;
  // "EXTENSION\tName: X\tState: Ready\tEvents: [INVOKE, SHUTDOWN]" for each, as Lambda logs them.
  std::vector<std::string> log_lines() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lambdakit::platform::env
