// Versions and aliases: PublishVersion, ListVersionsByFunction, the alias calls, and how a
// qualifier (a version, an alias, $LATEST) resolves to the configuration that runs.
#include <nlohmann/json.hpp>

#include "base/parse.h"
#include "base/random.h"
#include "platform/api/lambda_api.h"
#include "platform/api/responses.h"
#include "platform/api/version_json.h"

namespace lambdakit::platform::api {
namespace {

// ?MaxItems (1..10000, default 50), or the ValidationException to answer.
api_result<int> max_items(const http::request& r) {
  auto m = http::query_param(r.query(), "MaxItems");
  if (!m) return 50;
  auto parsed = base::parse_integer(*m, 1, 10000);
  if (!parsed) {
    return validation("1 validation error detected: Value '" + *m +
                      "' at 'maxItems' failed to satisfy constraint: Member must have value "
                      "between 1 and 10000");
  }
  return static_cast<int>(*parsed);
}

service_error alias_not_found(const std::string& alias_arn) {
  return {404, "ResourceNotFoundException", "Cannot find alias arn: " + alias_arn, {}};
}

// A function's aliases are few (one per stage or deployment): read whole, then filtered.
constexpr int all_aliases = 1 << 30;

// Whether alias `a` sends invokes to `version`.
bool routes_to(const alias_config& a, const std::string& version) {
  return a.function_version == version || a.additional_weights.contains(version);
}

}  // namespace

api_result<lambda_api::resolved> lambda_api::resolve(const std::string& name_or_arn,
                                                     const std::optional<std::string>& q,
                                                     bool route) {
  auto ref = parse_function_ref(name_or_arn);
  if (!ref) return not_found(function_arn(name_or_arn, opt_.region, opt_.account));
  std::string qualifier = ref->qualifier;
  if (q) {
    if (!qualifier.empty() && *q != qualifier) {
      return invalid_parameter(
          "The derived qualifier from the function name does not match the specified "
          "qualifier.");
    }
    qualifier = *q;
    bool ok = !q->empty() && q->size() <= 128 && std::all_of(q->begin(), q->end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '$' || c == '_' || c == '-';
    });
    if (!ok) {
      return validation("1 validation error detected: Value '" + *q +
                        "' at 'qualifier' failed to satisfy constraint: Member must satisfy "
                        "regular expression pattern: (|[a-zA-Z0-9$_-]+)");
    }
  }
  std::string arn = function_arn(ref->name, opt_.region, opt_.account);
  auto latest = functions_.get(ref->name);
  if (!latest) return service_failure(latest.error().message());
  if (!*latest) return not_found(qualifier.empty() ? arn : arn + ":" + qualifier);
  if (qualifier.empty() || qualifier == "$LATEST") return resolved{std::move(**latest), qualifier};
  std::string version = qualifier;
  if (!version_number(qualifier)) {
    auto alias = functions_.get_alias(ref->name, qualifier);
    if (!alias) return service_failure(alias.error().message());
    if (!*alias) return not_found(arn + ":" + qualifier);
    version = (*alias)->function_version;
    if (route) {
      for (const auto& [other, weight] : (*alias)->additional_weights) {
        if (base::random_unit() < weight) version = other;
      }
    }
    if (version == "$LATEST") return resolved{std::move(**latest), qualifier};
  }
  auto v = functions_.get_version(ref->name, *version_number(version));
  if (!v) return service_failure(v.error().message());
  if (!*v) return not_found(arn + ":" + version);
  return resolved{std::move(**v), qualifier};
}

api_result<function_config> lambda_api::publish(function_config latest,
                                                const std::optional<std::string>& description) {
  if (latest.last_version > 0 && latest.published_revision_id == latest.runtime_revision) {
    // Nothing changed since the last publish: AWS answers that version again.
    auto last = functions_.get_version(latest.name, latest.last_version);
    if (!last) return service_failure(last.error().message());
    if (*last) return std::move(**last);
  }
  function_config v = latest;
  v.version = std::to_string(latest.last_version + 1);
  if (description) v.description = *description;
  v.revision_id = new_revision_id();
  v.runtime_revision = v.revision_id;
  v.last_modified = timestamp_now();
  v.last_version = 0;
  v.published_revision_id.clear();
  v.reserved_concurrency = -1;  // the function's, kept on $LATEST
  latest.last_version += 1;
  latest.published_revision_id = latest.runtime_revision;
  // AWS gives $LATEST a new RevisionId on publish; its environments run on (runtime_revision).
  latest.revision_id = new_revision_id();
  if (auto p = functions_.put_version(v, latest); !p) return service_failure(p.error().message());
  return v;
}

