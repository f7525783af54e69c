// Lambda service errors as AWS sends them: status, x-amzn-ErrorType, {"Type","message"} body.
// botocore reads the code from the header (cut at ':') and the message from "message", so SDKs
// raise the matching exception class.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "platform/http/message.h"

namespace lambdakit::platform::api {

struct service_error {
  int status = 500;
  std::string code;  // ResourceNotFoundException, ...
  std::string message;
  std::string extra_json;  // more members for the body, e.g. "\"Reason\":\"...\"" (no braces)
};

// The API layer's one error currency: a value, or the Lambda API error to answer with.
template <class T>
using api_result = result<T, service_error>;

http::response to_response(const service_error& e, const std::string& request_id);

service_error not_found(const std::string& arn);       // 404 ResourceNotFoundException
service_error invalid_parameter(std::string message);  // 400 InvalidParameterValueException
service_error validation(std::string message);         // 400 ValidationException
service_error invalid_content(std::string message);    // 400 InvalidRequestContentException
service_error too_large(std::string message);          // 413 RequestEntityTooLargeException
service_error conflict(std::string message);           // 409 ResourceConflictException
service_error too_many_requests(bool reserved);        // 429 TooManyRequestsException
service_error precondition_failed();  // 412 PreconditionFailedException: a stale RevisionId
service_error service_failure(std::string message);  // 500 ServiceException

}  // namespace lambdakit::platform::api
