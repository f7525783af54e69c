// The Lambda API of the local service: management calls (create, get, list, update, delete,
// concurrency, versions and aliases, layers), Invoke, InvokeWithResponseStream, and lambdakit's own
// /lambdakit/v1 endpoints (health, invocation records).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/api/code_collector.h"
#include "platform/api/function_json.h"
#include "platform/api/records.h"
#include "platform/api/stream_relay.h"
#include "platform/env/pool.h"
#include "platform/events/event_queue.h"
#include "platform/http/message.h"
#include "platform/store/code_store.h"
#include "platform/store/function_store.h"
#include "platform/store/layer_store.h"
#include "platform/store/layer_trees.h"

namespace lambdakit::platform::api {

struct api_options {
  std::string region = "us-east-1";
  std::string account = "000000000000";
  events::queue_options events;  // asynchronous invokes (region, account and log are filled in)
  // START/END/REPORT lines, as "<function> <line>".
  std::function<void(const std::string& function, const std::string& line)> log;
  // Removes a folder tree off the service's thread (code no function uses any more, set aside
  // first); null: removed at once, in the call.
  std::function<void(std::filesystem::path)> remove_later;
  stream_limits stream;  // InvokeWithResponseStream's pace
};

class lambda_api {
 public:
  // All references must outlive the api.
  lambda_api(store::function_store& functions, store::layer_store& layers, store::code_store& code,
             store::layer_trees& trees, env::pool& pool, events::event_store& event_store,
             api_options options);
  ~lambda_api();

  void handle(http::request&& request, http::responder respond);

  // Starts delivering what the event queue kept from an earlier run.
  result<void> start_events();

  // One invoke of `fn` on the pool, logged (START/END/REPORT) and recorded as every invoke is;
  // false when the function's environments are all busy. Event invokes go through here too.
  bool run_invoke(const function_config& fn, env::invoke_request request, const char* type,
                  std::chrono::steady_clock::time_point received,
                  std::function<void(env::invoke_outcome)> then);

 private:
  // CreateFunction and UpdateFunctionCode parse, decode and extract on a worker thread (a big
  // zip takes seconds), then finish on the service's thread.
  void create(http::request&& r, const http::responder& respond, const std::string& rid);
  void finish_create(api_result<create_request> parsed,
                     std::optional<result<store::stored_code>> stored,
                     const http::responder& respond, const std::string& rid);
  void get(const std::string& name, const http::request& r, bool config_only,
           const http::responder& respond, const std::string& rid);
  void list(const http::request& r, const http::responder& respond, const std::string& rid);
  void remove(const std::string& name, const http::request& r, const http::responder& respond,
              const std::string& rid);
  void update_code(const std::string& name, http::request&& r, const http::responder& respond,
                   const std::string& rid);
  void update_configuration(const std::string& name, const http::request& r,
                            const http::responder& respond, const std::string& rid);
  void concurrency(const std::string& name, const http::request& r, const http::responder& respond,
                   const std::string& rid);
  // Invoke and InvokeWithResponseStream share their checks (function, qualifier, invocation
  // type, payload, client context); the request's body moves into the invoke request.
  struct prepared_invoke {
    function_config fn;
    env::invoke_request req;
    std::string type;       // RequestResponse, Event or DryRun
    std::string qualifier;  // as named (a version or alias), or empty for $LATEST
    bool tail = false;
  };
  api_result<prepared_invoke> prepare_invoke(const std::string& name_or_arn, http::request& r,
                                             const std::string& rid, bool streaming);
  void invoke(const std::string& name_or_arn, http::request&& r, const http::responder& respond,
              const std::string& rid);
  // POST /2021-11-15/functions/NAME/response-streaming-invocations: the answer in event-stream
  // framing as the function writes it (see stream_relay.h).
  void invoke_with_response_stream(const std::string& name_or_arn, http::request&& r,
                                   const http::responder& respond, const std::string& rid);
  void throttled(const function_config& fn, const http::responder& respond, const std::string& rid);
  void invoke_async(const function_config& fn, const std::string& qualifier,
                    env::invoke_request req, const http::responder& respond,
                    const std::string& rid);
  // /2019-09-25/functions/NAME/event-invoke-config[/list]: Put, Update, Get, Delete, List.
  void event_invoke_config(const std::string& name, bool list, const http::request& r,
                           const http::responder& respond, const std::string& rid);
  // GET /lambdakit/v1/events?function=F&state=dead|queued|records&limit=N
  void events_listing(const http::request& r, const http::responder& respond,
                      const std::string& rid);