void lambda_api::versions(const std::string& name, const http::request& r,
                          const http::responder& respond, const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  auto ref = parse_function_ref(name);
  if (ref && !ref->qualifier.empty()) {
    return fail(
        invalid_parameter("Versions are listed and published for a function name, not "
                          "a qualified one (" +
                          name + ")"));
  }
  auto found = find(name, respond, rid);
  if (!found) return;
  if (r.method == "POST") {
    auto req = parse_publish(r.body);
    if (!req) return fail(req.error());
    if (req->revision_id && *req->revision_id != found->revision_id)
      return fail(precondition_failed());
    if (req->code_sha256 && *req->code_sha256 != found->code_sha256_base64) {
      return fail(invalid_parameter("CodeSHA256 (" + *req->code_sha256 +
                                    ") is different from current CodeSHA256 in $LATEST (" +
                                    found->code_sha256_base64 +
                                    "). Please try again with the CodeSHA256 in $LATEST."));
    }
    auto v = publish(std::move(*found), req->description);
    if (!v) return fail(v.error());
    return respond(
        json_response(201, configuration_json(*v, opt_.region, opt_.account, v->version), rid));
  }
  if (r.method != "GET") {
    return fail({405,
                 "UnknownOperationException",
                 "use POST (PublishVersion) or GET (ListVersionsByFunction)",
                 {}});
  }
  auto max = max_items(r);
  if (!max) return fail(max.error());
  // The marker is the last version of the page before: $LATEST comes first, then 1, 2, ...
  std::string marker = http::query_param(r.query(), "Marker").value_or("");
  nlohmann::json list = nlohmann::json::array();
  int after = 0;
  if (marker.empty()) {
    list.push_back(
        nlohmann::json::parse(configuration_json(*found, opt_.region, opt_.account, "$LATEST")));
  } else if (marker != "$LATEST") {
    auto n = version_number(marker);
    if (!n) return fail(invalid_parameter("Marker " + marker + " is not one this service gave"));
    after = *n;
  }
  auto page =
      functions_.list_versions(found->name, after, *max + 1 - static_cast<int>(list.size()));
  if (!page) return fail(service_failure(page.error().message()));
  for (const auto& v : *page)
    list.push_back(
        nlohmann::json::parse(configuration_json(v, opt_.region, opt_.account, v.version)));
  nlohmann::json j = {{"Versions", nlohmann::json::array()}};
  for (int i = 0; i < static_cast<int>(list.size()) && i < *max; ++i)
    j["Versions"].push_back(list[static_cast<std::size_t>(i)]);
  if (static_cast<int>(list.size()) > *max) j["NextMarker"] = j["Versions"].back()["Version"];
  respond(json_response(200, j.dump(), rid));
}

api_result<void> lambda_api::check_alias_targets(const alias_config& a) {
  std::string arn = function_arn(a.function, opt_.region, opt_.account);
  std::vector<std::string> targets{a.function_version};
  for (const auto& [version, weight] : a.additional_weights) targets.push_back(version);
  for (const auto& version : targets) {
    if (version == "$LATEST") continue;
    auto v = functions_.get_version(a.function, *version_number(version));
    if (!v) return service_failure(v.error().message());
    if (!*v) return not_found(arn + ":" + version);
  }
  return {};
}

