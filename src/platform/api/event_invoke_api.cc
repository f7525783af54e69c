// The Lambda API's asynchronous-invoke configuration (PutFunctionEventInvokeConfig and its
// siblings) and lambdakit's /lambdakit/v1/events listing of queued events and dead letters.
#include <nlohmann/json.hpp>

#include "base/parse.h"
#include "platform/api/event_invoke_json.h"
#include "platform/api/function_json.h"
#include "platform/api/lambda_api.h"
#include "platform/api/responses.h"

namespace lambdakit::platform::api {
void lambda_api::event_invoke_config(const std::string& name, bool list, const http::request& r,
                                     const http::responder& respond, const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  auto ref = parse_function_ref(name);
  std::string qualifier =
      http::query_param(r.query(), "Qualifier").value_or(ref ? ref->qualifier : "");
  auto found = find(name, respond, rid);
  if (!found) return;
  std::string arn = function_arn(found->name, opt_.region, opt_.account);
  if (!qualifier.empty() && qualifier != "$LATEST") {
    return fail(not_found(arn + ":" + qualifier +
                          " (lambdakit serve has $LATEST only: no versions or aliases)"));
  }
  auto& store = events_->store();
  auto stored = store.config(found->name);
  if (!stored) return fail(service_failure(stored.error().message()));
  auto missing = [&] {
    return service_error{404,
                         "ResourceNotFoundException",
                         "The function " + arn + " doesn't have an EventInvokeConfig",
                         {}};
  };
  if (list) {
    if (r.method != "GET")
      return fail({405, "UnknownOperationException", "use GET for the list", {}});
    if (auto m = http::query_param(r.query(), "MaxItems")) {
      if (!base::parse_integer(*m, 1, 50)) {
        return fail(validation("1 validation error detected: Value '" + *m +
                               "' at 'maxItems' failed to satisfy constraint: Member must have "
                               "value between 1 and 50"));
      }
    }
    nlohmann::json items = nlohmann::json::array();
    if (*stored) items.push_back(nlohmann::json::parse(event_invoke_config_json(**stored, arn)));
    return respond(
        json_response(200, nlohmann::json{{"FunctionEventInvokeConfigs", items}}.dump(), rid));
  }
  if (r.method == "GET") {
    if (!*stored) return fail(missing());
    return respond(json_response(200, event_invoke_config_json(**stored, arn), rid));
  }
  if (r.method == "DELETE") {
    auto gone = store.remove_config(found->name);
    if (!gone) return fail(service_failure(gone.error().message()));
    if (!*gone) return fail(missing());
    return respond(no_content(rid));
  }
  if (r.method != "PUT" && r.method != "POST") {
    return fail({405,
                 "UnknownOperationException",
                 "use PUT (Put), POST (Update), GET or DELETE on event-invoke-config",
                 {}});
  }
  // Put replaces the whole configuration; Update changes only what it names.
  events::invoke_config c;
  if (r.method == "POST") {
    if (!*stored) return fail(missing());
    c = **stored;
  }
  c.function = found->name;
  if (auto a = apply_event_invoke_config(r.body, arn, c); !a) return fail(a.error());
  c.last_modified_ms = events::unix_ms_now();
  if (auto p = store.put_config(c); !p) return fail(service_failure(p.error().message()));
  respond(json_response(200, event_invoke_config_json(c, arn), rid));
}

void lambda_api::events_listing(const http::request& r, const http::responder& respond,
                                const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  std::string fn = http::query_param(r.query(), "function").value_or("");
  std::string state = http::query_param(r.query(), "state").value_or("dead");
  std::string limit_text = http::query_param(r.query(), "limit").value_or("1000");
  auto limit = base::parse_integer(limit_text, 1, 100000);
  if (!limit) {
    return fail(validation("Value '" + limit_text +
                           "' at 'limit' failed to satisfy constraint: Member must be an "
                           "integer between 1 and 100000"));
  }
  auto& store = events_->store();
  int n = static_cast<int>(*limit);
  if (state == "dead") {
    auto d = store.dead_letters(fn, n);
    if (!d) return fail(service_failure(d.error().message()));
    return respond(json_response(200, dead_letters_json(*d), rid));
  }
  if (state == "queued") {
    auto q = store.queued(fn, n);
    if (!q) return fail(service_failure(q.error().message()));
    return respond(json_response(200, queued_events_json(*q), rid));
  }
  if (state == "records") {
    auto k = store.kept_records(fn, n);
    if (!k) return fail(service_failure(k.error().message()));
    return respond(json_response(200, kept_records_json(*k), rid));
  }
  fail(validation("Value '" + state +
                  "' at 'state' failed to satisfy constraint: Member must be dead, queued or "
                  "records"));
}

}  // namespace lambdakit::platform::api
