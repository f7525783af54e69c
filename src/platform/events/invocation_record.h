// The invocation record Lambda sends to an async invoke's destination (OnSuccess / OnFailure),
// in AWS's shape (docs: "Capturing records of Lambda asynchronous invocations"):
//   {"version":"1.0","timestamp":...,"requestContext":{"requestId","functionArn","condition",
//    "approximateInvokeCount"},"requestPayload":...,"responseContext":{"statusCode",
//    "executedVersion","functionError"?},"responsePayload":...}
#pragma once

#include <cstdint>
#include <string>

#include "platform/events/event_store.h"

namespace lambdakit::platform::events {

// `condition`: Success, RetriesExhausted or EventAgeExceeded. `function_arn` is the qualified
// ARN. An event that never ran (EventAgeExceeded before any attempt) has no responseContext.
// Payloads that are not JSON become JSON strings.
std::string invocation_record(const event& e, const std::string& function_arn,
                              const std::string& condition, bool function_error,
                              std::int64_t now_ms);

// "2019-11-14T18:16:05.568Z"
std::string iso8601_utc(std::int64_t unix_ms);

}  // namespace lambdakit::platform::events