void lambda_api::aliases(const std::string& name, const std::string& alias, const http::request& r,
                         const http::responder& respond, const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  auto found = find(name, respond, rid);
  if (!found) return;
  const std::string fn = found->name;
  std::string alias_arn = function_arn(fn, opt_.region, opt_.account) + ":" + alias;
  const std::string& m = r.method;
  if (alias.empty() && m == "POST") {  // CreateAlias
    alias_config a;
    a.function = fn;
    if (auto p = parse_alias(r.body, true, a); !p) return fail(p.error());
    alias_arn += a.name;
    auto existing = functions_.get_alias(fn, a.name);
    if (!existing) return fail(service_failure(existing.error().message()));
    if (*existing) return fail(conflict("Alias already exists: " + alias_arn));
    if (auto t = check_alias_targets(a); !t) return fail(t.error());
    a.revision_id = new_revision_id();
    if (auto p = functions_.put_alias(a); !p) return fail(service_failure(p.error().message()));
    return respond(json_response(201, alias_json(a, opt_.region, opt_.account), rid));
  }
  if (alias.empty() && m == "GET") {  // ListAliases
    auto max = max_items(r);
    if (!max) return fail(max.error());
    auto only = http::query_param(r.query(), "FunctionVersion");
    std::string marker = http::query_param(r.query(), "Marker").value_or("");
    auto all = functions_.list_aliases(fn, marker, all_aliases);
    if (!all) return fail(service_failure(all.error().message()));
    nlohmann::json list = nlohmann::json::array();
    bool more = false;
    std::string last;
    for (const auto& a : *all) {
      if (only && !routes_to(a, *only)) continue;
      if (static_cast<int>(list.size()) == *max) {
        more = true;
        break;
      }
      list.push_back(nlohmann::json::parse(alias_json(a, opt_.region, opt_.account)));
      last = a.name;
    }
    nlohmann::json j = {{"Aliases", list}};
    if (more) j["NextMarker"] = last;
    return respond(json_response(200, j.dump(), rid));
  }
  if (alias.empty()) {
    return fail(
        {405, "UnknownOperationException", "use POST (CreateAlias) or GET (ListAliases)", {}});
  }
  auto existing = functions_.get_alias(fn, alias);
  if (!existing) return fail(service_failure(existing.error().message()));
  if (!*existing) {
    if (m == "DELETE") return respond(no_content(rid));  // AWS: deleting none is done
    if (m == "PUT")
      return fail({404, "ResourceNotFoundException", "Alias not found: " + alias_arn, {}});
    return fail(alias_not_found(alias_arn));
  }
  alias_config a = std::move(**existing);
  if (m == "GET") return respond(json_response(200, alias_json(a, opt_.region, opt_.account), rid));
  if (m == "PUT") {  // UpdateAlias
    if (auto p = parse_alias(r.body, false, a); !p) return fail(p.error());
    if (auto t = check_alias_targets(a); !t) return fail(t.error());
    a.revision_id = new_revision_id();
    if (auto p = functions_.put_alias(a); !p) return fail(service_failure(p.error().message()));
    return respond(json_response(200, alias_json(a, opt_.region, opt_.account), rid));
  }
  if (m == "DELETE") {
    if (auto d = functions_.remove_alias(fn, alias); !d)
      return fail(service_failure(d.error().message()));
    return respond(no_content(rid));
  }
  fail({405, "UnknownOperationException", "use GET, PUT or DELETE on an alias", {}});
}

void lambda_api::remove_version(const function_config& latest, const std::string& qualifier,
                                const http::responder& respond, const std::string& rid) {
  auto fail = [&](const service_error& e) { respond(to_response(e, rid)); };
  std::string arn = function_arn(latest.name, opt_.region, opt_.account);
  if (qualifier == "$LATEST") {
    return fail(
        invalid_parameter("$LATEST version cannot be deleted without deleting the function."));
  }
  auto n = version_number(qualifier);
  if (!n) {  // AWS's words; DeleteAlias deletes an alias
    return fail(invalid_parameter("Deletion of aliases is not currently supported."));
  }
  auto v = functions_.get_version(latest.name, *n);
  if (!v) return fail(service_failure(v.error().message()));
  if (!*v) return respond(no_content(rid));  // AWS: deleting a version that is not there is done
  auto all = functions_.list_aliases(latest.name, "", all_aliases);
  if (!all) return fail(service_failure(all.error().message()));
  std::vector<std::string> users;
  for (const auto& a : *all) {
    if (routes_to(a, qualifier)) users.push_back(a.name);
  }
  if (!users.empty()) {
    std::string names;
    for (const auto& u : users) names += (names.empty() ? "" : ", ") + u;
    return fail(conflict("Unable to delete version because the following aliases reference it: [" +
                         names + "]"));
  }
  if (auto d = functions_.remove_version(latest.name, *n); !d)
    return fail(service_failure(d.error().message()));
  pool_.retire(latest.name, qualifier);
  collector_->maybe_unused((*v)->code_sha256);
  for (const auto& l : (*v)->layers) collector_->maybe_unused(l.code_sha256);
  respond(no_content(rid));
}

}  // namespace lambdakit::platform::api
