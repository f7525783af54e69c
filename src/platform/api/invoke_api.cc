// Invoke, InvokeWithResponseStream and the one path every invoke takes (run_invoke: the pool,
// START/END/REPORT, the invocation record), Event invokes handed to the queue.
#include <chrono>
#include <nlohmann/json.hpp>

#include "platform/api/lambda_api.h"
#include "platform/api/responses.h"
#include "platform/api/stream_relay.h"
#include "platform/logs/report.h"
#include "wire/base64.h"

namespace lambdakit::platform::api {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::size_t max_sync_payload = 6291456;
constexpr std::size_t max_async_payload = 1048576;
constexpr std::size_t max_client_context = 3583;

double ms_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

api_result<lambda_api::prepared_invoke> lambda_api::prepare_invoke(const std::string& name_or_arn,
                                                                   http::request& r,
                                                                   const std::string& rid,
                                                                   bool streaming) {
  auto found = resolve(name_or_arn, http::query_param(r.query(), "Qualifier"), true);
  if (!found) return std::move(found).error();
  std::string qualifier = std::move(found->qualifier);
  std::string arn = function_arn(found->fn.name, opt_.region, opt_.account);
  prepared_invoke p;
  p.fn = std::move(found->fn);
  p.qualifier = qualifier == "$LATEST" ? std::string() : qualifier;

  p.type = std::string(r.header("X-Amz-Invocation-Type").value_or("RequestResponse"));
  if (streaming && p.type != "RequestResponse" && p.type != "DryRun") {
    return validation("1 validation error detected: Value '" + p.type +
                      "' at 'invocationType' failed to satisfy constraint: Member must "
                      "satisfy enum value set: [RequestResponse, DryRun]");
  }
  if (p.type != "RequestResponse" && p.type != "Event" && p.type != "DryRun") {
    return invalid_parameter(
        "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, not " + p.type);
  }
  const char* operation = streaming ? "InvokeWithResponseStream" : "InvokeFunction";
  if (p.type == "Event" && r.body.size() > max_async_payload) {
    return too_large("Request must be smaller than 1048576 bytes for the " +
                     std::string(operation) + " operation (the limit of asynchronous invokes)");
  }
  if (r.body.size() > max_sync_payload) {
    return too_large("Request must be smaller than 6291456 bytes for the " +
                     std::string(operation) + " operation");
  }
  if (!r.body.empty() && !nlohmann::json::accept(r.body)) {
    return invalid_content(
        "Could not parse request body into json: Could not parse payload into json: the "
        "payload is not valid JSON");
  }
  std::string client_context;
  if (auto cc = r.header("X-Amz-Client-Context")) {
    auto decoded = wire::base64::decode(*cc);
    if (cc->size() > max_client_context || !decoded || !nlohmann::json::accept(*decoded)) {
      return invalid_content(
          "Client context must be a valid Base64-encoded JSON object of at most 3583 bytes.");
    }
    client_context = std::move(*decoded);
  }
  p.tail = r.header("X-Amz-Log-Type").value_or("None") == "Tail";
  env::invoke_request& req = p.req;
  req.request_id = rid;
  req.payload = std::move(r.body);
  req.function_arn = qualifier.empty() ? arn : arn + ":" + qualifier;
  req.trace_id = std::string(r.header("X-Amzn-Trace-Id").value_or(""));
  if (req.trace_id.empty()) req.trace_id = new_trace_header();
  req.client_context = std::move(client_context);
  req.cognito_identity = std::string(r.header("X-Amz-Cognito-Identity").value_or(""));
  return p;
}

void lambda_api::invoke(const std::string& name_or_arn, http::request&& r,
                        const http::responder& respond, const std::string& rid) {
  auto received = clock_type::now();
  auto prepared = prepare_invoke(name_or_arn, r, rid, false);
  if (!prepared) return respond(to_response(prepared.error(), rid));
  auto& [fn, req, type, qualifier, tail] = *prepared;
  if (type == "DryRun") return respond(no_content(rid));
  if (type == "Event") return invoke_async(fn, qualifier, std::move(req), respond, rid);

  bool accepted = run_invoke(
      fn, std::move(req), "RequestResponse", received,
      [respond, rid, tail = tail, version = fn.version](env::invoke_outcome o) {
        http::response res;
        res.status = 200;
        res.set("Content-Type", o.content_type.empty() ? "application/json" : o.content_type);
        res.set("X-Amz-Executed-Version", version);
        res.set("x-amzn-RequestId", rid);
        if (o.status != env::invoke_status::success) res.set("X-Amz-Function-Error", "Unhandled");
        if (tail) {
          // run_invoke leaves the END and REPORT lines at the end of the log for Tail.
          res.set("X-Amz-Log-Result", wire::base64::encode(logs::tail(o.log)));
        }
        res.body = std::move(o.body);
        respond(std::move(res));
      });
  if (!accepted) throttled(fn, respond, rid);
}

void lambda_api::invoke_with_response_stream(const std::string& name_or_arn, http::request&& r,
                                             const http::responder& respond,
                                             const std::string& rid) {
  auto received = clock_type::now();
  auto prepared = prepare_invoke(name_or_arn, r, rid, true);
  if (!prepared) return respond(to_response(prepared.error(), rid));
  auto& [fn, req, type, qualifier, tail] = *prepared;
  if (type == "DryRun") return respond(no_content(rid));
  // The relay answers: with the stream's head when the runtime starts its answer, or whole at
  // the end (a function that fails first, or a path that cannot stream).
  auto relay = std::make_shared<stream_relay>(respond, rid, fn.version, tail, opt_.stream);
  req.stream = relay;
  bool accepted = run_invoke(fn, std::move(req), "RequestResponse", received,
                             [relay](const env::invoke_outcome& o) { relay->finish(o); });
  if (!accepted) throttled(fn, respond, rid);
}

void lambda_api::throttled(const function_config& fn, const http::responder& respond,
                           const std::string& rid) {
  if (opt_.log) opt_.log(fn.name, "lambdakit: " + rid + " throttled: all environments are busy");
  respond(to_response(too_many_requests(fn.reserved_concurrency >= 0), rid));
}

bool lambda_api::run_invoke(const function_config& fn, env::invoke_request req, const char* type,
                            std::chrono::steady_clock::time_point received,
                            std::function<void(env::invoke_outcome)> then) {
  if (!pool_.has_room(fn, fn.reserved_concurrency)) return false;
  auto chosen = clock_type::now();
  std::string rid = req.request_id;
  auto task_root = code_.task_root(fn.code_sha256);
  // Built when the function got its layers; rebuilt here only if a disk problem took it.
  auto opt_root = trees_.ensure(fn.layers);
  if (!opt_root && opt_.log) {
    opt_.log(fn.name, "lambdakit: " + req.request_id +
                          " runs without its layers in /opt: " + opt_root.error().message());
  }
  std::string name = fn.name;
  int memory = fn.memory_mb;
  auto log = opt_.log;
  auto* recs = &records_;
  auto* queue = events_.get();
  auto started_unix = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string version = fn.version;
  if (log) log(name, logs::start_line(rid, version));
  // With extensions the caller may have its answer before the invoke is over (the REPORT,
  // written when it is, then counts their time too): `then` runs once, whichever comes first.
  auto answer = std::make_shared<std::function<void(env::invoke_outcome)>>(std::move(then));
  req.answered = [answer, rid, version](const env::invoke_outcome& early) {
    if (!*answer) return;
    env::invoke_outcome o = early;
    o.log = logs::start_line(rid, version) + "\n" + o.log;
    auto f = std::move(*answer);
    *answer = nullptr;
    f(std::move(o));
  };
  bool accepted = pool_.invoke(
      fn, task_root, opt_root ? *opt_root : std::filesystem::path(), std::move(req),
      [answer, rid, name, version, memory, log, recs, queue, received, started_unix, chosen,
       type](env::invoke_outcome o) {
        logs::report rep;
        rep.request_id = rid;
        rep.duration_ms = o.invoke_ms;
        rep.memory_size_mb = memory;
        rep.max_memory_used_mb = o.max_memory_mb;
        if (o.cold && o.init_ms > 0) rep.init_duration_ms = o.init_ms;
        rep.timeout = o.status == env::invoke_status::timeout;
        std::string end = logs::end_line(rid);
        std::string report = logs::report_line(rep);
        if (log) {
          log(name, end);
          log(name, report);
        }
        auto now = clock_type::now();
        invocation_record rec;
        rec.request_id = rid;
        rec.function = name;
        rec.type = type;
        rec.status = env::to_string(o.status);
        rec.cold = o.cold;
        rec.queue_ms = ms_between(received, chosen);
        rec.spawn_ms = o.spawn_ms;
        rec.init_ms = std::max(0.0, o.init_ms - o.spawn_ms);
        rec.invoke_ms = o.invoke_ms;
        rec.total_ms = ms_between(received, now);
        rec.overhead_ms =
            std::max(0.0, rec.total_ms - rec.queue_ms - rec.spawn_ms - rec.init_ms - rec.invoke_ms);
        rec.max_memory_mb = o.max_memory_mb;
        rec.started_unix_ms = started_unix / 1000;
        rec.started_unix_us = started_unix;
        recs->add(std::move(rec));
        o.log = logs::start_line(rid, version) + "\n" + o.log + end + "\n" + report + "\n";
        if (*answer) {
          auto f = std::move(*answer);
          *answer = nullptr;
          f(std::move(o));
        }
        queue->environment_freed(name);
      },
      fn.reserved_concurrency);
  return accepted;
}

void lambda_api::invoke_async(const function_config& fn, const std::string& qualifier,
                              env::invoke_request req, const http::responder& respond,
                              const std::string& rid) {
  events::event e;
  e.request_id = req.request_id;
  e.function = fn.name;
  e.qualifier = qualifier;  // resolved again at each attempt: an alias may point elsewhere by then
  e.payload = std::move(req.payload);
  e.trace_id = std::move(req.trace_id);
  e.client_context = std::move(req.client_context);
  e.accepted_ms = events::unix_ms_now();
  e.next_ms = e.accepted_ms;
  events_->accept(std::move(e), [respond, rid](const result<void>& stored) {
    if (!stored) {
      service_error err =
          stored.error().code == std::errc::no_buffer_space
              ? service_error{429, "TooManyRequestsException", stored.error().detail, {}}
              : service_failure(stored.error().detail);
      return respond(to_response(err, rid));
    }
    http::response res;
    res.status = 202;
    res.set("x-amzn-RequestId", rid);
    respond(std::move(res));
  });
}

}  // namespace lambdakit::platform::api
