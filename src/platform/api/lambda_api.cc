#include "platform/api/lambda_api.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "base/parse.h"
#include "base/random.h"
#include "platform/api/event_invoke_json.h"
#include "platform/api/function_json.h"
#include "platform/api/responses.h"

namespace lambdakit::platform::api {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    parts.push_back(http::percent_decode(path.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

}  // namespace

std::string new_trace_header() {
  char t[16];
  std::snprintf(t, sizeof t, "%08llx", static_cast<unsigned long long>(std::time(nullptr)));
  return "Root=1-" + std::string(t) + "-" + base::random_hex(24) +
         ";Parent=" + base::random_hex(16) + ";Sampled=0";
}

std::string new_request_id() {
  return base::random_uuid();
}

lambda_api::lambda_api(store::function_store& functions, store::layer_store& layers,
                       store::code_store& code, store::layer_trees& trees, env::pool& pool,
                       events::event_store& event_store, api_options options)
    : functions_(functions),
      layers_(layers),
      code_(code),
      trees_(trees),
      pool_(pool),
      opt_(std::move(options)) {
  events::queue_options qo = opt_.events;
  qo.region = opt_.region;
  qo.account = opt_.account;
  qo.log = opt_.log;
  qo.resolve = [this](const std::string& function,
                      const std::string& qualifier) -> result<std::optional<function_config>> {
    auto got = resolve(function, qualifier, true);
    if (got) return std::optional<function_config>(std::move(got->fn));
    if (got.error().status == 404) return std::optional<function_config>();
    return make_failure(std::make_error_code(std::errc::io_error), got.error().message);
  };
  events_ = std::make_unique<events::event_queue>(
      pool.io(), event_store, functions,
      [this](const function_config& fn, env::invoke_request req,
             std::function<void(env::invoke_outcome)> then) {
        return run_invoke(fn, std::move(req), "Event", std::chrono::steady_clock::now(),
                          std::move(then));
      },
      std::move(qo));
  collector_ = std::make_unique<code_collector>(code, functions, layers, pool, opt_.remove_later);
  workers_ = std::make_unique<workers>();
}

struct lambda_api::workers {
  boost::asio::thread_pool threads{1};  // one: the other core is the service's
};

lambda_api::~lambda_api() {
  workers_->threads.join();  // a running extraction finishes; its answer is dropped
}

void lambda_api::on_worker(std::function<void()> work) {
  boost::asio::post(workers_->threads, std::move(work));
}

result<void> lambda_api::start_events() {
  return events_->start();
}

void lambda_api::handle(http::request&& r, http::responder respond) {
  std::string rid = new_request_id();
  // A function URL: http://<id>.lambda-url.<region>.localhost:<port>/... (the Host names it)
  // or http://<service>/lambda-url/<id>/... (the path does).
  if (auto host = r.header("Host"); host && host->find(".lambda-url.") != std::string_view::npos) {
    std::string id(host->substr(0, host->find('.')));
    std::string path(r.path());
    return serve_url(id, std::move(path), std::move(r), respond, rid);
  }
  if (r.path().rfind("/lambda-url/", 0) == 0) {
    std::string_view rest = r.path().substr(12);
    std::string id(rest.substr(0, rest.find('/')));
    std::string path(rest.size() > id.size() ? rest.substr(id.size()) : std::string_view("/"));
    return serve_url(id, std::move(path), std::move(r), respond, rid);
  }
  auto parts = split_path(r.path());
  const std::string& m = r.method;
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  try {
    if (parts.size() >= 2 && parts[0] == "2015-03-31" && parts[1] == "functions") {
      if (parts.size() == 2) {
        if (m == "POST") return create(std::move(r), respond, rid);
        if (m == "GET") return list(r, respond, rid);
      } else if (parts.size() == 3) {
        if (m == "GET") return get(parts[2], r, false, respond, rid);
        if (m == "DELETE") return remove(parts[2], r, respond, rid);
      } else if (parts.size() == 4 && parts[3] == "versions") {
        return versions(parts[2], r, respond, rid);
      } else if ((parts.size() == 4 || parts.size() == 5) && parts[3] == "aliases") {
        return aliases(parts[2], parts.size() == 5 ? parts[4] : std::string(), r, respond, rid);
      } else if (parts.size() == 4) {
        if (parts[3] == "invocations" && m == "POST")
          return invoke(parts[2], std::move(r), respond, rid);
        if (parts[3] == "code" && m == "PUT")
          return update_code(parts[2], std::move(r), respond, rid);
        if (parts[3] == "configuration" && m == "PUT")
          return update_configuration(parts[2], r, respond, rid);
        if (parts[3] == "configuration" && m == "GET") return get(parts[2], r, true, respond, rid);
      }
    } else if (parts.size() >= 2 && parts[0] == "2018-10-31" && parts[1] == "layers") {
      return layers(parts, std::move(r), respond, rid);
    } else if (parts.size() == 4 && parts[0] == "2021-11-15" && parts[1] == "functions" &&
               parts[3] == "response-streaming-invocations" && m == "POST") {
      return invoke_with_response_stream(parts[2], std::move(r), respond, rid);
    } else if (parts.size() == 4 && parts[0] == "2021-10-31" && parts[1] == "functions" &&
               (parts[3] == "url" || parts[3] == "urls")) {
      return function_urls(parts[2], parts[3] == "urls", r, respond, rid);
    } else if (parts.size() == 4 && parts[0] == "2017-10-31" && parts[1] == "functions" &&
               parts[3] == "concurrency") {
      return concurrency(parts[2], r, respond, rid);
    } else if ((parts.size() == 4 || (parts.size() == 5 && parts[4] == "list")) &&
               parts[0] == "2019-09-25" && parts[1] == "functions" &&
               parts[3] == "event-invoke-config") {
      return event_invoke_config(parts[2], parts.size() == 5, r, respond, rid);
    } else if (parts.size() == 3 && parts[0] == "lambdakit" && parts[1] == "v1") {
      if (parts[2] == "health" && m == "GET")
        return respond(json_response(200, R"({"status":"ok"})", rid));
      if (parts[2] == "events" && m == "GET") return events_listing(r, respond, rid);
      if (parts[2] == "invocations" && m == "GET") {
        auto fn = http::query_param(r.query(), "function").value_or("");
        auto limit_text = http::query_param(r.query(), "limit").value_or("10000");
        auto limit = base::parse_integer(limit_text, 1, 1000000);
        if (!limit) {
          return fail(validation("1 validation error detected: Value '" + limit_text +
                                 "' at 'limit' failed to satisfy constraint: Member must be an "
                                 "integer between 1 and 1000000"));
        }
        return respond(
            json_response(200, records_.json(fn, static_cast<std::size_t>(*limit)), rid));
      }
    }
    fail({404,
          "UnknownOperationException",
          "Unknown operation " + m + " " + std::string(r.path()),
          {}});
  } catch (const std::exception& e) {  // a bug: answer it as AWS would, and keep serving
    fail(service_failure(std::string("lambdakit serve failed: ") + e.what()));
  }
}

service_error code_error(const failure& f, const std::string& operation) {
  if (f.code == store::code_errc::zip_too_large) {
    return too_large("Request must be smaller than 52428800 bytes for the " + operation +
                     " operation: " + f.detail);
  }
  if (f.code == store::code_errc::io_error) return service_failure(f.message());
  return invalid_parameter(
      "Could not unzip uploaded file. Please check your file, then try to upload again. (" +
      f.message() + ")");
}

std::optional<function_config> lambda_api::find(const std::string& name,
                                                const http::responder& respond,
                                                const std::string& rid) {
  auto ref = parse_function_ref(name);
  auto found = ref ? functions_.get(ref->name)
                   : result<std::optional<function_config>>(std::optional<function_config>());
  if (!found) {
    respond(to_response(service_failure(found.error().message()), rid));
    return std::nullopt;
  }
  if (!*found)
    respond(to_response(not_found(function_arn(ref ? ref->name : name, opt_.region, opt_.account)),
                        rid));
  return std::move(found).value();
}

api_result<function_config> lambda_api::store_revision(function_config c) {
  c.last_modified = timestamp_now();
  c.revision_id = new_revision_id();
  c.runtime_revision = c.revision_id;
  if (auto p = functions_.put(c); !p) return service_failure(p.error().message());
  pool_.retire(c.name, "$LATEST");  // warm environments run the old revision: they go
  return c;
}

void lambda_api::save_revision(function_config c, const http::responder& respond,
                               const std::string& rid) {
  auto saved = store_revision(std::move(c));
  if (!saved) return respond(to_response(saved.error(), rid));
  respond(json_response(200, configuration_json(*saved, opt_.region, opt_.account), rid));
}

void lambda_api::create(http::request&& r, const http::responder& respond, const std::string& rid) {
  collector_->upload_started();
  boost::asio::post(workers_->threads, [this, body = std::move(r.body), respond, rid]() mutable {
    auto parsed = parse_create(body);
    body = std::string();
    std::optional<result<store::stored_code>> stored;
    if (parsed) stored = code_.add(parsed->zip);
    if (parsed) parsed->zip = std::string();
    boost::asio::post(pool_.io(), [this, parsed = std::move(parsed), stored = std::move(stored),
                                   respond, rid]() mutable {
      std::string sha = stored && *stored ? (*stored)->sha256_hex : std::string();
      finish_create(std::move(parsed), std::move(stored), respond, rid);
      collector_->upload_finished();
      collector_->maybe_unused(sha);  // extracted for a create that was refused
    });
  });
}

void lambda_api::finish_create(api_result<create_request> parsed,
                               std::optional<result<store::stored_code>> stored,
                               const http::responder& respond, const std::string& rid) {
  if (!parsed) return respond(to_response(parsed.error(), rid));
  auto& req = *parsed;
  auto existing = functions_.get(req.config.name);
  if (!existing) return respond(to_response(service_failure(existing.error().message()), rid));
  if (*existing) {
    return respond(to_response(conflict("Function already exist: " + req.config.name), rid));
  }
  if (!*stored) return respond(to_response(code_error(stored->error(), "CreateFunction"), rid));
  function_config& c = req.config;
  if (req.layers) {
    auto layers = resolve_layers(*req.layers, c, (*stored)->unzipped_bytes);
    if (!layers) return respond(to_response(layers.error(), rid));
    c.layers = std::move(layers).value();
  }
  c.code_sha256 = (*stored)->sha256_hex;
  c.code_sha256_base64 = (*stored)->sha256_base64;
  c.code_size = (*stored)->size;
  c.last_modified = timestamp_now();
  c.revision_id = new_revision_id();
  c.runtime_revision = c.revision_id;
  if (auto p = functions_.put(c); !p)
    return respond(to_response(service_failure(p.error().message()), rid));
  if (req.publish) {  // CreateFunction with Publish answers version 1
    auto v = publish(c, std::nullopt);
    if (!v) return respond(to_response(v.error(), rid));
    return respond(
        json_response(201, configuration_json(*v, opt_.region, opt_.account, v->version), rid));
  }
  respond(json_response(201, configuration_json(c, opt_.region, opt_.account), rid));
}

void lambda_api::get(const std::string& name, const http::request& r, bool config_only,
                     const http::responder& respond, const std::string& rid) {
  auto found = resolve(name, http::query_param(r.query(), "Qualifier"), false);
  if (!found) return respond(to_response(found.error(), rid));
  const function_config& c = found->fn;
  std::string config = configuration_json(c, opt_.region, opt_.account, found->qualifier);
  if (config_only) return respond(json_response(200, config, rid));
  nlohmann::json j = {{"Configuration", nlohmann::json::parse(config)},
                      {"Code",
                       {{"RepositoryType", "S3"},
                        {"Location", "file://" + code_.task_root(c.code_sha256).string()}}},
                      {"Tags", c.tags}};
  if (c.reserved_concurrency >= 0)
    j["Concurrency"] = {{"ReservedConcurrentExecutions", c.reserved_concurrency}};
  respond(json_response(200, j.dump(), rid));
}

void lambda_api::list(const http::request& r, const http::responder& respond,
                      const std::string& rid) {
  std::string marker = http::query_param(r.query(), "Marker").value_or("");
  int max = 50;
  if (auto m = http::query_param(r.query(), "MaxItems")) {
    auto parsed = base::parse_integer(*m, 1, 10000);
    max = parsed ? static_cast<int>(*parsed) : 0;
    if (!parsed) {
      return respond(to_response(
          validation("1 validation error detected: Value '" + *m +
                     "' at 'maxItems' failed to satisfy constraint: Member must have value "
                     "between 1 and 10000"),
          rid));
    }
  }
  auto page = functions_.list(marker, max + 1);
  if (!page) return respond(to_response(service_failure(page.error().message()), rid));
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < static_cast<int>(page->size()) && i < max; ++i) {
    list.push_back(nlohmann::json::parse(
        configuration_json((*page)[static_cast<std::size_t>(i)], opt_.region, opt_.account)));
  }
  nlohmann::json j = {{"Functions", list}};
  if (static_cast<int>(page->size()) > max)
    j["NextMarker"] = (*page)[static_cast<std::size_t>(max - 1)].name;
  respond(json_response(200, j.dump(), rid));
}

void lambda_api::remove(const std::string& name, const http::request& r,
                        const http::responder& respond, const std::string& rid) {
  auto ref = parse_function_ref(name);
  std::string qualifier =
      http::query_param(r.query(), "Qualifier").value_or(ref ? ref->qualifier : "");
  std::vector<std::string> shas;  // the code of $LATEST and of every version
  if (ref) {
    auto f = functions_.get(ref->name);
    if (f && *f && !qualifier.empty()) return remove_version(**f, qualifier, respond, rid);
    auto keep = [&](const function_config& c) {  // its code and its layers' code
      shas.push_back(c.code_sha256);
      for (const auto& l : c.layers) shas.push_back(l.code_sha256);
    };
    if (f && *f) keep(**f);
    if (auto vs = functions_.list_versions(ref->name, 0, 1 << 30); vs) {
      for (const auto& v : *vs) keep(v);
    }
  }
  auto removed = ref ? functions_.remove(ref->name) : result<bool>(false);
  if (!removed) return respond(to_response(service_failure(removed.error().message()), rid));
  if (!*removed)
    return respond(to_response(
        not_found(function_arn(ref ? ref->name : name, opt_.region, opt_.account)), rid));
  pool_.retire(ref->name);
  for (const auto& sha : shas) collector_->maybe_unused(sha);
  if (auto dropped = events_->drop_function(ref->name); !dropped && opt_.log)
    opt_.log(ref->name, "lambdakit: cannot drop its queued events: " + dropped.error().message());
  respond(no_content(rid));
}

void lambda_api::update_code(const std::string& name, http::request&& r,
                             const http::responder& respond, const std::string& rid) {
  if (!find(name, respond, rid)) return;
  collector_->upload_started();
  boost::asio::post(workers_->threads, [this, name, body = std::move(r.body), respond,
                                        rid]() mutable {
    auto parsed = parse_code_update(body);
    body = std::string();
    std::optional<result<store::stored_code>> stored;
    if (parsed) stored = code_.add(parsed->zip);
    boost::asio::post(
        pool_.io(), [this, name, failed = parsed ? std::optional<service_error>() : parsed.error(),
                     publish_too = parsed && parsed->publish,
                     revision = parsed ? parsed->revision_id : std::string(),
                     stored = std::move(stored), respond, rid]() mutable {
          std::string old_sha;
          std::string new_sha = stored && *stored ? (*stored)->sha256_hex : std::string();
          [&] {
            if (failed) return respond(to_response(*failed, rid));
            if (!*stored)
              return respond(to_response(code_error(stored->error(), "UpdateFunctionCode"), rid));
            auto found = find(name, respond, rid);  // it may have gone while the zip was extracted
            if (!found) return;
            function_config c = std::move(*found);
            if (!revision.empty() && revision != c.revision_id)
              return respond(to_response(precondition_failed(), rid));
            if (auto fits = check_unzipped_total(c.layers, (*stored)->unzipped_bytes); !fits)
              return respond(to_response(fits.error(), rid));
            old_sha = c.code_sha256;
            c.code_sha256 = (*stored)->sha256_hex;
            c.code_sha256_base64 = (*stored)->sha256_base64;
            c.code_size = (*stored)->size;
            if (!publish_too) return save_revision(std::move(c), respond, rid);
            // Publish: the new code becomes a version too, and the answer is that version.
            auto saved = store_revision(std::move(c));
            if (!saved) return respond(to_response(saved.error(), rid));
            auto v = publish(std::move(saved).value(), std::nullopt);
            if (!v) return respond(to_response(v.error(), rid));
            respond(json_response(
                200, configuration_json(*v, opt_.region, opt_.account, v->version), rid));
          }();
          collector_->upload_finished();
          collector_->maybe_unused(old_sha);  // the code it had
          collector_->maybe_unused(new_sha);  // extracted for an update that did not land
        });
  });
}

void lambda_api::update_configuration(const std::string& name, const http::request& r,
                                      const http::responder& respond, const std::string& rid) {
  auto found = find(name, respond, rid);
  if (!found) return;
  function_config c = std::move(*found);
  auto applied = apply_configuration(r.body, c);
  if (!applied) return respond(to_response(applied.error(), rid));
  std::vector<layer_ref> dropped;
  if (*applied) {  // Layers named: resolved against what the function has now
    auto layers =
        resolve_layers(**applied, c, (*applied)->empty() ? 0 : code_.unzipped_size(c.code_sha256));
    if (!layers) return respond(to_response(layers.error(), rid));
    dropped = std::move(c.layers);
    c.layers = std::move(layers).value();
  }
  save_revision(std::move(c), respond, rid);
  for (const auto& l : dropped) collector_->maybe_unused(l.code_sha256);  // still used: kept
}

void lambda_api::concurrency(const std::string& name, const http::request& r,
                             const http::responder& respond, const std::string& rid) {
  auto found = find(name, respond, rid);
  if (!found) return;
  function_config c = std::move(*found);
  if (r.method == "GET") {
    return respond(json_response(
        200,
        c.reserved_concurrency >= 0
            ? nlohmann::json{{"ReservedConcurrentExecutions", c.reserved_concurrency}}.dump()
            : "{}",
        rid));
  }
  if (r.method == "DELETE") {
    c.reserved_concurrency = -1;
  } else if (r.method == "PUT") {
    auto n = parse_concurrency(r.body);
    if (!n) return respond(to_response(n.error(), rid));
    c.reserved_concurrency = *n;
  } else {
    return respond(
        to_response({405, "UnknownOperationException", "use GET, PUT or DELETE", {}}, rid));
  }
  if (auto p = functions_.put(c); !p)
    return respond(to_response(service_failure(p.error().message()), rid));
  events_->environment_freed(c.name);  // queued events may have room now
  if (r.method == "DELETE") {
    return respond(no_content(rid));
  }
  respond(json_response(
      200, nlohmann::json{{"ReservedConcurrentExecutions", c.reserved_concurrency}}.dump(), rid));
}

}  // namespace lambdakit::platform::api
