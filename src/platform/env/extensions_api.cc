#include "platform/env/extensions_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/random.h"
#include "platform/env/api_answers.h"

namespace lambdakit::platform::env {
namespace {

using json = nlohmann::json;

constexpr std::string_view base = "/2020-01-01/extension/";
constexpr std::string_view helper_base = "/lambdakit/v1/extensions/";

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

struct extension {
  std::string name;
  std::string id;
  bool external = false;
  bool invoke = false;                    // subscribed to INVOKE
  bool shutdown = false;                  // subscribed to SHUTDOWN
  std::optional<http::responder> parked;  // its /event/next, waiting
  std::optional<std::string> pending;     // an event it has not asked for yet
  bool busy = true;                       // not back in /next since it registered or was sent one
};

}  // namespace

struct extension_hub::impl {
  extension_events events;
  extension_setup setup;
  std::vector<extension> list;
  bool closed = false;                    // registration
  std::optional<http::responder> helper;  // the helper's wait for every registration

  extension* by_id(std::string_view id) {
    for (auto& e : list)
      if (e.id == id) return &e;
    return nullptr;
  }

  bool all_external_registered() const {
    return std::all_of(setup.external.begin(), setup.external.end(), [&](const std::string& n) {
      return std::any_of(list.begin(), list.end(), [&](const extension& e) { return e.name == n; });
    });
  }

  void answer_helper() {
    if (!helper) return;
    if (all_external_registered()) {
      auto respond = std::move(*helper);
      helper.reset();
      http::response r;
      r.status = 200;
      r.set("Content-Type", "application/json");
      r.body = R"({"status":"OK"})";
      respond(std::move(r));
    }
  }

  void send(extension& e, std::string event) {
    e.busy = true;
    if (!e.parked) {
      e.pending = std::move(event);
      return;
    }
    auto respond = std::move(*e.parked);
    e.parked.reset();
    http::response r;
    r.status = 200;
    r.set("Content-Type", "application/json");
    r.set("Lambda-Extension-Event-Identifier", base::random_uuid());
    r.body = std::move(event);
    respond(std::move(r));
  }

  void on_register(const http::request& r, const http::responder& respond) {
    std::string name(r.header("Lambda-Extension-Name").value_or(""));
    if (name.empty())
      return respond(api_error(403, "Extension.InvalidExtensionName", "Empty extension name"));
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() ||
        (body.contains("events") && !body["events"].is_array())) {
      return respond(api_error(403, "InvalidRequestFormat",
                               "the body must be {\"events\": [\"INVOKE\", \"SHUTDOWN\"]}"));
    }
    extension e;
    e.name = name;
    e.external =
        std::find(setup.external.begin(), setup.external.end(), name) != setup.external.end();
    for (const auto& ev : body.value("events", json::array())) {
      std::string t = ev.is_string() ? ev.get<std::string>() : ev.dump();
      if (t == "INVOKE") {
        e.invoke = true;
      } else if (t == "SHUTDOWN" && e.external) {
        e.shutdown = true;
      } else {
        return respond(api_error(403, "Extension.InvalidEventType",
                                 t == "SHUTDOWN"
                                     ? "Internal extension " + name +
                                           " cannot subscribe to SHUTDOWN (only the files in "
                                           "/opt/extensions are external extensions)"
                                     : "Unknown event type " + t + " (INVOKE and SHUTDOWN are)"));
      }
    }
    if (closed) {
      return respond(
          api_error(403, "Extension.RegistrationClosed", "Extension registration closed already"));
    }
    if (std::any_of(list.begin(), list.end(), [&](const extension& x) { return x.name == name; })) {
      return respond(api_error(403, "Extension.InvalidExtensionState",
                               "State transition from Registered to Registered failed for "
                               "extension " +
                                   name + ". Error: State transition is not allowed"));
    }
    if (list.size() >= max_extensions) {
      return respond(api_error(403, "Extension.TooManyExtensions",
                               "Extension limit (" + std::to_string(max_extensions) + ") reached"));
    }
    e.id = base::random_uuid();
    http::response res;
    res.status = 200;
    res.set("Content-Type", "application/json");
    res.set("Lambda-Extension-Identifier", e.id);
    json info = {{"functionName", setup.function_name},
                 {"functionVersion", setup.function_version},
                 {"handler", setup.handler}};
    auto features = r.header("Lambda-Extension-Accept-Feature");
    if (features && features->find("accountId") != std::string_view::npos)
      info["accountId"] = setup.account;
    res.body = info.dump();
    list.push_back(std::move(e));
    respond(std::move(res));
    answer_helper();
    if (events.changed) events.changed();
  }

