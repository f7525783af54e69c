#include "platform/api/errors.h"

#include <nlohmann/json.hpp>

namespace lambdakit::platform::api {

http::response to_response(const service_error& e, const std::string& request_id) {
  http::response r;
  r.status = e.status;
  r.set("Content-Type", "application/json");
  r.set("x-amzn-ErrorType", e.code);
  r.set("x-amzn-RequestId", request_id);
  std::string body = R"({"Type":")" + std::string(e.status >= 500 ? "Service" : "User") +
                     R"(","message":)" + nlohmann::json(e.message).dump();
  if (!e.extra_json.empty()) body += "," + e.extra_json;
  r.body = body + "}";
  return r;
}

service_error not_found(const std::string& arn) {
  return {404, "ResourceNotFoundException", "Function not found: " + arn, {}};
}
service_error invalid_parameter(std::string message) {
  return {400, "InvalidParameterValueException", std::move(message), {}};
}
service_error validation(std::string message) {
  return {400, "ValidationException", std::move(message), {}};
}
service_error invalid_content(std::string message) {
  return {400, "InvalidRequestContentException", std::move(message), {}};
}
service_error too_large(std::string message) {
  return {413, "RequestEntityTooLargeException", std::move(message), {}};
}
service_error conflict(std::string message) {
  return {409, "ResourceConflictException", std::move(message), {}};
}
service_error precondition_failed() {
  return {412,
          "PreconditionFailedException",
          "The Revision Id provided does not match the latest Revision Id. Call the "
          "GetFunction/GetAlias API to retrieve the latest Revision Id",
          {}};
}
service_error too_many_requests(bool reserved) {
  return {429, "TooManyRequestsException", "Rate Exceeded.",
          std::string(R"("Reason":")") +
              (reserved ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                        : "ConcurrentInvocationLimitExceeded") +
              R"(","retryAfterSeconds":"1")"};
}
service_error service_failure(std::string message) {
  return {500, "ServiceException", std::move(message), {}};
}

}  // namespace lambdakit::platform::api
