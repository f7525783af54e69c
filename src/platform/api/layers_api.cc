// Layers: PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayers,
// ListLayerVersions, DeleteLayerVersion (/2018-10-31/layers), and a function's Layers: the
// version ARNs it names resolved to stored layer code, with AWS's checks and texts.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "base/parse.h"
#include "platform/api/lambda_api.h"
#include "platform/api/layer_json.h"
#include "platform/api/responses.h"

namespace lambdakit::platform::api {
using json = nlohmann::json;
namespace {

service_error resource_not_found() {
  return {404, "ResourceNotFoundException", "The resource you requested does not exist.", {}};
}

// ?MaxItems of the layer calls: 1..50.
api_result<int> layer_max_items(const http::request& r) {
  auto m = http::query_param(r.query(), "MaxItems");
  if (!m) return 50;
  auto parsed = base::parse_integer(*m, 1, 50);
  if (!parsed) {
    return validation("1 validation error detected: Value '" + *m +
                      "' at 'maxItems' failed to satisfy constraint: Member must have value "
                      "between 1 and 50");
  }
  return static_cast<int>(*parsed);
}

// ?CompatibleArchitecture must be one of Lambda's.
api_result<std::optional<std::string>> architecture_filter(const http::request& r) {
  auto a = http::query_param(r.query(), "CompatibleArchitecture");
  if (a && *a != "x86_64" && *a != "arm64") {
    return validation("1 validation error detected: Value '" + *a +
                      "' at 'compatibleArchitecture' failed to satisfy constraint: Member must "
                      "satisfy enum value set: [x86_64, arm64]");
  }
  return a;
}

}  // namespace

void lambda_api::layers(const std::vector<std::string>& parts, http::request&& r,
                        const http::responder& respond, const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  const std::string& m = r.method;
  if (parts.size() == 2 && m == "GET") {
    if (http::query_param(r.query(), "find").value_or("") == "LayerVersion")
      return layer_version_by_arn(http::query_param(r.query(), "Arn").value_or(""), respond, rid);
    return list_layers(r, respond, rid);
  }
  if (parts.size() < 4 || parts[3] != "versions" || parts.size() > 5) {
    return fail({404,
                 "UnknownOperationException",
                 "Unknown operation " + m + " " + std::string(r.path()) +
                     " (layer permissions are not supported)",
                 {}});
  }
  auto name = layer_name_of(parts[2]);
  if (!name) return fail(name.error());
  if (parts.size() == 4) {
    if (m == "POST") return publish_layer(*name, std::move(r), respond, rid);
    if (m == "GET") return list_layer_versions(*name, r, respond, rid);
  } else {
    auto version = layer_version_number(parts[4]);
    if (!version) return fail(version.error());
    if (m == "GET") return get_layer_version(*name, *version, respond, rid);
    if (m == "DELETE") return delete_layer_version(*name, *version, respond, rid);
  }
  fail({405,
        "UnknownOperationException",
        "Unknown operation " + m + " " + std::string(r.path()),
        {}});
}

void lambda_api::publish_layer(const std::string& name, http::request&& r,
                               const http::responder& respond, const std::string& rid) {
  collector_->upload_started();
  on_worker([this, name, body = std::move(r.body), respond, rid]() mutable {
    auto parsed = parse_publish_layer(body, name);
    body = std::string();
    std::optional<result<store::stored_code>> stored;
    if (parsed) stored = code_.add(parsed->zip);
    if (parsed) parsed->zip = std::string();
    boost::asio::post(pool_.io(), [this, parsed = std::move(parsed), stored = std::move(stored),
                                   respond, rid]() mutable {
      std::string sha = stored && *stored ? (*stored)->sha256_hex : std::string();
      [&] {
        if (!parsed) return respond(to_response(parsed.error(), rid));
        if (!*stored) {
          return respond(to_response(code_error(stored->error(), "PublishLayerVersion"), rid));
        }
        layer_version v = std::move(parsed->version);
        v.created_date = timestamp_now();
        v.code_sha256 = (*stored)->sha256_hex;
        v.code_sha256_base64 = (*stored)->sha256_base64;
        v.code_size = (*stored)->size;
        v.unzipped_bytes = (*stored)->unzipped_bytes;
        auto published = layers_.publish(std::move(v));
        if (!published)
          return respond(to_response(service_failure(published.error().message()), rid));
        respond(json_response(201,
                              layer_version_json(*published, opt_.region, opt_.account,
                                                 "file://" + code_.task_root(sha).string()),
                              rid));
      }();
      collector_->upload_finished();
      collector_->maybe_unused(sha);  // extracted for a publish that was refused
    });
  });
}

void lambda_api::get_layer_version(const std::string& name, int version,
                                   const http::responder& respond, const std::string& rid) {
  auto v = layers_.get(name, version);
  if (!v) return respond(to_response(service_failure(v.error().message()), rid));
  if (!*v) return respond(to_response(resource_not_found(), rid));
  respond(json_response(200,
                        layer_version_json(**v, opt_.region, opt_.account,
                                           "file://" + code_.task_root((*v)->code_sha256).string()),
                        rid));
}

void lambda_api::layer_version_by_arn(const std::string& arn, const http::responder& respond,
                                      const std::string& rid) {
  auto a = parse_layer_arn(arn);
  if (!a || a->version == 0) {
    return respond(to_response(
        validation("1 validation error detected: Value '" + arn +
                   "' at 'arn' failed to satisfy constraint: Member must satisfy regular "
                   "expression pattern: "
                   "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:"
                   "\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+"),
        rid));
  }
  if (a->region != opt_.region || a->account != opt_.account)
    return respond(to_response(resource_not_found(), rid));
  get_layer_version(a->name, a->version, respond, rid);
}

void lambda_api::list_layer_versions(const std::string& name, const http::request& r,
                                     const http::responder& respond, const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  auto max = layer_max_items(r);
  if (!max) return fail(max.error());
  auto arch = architecture_filter(r);
  if (!arch) return fail(arch.error());
  auto runtime = http::query_param(r.query(), "CompatibleRuntime");
  int before = 0;
  if (auto marker = http::query_param(r.query(), "Marker")) {
    auto n = base::parse_integer(*marker, 1, 2147483647);
    if (!n) return fail(invalid_parameter("Marker " + *marker + " is not one this service gave"));
    before = static_cast<int>(*n);
  }
  json list = json::array();
  std::optional<int> next;
  while (true) {  // filtered versions are skipped, so read on until the page is full
    auto page = layers_.versions(name, before, 100);
    if (!page) return fail(service_failure(page.error().message()));
    for (const auto& v : *page) {
      before = v.version;
      if (!layer_matches(v, runtime, *arch)) continue;
      if (static_cast<int>(list.size()) == *max) {
        next = list.back()["Version"].get<int>();
        break;
      }
      list.push_back(json::parse(layer_version_json(v, opt_.region, opt_.account, std::nullopt)));
    }
    if (next || page->size() < 100) break;
  }
  json j = {{"LayerVersions", list}};
  if (next) j["NextMarker"] = std::to_string(*next);
  respond(json_response(200, j.dump(), rid));
}

void lambda_api::list_layers(const http::request& r, const http::responder& respond,
                             const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  auto max = layer_max_items(r);
  if (!max) return fail(max.error());
  auto arch = architecture_filter(r);
  if (!arch) return fail(arch.error());
  auto runtime = http::query_param(r.query(), "CompatibleRuntime");
  std::string marker = http::query_param(r.query(), "Marker").value_or("");
  json list = json::array();
  bool more = false;
  while (!more) {
    auto names = layers_.names(marker, 100);
    if (!names) return fail(service_failure(names.error().message()));
    for (const auto& name : *names) {
      marker = name;
      // The newest version that matches the filters.
      std::optional<layer_version> latest;
      for (int before = 0; !latest;) {
        auto page = layers_.versions(name, before, 100);
        if (!page) return fail(service_failure(page.error().message()));
        for (const auto& v : *page) {
          before = v.version;
          if (layer_matches(v, runtime, *arch)) {
            latest = v;
            break;
          }
        }
        if (page->size() < 100) break;
      }
      if (!latest) continue;
      if (static_cast<int>(list.size()) == *max) {
        more = true;
        break;
      }
      list.push_back(
          {{"LayerName", name},
           {"LayerArn", layer_arn_of(name, opt_.region, opt_.account)},
           {"LatestMatchingVersion",
            json::parse(layer_version_json(*latest, opt_.region, opt_.account, std::nullopt))}});
    }
    if (names->size() < 100) break;
  }
  json j = {{"Layers", list}};
  if (more) j["NextMarker"] = list.back()["LayerName"];
  respond(json_response(200, j.dump(), rid));
}

void lambda_api::delete_layer_version(const std::string& name, int version,
                                      const http::responder& respond, const std::string& rid) {
  auto v = layers_.get(name, version);
  if (!v) return respond(to_response(service_failure(v.error().message()), rid));
  if (*v) {
    auto removed = layers_.remove(name, version);
    if (!removed) return respond(to_response(service_failure(removed.error().message()), rid));
    collector_->maybe_unused((*v)->code_sha256);  // functions that use it keep it
  }
  respond(no_content(rid));  // AWS answers 204 for a version that was never there too
}

api_result<std::vector<layer_ref>> lambda_api::resolve_layers(const std::vector<std::string>& arns,
                                                              const function_config& fn,
                                                              std::uint64_t code_unzipped) {
  if (arns.size() > 5) return invalid_parameter("Cannot reference more than 5 layers.");
  std::vector<layer_ref> out;
  std::map<std::string, std::string> seen;  // account:name -> the ARN that named it
  for (const auto& arn : arns) {
    auto a = parse_layer_arn(arn);
    if (!a || a->version == 0)
      return invalid_parameter("Layer version " + arn + " does not exist.");
    if (a->region != opt_.region) {
      return invalid_parameter(
          "Layers are not in the same region as the function. Layers are expected to be in "
          "region " +
          opt_.region + ".");
    }
    auto [at, fresh] = seen.emplace(a->account + ":" + a->name, arn);
    if (!fresh) {
      return invalid_parameter(
          "Two different versions of the same layer are not allowed to be referenced in the "
          "same function. " +
          at->second + " and " + arn + " are versions of the same layer.");
    }
    // A function keeps a layer version it already uses, even once that version is deleted.
    auto kept = std::find_if(fn.layers.begin(), fn.layers.end(),
                             [&](const layer_ref& l) { return l.arn == arn; });
    if (kept != fn.layers.end()) {
      out.push_back(*kept);
      continue;
    }
    if (a->account != opt_.account) {
      return invalid_parameter("Layer version " + arn +
                               " does not exist. (lambdakit serve has only the layers published "
                               "to it, in account " +
                               opt_.account + ")");
    }
    auto v = layers_.get(a->name, a->version);
    if (!v) return service_failure(v.error().message());
    if (!*v) return invalid_parameter("Layer version " + arn + " does not exist.");
    out.push_back({arn, (*v)->code_size, (*v)->code_sha256, (*v)->unzipped_bytes});
  }
  if (auto fits = check_unzipped_total(out, code_unzipped); !fits) return std::move(fits).error();
  if (auto tree = trees_.ensure(out); !tree) return service_failure(tree.error().message());
  return out;
}

api_result<void> lambda_api::check_unzipped_total(const std::vector<layer_ref>& layers,
                                                  std::uint64_t code_unzipped) {
  std::uint64_t total = code_unzipped;
  for (const auto& l : layers) total += l.unzipped_bytes;
  if (total > store::max_unzipped_bytes) {
    return invalid_parameter(
        "Function code combined with layers exceeds the maximum allowed size of " +
        std::to_string(store::max_unzipped_bytes) + " bytes. The actual size is " +
        std::to_string(total) + " bytes.");
  }
  return {};
}

}  // namespace lambdakit::platform::api