  // The registered extension a call names, or the answer to send when it names none.
  extension* caller(const http::request& r, const http::responder& respond) {
    auto id = r.header("Lambda-Extension-Identifier");
    if (!id) {
      respond(api_error(403, "Extension.MissingExtensionIdentifier",
                        "Missing Lambda-Extension-Identifier header"));
      return nullptr;
    }
    if (!is_uuid(*id)) {
      respond(api_error(403, "Extension.InvalidExtensionIdentifier",
                        "Invalid Lambda-Extension-Identifier"));
      return nullptr;
    }
    extension* e = by_id(*id);
    if (e == nullptr) {
      respond(api_error(403, "Extension.UnknownExtensionIdentifier",
                        "Unknown extension " + std::string(*id)));
    }
    return e;
  }

  void on_next(const http::request& r, const http::responder& respond) {
    extension* e = caller(r, respond);
    if (e == nullptr) return;
    if (e->parked) {  // a second poll replaces the first, which is told so
      (*e->parked)(api_error(403, "Extension.InvalidExtensionState",
                             "another /event/next of this extension replaced this one"));
    }
    e->parked = respond;
    if (e->pending) {
      std::string event = std::move(*e->pending);
      e->pending.reset();
      return send(*e, std::move(event));
    }
    e->busy = false;
    if (events.changed) events.changed();
  }

  void on_error(const http::request& r, const http::responder& respond, bool init) {
    extension* e = caller(r, respond);
    if (e == nullptr) return;
    auto type = r.header("Lambda-Extension-Function-Error-Type");
    if (!type) {
      return respond(api_error(403, "Extension.MissingHeader",
                               "Lambda-Extension-Function-Error-Type not found"));
    }
    respond(accepted());
    if (events.failed) {
      events.failed(init ? "Extension.InitError" : "Extension.ExitError",
                    "Extension " + e->name + " reported " + std::string(*type) +
                        (init ? " during init" : "") +
                        (r.body.empty() ? std::string() : ": " + r.body.substr(0, 1024)));
    }
  }

  void on_helper(std::string_view what, const http::request& r, const http::responder& respond) {
    if (what == "registered" && r.method == "GET") {
      if (helper) (*helper)(api_error(409, "Conflict", "a newer wait replaced this one"));
      helper = respond;
      if (closed && !all_external_registered()) {
        auto h = std::move(*helper);
        helper.reset();
        return h(api_error(409, "Extension.RegistrationClosed", "registration closed"));
      }
      return answer_helper();
    }
    if (what == "failed" && r.method == "POST") {
      json body = json::parse(r.body, nullptr, false);
      std::string type = body.is_object() ? body.value("errorType", "Extension.Crash")
                                          : std::string("Extension.Crash");
      std::string message = body.is_object() ? body.value("errorMessage", "") : r.body;
      respond(accepted());
      if (events.failed) events.failed(type, message);
      return;
    }
    respond(api_error(404, "NotFound", "no such call: " + std::string(r.path())));
  }
};

extension_hub::extension_hub(extension_events events) : impl_(std::make_unique<impl>()) {
  impl_->events = std::move(events);
}

extension_hub::~extension_hub() = default;

void extension_hub::reset(extension_setup setup) {
  impl_->setup = std::move(setup);
  impl_->list.clear();  // their parked polls are dropped: those processes are gone
  impl_->closed = false;
  impl_->helper.reset();
}

