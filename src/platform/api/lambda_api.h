// The Lambda API of the local service: management calls (create, get, list, update, delete,
// concurrency), Invoke, and lambdakit's own /lambdakit/v1 endpoints (health, invocation records).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "platform/api/records.h"
#include "platform/env/pool.h"
#include "platform/http/message.h"
#include "platform/store/code_store.h"
#include "platform/store/function_store.h"

namespace lambdakit::platform::api {

struct api_options {
  std::string region = "us-east-1";
  std::string account = "000000000000";
  // START/END/REPORT lines, as "<function> <line>".
  std::function<void(const std::string& function, const std::string& line)> log;
};

class lambda_api {
 public:
  // All references must outlive the api.
  lambda_api(store::function_store& functions, store::code_store& code, env::pool& pool,
             api_options options);

  void handle(http::request&& request, http::responder respond);

 private:
  void create(const http::request& r, const http::responder& respond, const std::string& rid);
  void get(const std::string& name, bool config_only, const http::responder& respond,
           const std::string& rid);
  void list(const http::request& r, const http::responder& respond, const std::string& rid);
  void remove(const std::string& name, const http::responder& respond, const std::string& rid);
  void update_code(const std::string& name, const http::request& r, const http::responder& respond,
                   const std::string& rid);
  void update_configuration(const std::string& name, const http::request& r,
                            const http::responder& respond, const std::string& rid);
  void concurrency(const std::string& name, const http::request& r, const http::responder& respond,
                   const std::string& rid);
  void invoke(const std::string& name_or_arn, http::request&& r, http::responder respond,
              const std::string& rid);

  // The function `name` (a name or ARN) names; nullopt once it has answered 404 or 500.
  std::optional<function_config> find(const std::string& name, const http::responder& respond,
                                      const std::string& rid);
  // Stores `c` as a new revision, retires its environments and answers its configuration.
  void save_revision(function_config c, const http::responder& respond, const std::string& rid);

  store::function_store& functions_;
  store::code_store& code_;
  env::pool& pool_;
  records records_;
  api_options opt_;
};

std::string new_request_id();  // a UUID v4

}  // namespace lambdakit::platform::api
