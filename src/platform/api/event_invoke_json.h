// PutFunctionEventInvokeConfig / UpdateFunctionEventInvokeConfig bodies and their answers, with
// AWS's validation (MaximumRetryAttempts 0..2, MaximumEventAgeInSeconds 60..21600, destination
// ARNs), and the /lambdakit/v1/events listing.
#pragma once

#include <string>
#include <vector>

#include "platform/api/errors.h"
#include "platform/events/event_store.h"

namespace lambdakit::platform::api {

// Applies the body to `c`: Put starts from an empty configuration, Update from the stored one.
// `self_arn` is the function's own ARN (a function may not be its own destination).
api_result<void> apply_event_invoke_config(const std::string& body, const std::string& self_arn,
                                           events::invoke_config& c);

// FunctionEventInvokeConfig as AWS answers it (LastModified in epoch seconds).
std::string event_invoke_config_json(const events::invoke_config& c, const std::string& arn);

// {"events":[...]} for lambdakit's own endpoint and `lambdakit events`.
std::string queued_events_json(const std::vector<events::event>& queued);
std::string dead_letters_json(const std::vector<events::dead_letter>& dead);
std::string kept_records_json(const std::vector<events::kept_record>& kept);

}  // namespace lambdakit::platform::api