bool extension_hub::handle(const http::request& r, const http::responder& respond) {
  std::string_view path = r.path();
  if (path.substr(0, helper_base.size()) == helper_base) {
    impl_->on_helper(path.substr(helper_base.size()), r, respond);
    return true;
  }
  if (path.substr(0, base.size()) != base) return false;
  std::string_view what = path.substr(base.size());
  if (what == "register" && r.method == "POST") {
    impl_->on_register(r, respond);
  } else if (what == "event/next" && r.method == "GET") {
    impl_->on_next(r, respond);
  } else if ((what == "init/error" || what == "exit/error") && r.method == "POST") {
    impl_->on_error(r, respond, what == "init/error");
  } else {
    respond(api_error(404, "NotFound",
                      "no such Extensions API call: " + r.method + " " + std::string(path)));
  }
  return true;
}

void extension_hub::close_registration() {
  impl_->closed = true;
  if (impl_->helper && !impl_->all_external_registered()) {
    auto h = std::move(*impl_->helper);
    impl_->helper.reset();
    h(api_error(409, "Extension.RegistrationClosed", "registration closed"));
  }
}

bool extension_hub::any() const {
  return !impl_->list.empty();
}

bool extension_hub::all_waiting() const {
  return std::all_of(impl_->list.begin(), impl_->list.end(),
                     [](const extension& e) { return !e.busy && e.parked; });
}

void extension_hub::invoke(const invoke_request& req, std::int64_t deadline_ms) {
  json event = {{"eventType", "INVOKE"},
                {"deadlineMs", deadline_ms},
                {"requestId", req.request_id},
                {"invokedFunctionArn", req.function_arn}};
  if (!req.trace_id.empty())
    event["tracing"] = {{"type", "X-Amzn-Trace-Id"}, {"value", req.trace_id}};
  std::string text = event.dump();
  for (auto& e : impl_->list)
    if (e.invoke) impl_->send(e, text);
}

bool extension_hub::shutdown(const std::string& reason, std::int64_t deadline_ms) {
  std::string text =
      json{{"eventType", "SHUTDOWN"}, {"deadlineMs", deadline_ms}, {"shutdownReason", reason}}
          .dump();
  bool any = false;
  for (auto& e : impl_->list) {
    if (!e.shutdown) continue;
    impl_->send(e, text);
    any = true;
  }
  return any;
}

bool extension_hub::wants_shutdown() const {
  return std::any_of(impl_->list.begin(), impl_->list.end(),
                     [](const extension& e) { return e.shutdown; });
}

std::string extension_hub::busy_names() const {
  std::string out;
  for (const auto& e : impl_->list) {
    if (!e.busy) continue;
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

std::vector<std::string> extension_hub::log_lines() const {
  std::vector<std::string> out;
  std::vector<const extension*> by_name;
  for (const auto& e : impl_->list) by_name.push_back(&e);
  std::sort(by_name.begin(), by_name.end(),
            [](const extension* a, const extension* b) { return a->name < b->name; });
  for (const auto* p : by_name) {
    const extension& e = *p;
    std::string events;
    if (e.invoke) events = "INVOKE";
    if (e.shutdown) events += events.empty() ? "SHUTDOWN" : ", SHUTDOWN";
    out.push_back("EXTENSION\tName: " + e.name + "\tState: Ready\tEvents: [" + events + "]");
  }
  return out;
}

std::optional<std::string> extension_hub::name_of(std::string_view id) const {
  for (const auto& e : impl_->list)
    if (e.id == id) return e.name;
  return std::nullopt;
}

std::vector<std::string> extension_hub::telemetry_records() const {
  std::vector<std::string> out;
  for (const auto& e : impl_->list) {
    json events = json::array();
    if (e.invoke) events.push_back("INVOKE");
    if (e.shutdown) events.push_back("SHUTDOWN");
    out.push_back(json{{"name", e.name}, {"state", "Ready"}, {"events", events}}.dump());
  }
  return out;
}

}  // namespace lambdakit::platform::env