  // Versions and aliases (versions_api.cc). What a function name or ARN and a ?Qualifier
  // name: $LATEST, a published version, or an alias's version (with `route`, the one its
  // RoutingConfig picks for this call; else its primary).
  struct resolved {
    function_config fn;     // the configuration that runs
    std::string qualifier;  // as the caller named it: "", "$LATEST", "3" or an alias
  };
  // `qualifier`: ?Qualifier, when the call has one (it must agree with a name:qualifier).
  api_result<resolved> resolve(const std::string& name_or_arn,
                               const std::optional<std::string>& qualifier, bool route);
  // POST /2015-03-31/functions/NAME/versions (PublishVersion), GET (ListVersionsByFunction).
  void versions(const std::string& name, const http::request& r, const http::responder& respond,
                const std::string& rid);
  // Publishes $LATEST of `latest` as a new version, or answers the last one if nothing changed
  // since it was published.
  api_result<function_config> publish(function_config latest,
                                      const std::optional<std::string>& description);
  // /2015-03-31/functions/NAME/aliases[/ALIAS]: Create, List, Get, Update, Delete.
  void aliases(const std::string& name, const std::string& alias, const http::request& r,
               const http::responder& respond, const std::string& rid);
  // The versions `a` routes to exist (else the 404 to answer).
  api_result<void> check_alias_targets(const alias_config& a);
  // DeleteFunction with a version as qualifier.
  void remove_version(const function_config& latest, const std::string& qualifier,
                      const http::responder& respond, const std::string& rid);

  // Function URLs (urls_api.cc): /2021-10-31/functions/NAME/url (`list`: .../urls).
  void function_urls(const std::string& name, bool list, const http::request& r,
                     const http::responder& respond, const std::string& rid);
  // A request to the URL `url_id`, `raw_path` being its path under the URL's root.
  void serve_url(const std::string& url_id, std::string raw_path, http::request&& r,
                 const http::responder& respond, const std::string& rid);
  // FunctionUrl: http://<the Host the call was sent to>/lambda-url/<url id>/
  std::string url_of(const url_config& u, const http::request& r) const;

  // Layers (layers_api.cc): /2018-10-31/layers[/NAME/versions[/N]] and ?find=LayerVersion.
  void layers(const std::vector<std::string>& parts, http::request&& r,
              const http::responder& respond, const std::string& rid);
  void publish_layer(const std::string& name, http::request&& r, const http::responder& respond,
                     const std::string& rid);
  void get_layer_version(const std::string& name, int version, const http::responder& respond,
                         const std::string& rid);
  void layer_version_by_arn(const std::string& arn, const http::responder& respond,
                            const std::string& rid);
  void list_layer_versions(const std::string& name, const http::request& r,
                           const http::responder& respond, const std::string& rid);
  void list_layers(const http::request& r, const http::responder& respond, const std::string& rid);
  void delete_layer_version(const std::string& name, int version, const http::responder& respond,
                            const std::string& rid);
  // A function's Layers (version ARNs, in order) as stored layer code, with AWS's checks: at
  // most 5, one version per layer, this region, each existing (or already `fn`'s), and the
  // code (`code_unzipped` bytes) and layers within 250 MB unzipped. Their /opt tree is built.
  api_result<std::vector<layer_ref>> resolve_layers(const std::vector<std::string>& arns,
                                                    const function_config& fn,
                                                    std::uint64_t code_unzipped);
  api_result<void> check_unzipped_total(const std::vector<layer_ref>& layers,
                                        std::uint64_t code_unzipped);

  // Runs `work` on the worker thread (zips are decoded and extracted there).
  void on_worker(std::function<void()> work);

  // The function `name` (a name or ARN) names; nullopt once it has answered 404 or 500.
  std::optional<function_config> find(const std::string& name, const http::responder& respond,
                                      const std::string& rid);
  // Stores `c` as a new revision of $LATEST and retires $LATEST's environments.
  api_result<function_config> store_revision(function_config c);
  // store_revision, answered with the configuration.
  void save_revision(function_config c, const http::responder& respond, const std::string& rid);

  store::function_store& functions_;
  store::layer_store& layers_;
  store::code_store& code_;
  store::layer_trees& trees_;
  env::pool& pool_;
  records records_;
  api_options opt_;
  std::unique_ptr<events::event_queue> events_;
  std::unique_ptr<code_collector> collector_;
  struct workers;
  std::unique_ptr<workers> workers_;  // last: joined first, while everything it uses lives
};

// A code store failure as AWS answers it (`operation`: CreateFunction, ...).
service_error code_error(const failure& f, const std::string& operation);

std::string new_request_id();  // a UUID v4
// An X-Amzn-Trace-Id for a call that brought none: Root=1-<time>-<24 hex>;Parent=...;Sampled=0
std::string new_trace_header();

}  // namespace lambdakit::platform::api
