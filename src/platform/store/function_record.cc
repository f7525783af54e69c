#include "platform/store/function_record.h"

#include <nlohmann/json.hpp>

namespace lambdakit::platform::store {
namespace {

using json = nlohmann::json;

failure not_json(const char* what) {
  return failure{std::make_error_code(std::errc::io_error),
                 std::string("a ") + what + " record in the database is not JSON"};
}

}  // namespace

std::string to_record(const function_config& f) {
  json j = {{"name", f.name},
            {"runtime", f.runtime},
            {"handler", f.handler},
            {"role", f.role},
            {"description", f.description},
            {"timeout_s", f.timeout_s},
            {"memory_mb", f.memory_mb},
            {"ephemeral_mb", f.ephemeral_mb},
            {"environment", f.environment},
            {"tags", f.tags},
            {"architectures", f.architectures},
            {"package_type", f.package_type},
            {"code_sha256", f.code_sha256},
            {"code_sha256_base64", f.code_sha256_base64},
            {"code_size", f.code_size},
            {"last_modified", f.last_modified},
            {"revision_id", f.revision_id},
            {"runtime_revision", f.runtime_revision},
            {"reserved_concurrency", f.reserved_concurrency},
            {"dead_letter_target", f.dead_letter_target},
            {"version", f.version},
            {"last_version", f.last_version},
            {"published_revision_id", f.published_revision_id}};
  json layers = json::array();
  for (const auto& l : f.layers) {
    layers.push_back({{"arn", l.arn},
                      {"code_size", l.code_size},
                      {"code_sha256", l.code_sha256},
                      {"unzipped_bytes", l.unzipped_bytes}});
  }
  j["layers"] = std::move(layers);
  return j.dump();
}

result<function_config> function_from_record(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return not_json("function");
  function_config f;
  f.name = j.value("name", "");
  f.runtime = j.value("runtime", "");
  f.handler = j.value("handler", "");
  f.role = j.value("role", "");
  f.description = j.value("description", "");
  f.timeout_s = j.value("timeout_s", 3);
  f.memory_mb = j.value("memory_mb", 128);
  f.ephemeral_mb = j.value("ephemeral_mb", 512);
  f.environment = j.value("environment", std::map<std::string, std::string>{});
  f.tags = j.value("tags", std::map<std::string, std::string>{});
  f.architectures = j.value("architectures", std::vector<std::string>{"x86_64"});
  f.package_type = j.value("package_type", "Zip");
  f.code_sha256 = j.value("code_sha256", "");
  f.code_sha256_base64 = j.value("code_sha256_base64", "");
  f.code_size = j.value("code_size", std::int64_t{0});
  f.last_modified = j.value("last_modified", "");
  f.revision_id = j.value("revision_id", "");
  f.runtime_revision = j.value("runtime_revision", f.revision_id);
  f.reserved_concurrency = j.value("reserved_concurrency", -1);
  f.dead_letter_target = j.value("dead_letter_target", "");
  f.version = j.value("version", "$LATEST");
  f.last_version = j.value("last_version", 0);
  f.published_revision_id = j.value("published_revision_id", "");
  if (auto it = j.find("layers"); it != j.end() && it->is_array()) {
    for (const auto& l : *it) {
      if (!l.is_object()) return not_json("function layer");
      f.layers.push_back({l.value("arn", ""), l.value("code_size", std::int64_t{0}),
                          l.value("code_sha256", ""), l.value("unzipped_bytes", std::uint64_t{0})});
    }
  }
  return f;
}

std::string to_record(const alias_config& a) {
  json j = {{"function", a.function},
            {"name", a.name},
            {"function_version", a.function_version},
            {"description", a.description},
            {"additional_weights", a.additional_weights},
            {"revision_id", a.revision_id}};
  return j.dump();
}

result<alias_config> alias_from_record(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return not_json("alias");
  alias_config a;
  a.function = j.value("function", "");
  a.name = j.value("name", "");
  a.function_version = j.value("function_version", "$LATEST");
  a.description = j.value("description", "");
  a.additional_weights = j.value("additional_weights", std::map<std::string, double>{});
  a.revision_id = j.value("revision_id", "");
  return a;
}

std::string to_record(const url_config& u) {
  json j = {{"function", u.function},
            {"qualifier", u.qualifier},
            {"url_id", u.url_id},
            {"auth_type", u.auth_type},
            {"invoke_mode", u.invoke_mode},
            {"creation_time", u.creation_time},
            {"last_modified", u.last_modified}};
  if (u.cors.set) {
    j["cors"] = {
        {"allow_credentials", u.cors.allow_credentials}, {"allow_headers", u.cors.allow_headers},
        {"allow_methods", u.cors.allow_methods},         {"allow_origins", u.cors.allow_origins},
        {"expose_headers", u.cors.expose_headers},       {"max_age", u.cors.max_age}};
  }
  return j.dump();
}

result<url_config> url_from_record(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return not_json("function URL");
  url_config u;
  u.function = j.value("function", "");
  u.qualifier = j.value("qualifier", "");
  u.url_id = j.value("url_id", "");
  u.auth_type = j.value("auth_type", "NONE");
  u.invoke_mode = j.value("invoke_mode", "BUFFERED");
  u.creation_time = j.value("creation_time", "");
  u.last_modified = j.value("last_modified", "");
  if (auto c = j.find("cors"); c != j.end() && c->is_object()) {
    using strings = std::vector<std::string>;
    u.cors.set = true;
    u.cors.allow_credentials = c->value("allow_credentials", false);
    u.cors.allow_headers = c->value("allow_headers", strings{});
    u.cors.allow_methods = c->value("allow_methods", strings{});
    u.cors.allow_origins = c->value("allow_origins", strings{});
    u.cors.expose_headers = c->value("expose_headers", strings{});
    u.cors.max_age = c->value("max_age", -1);
  }
  return u;
}

std::string to_record(const layer_version& v) {
  json j = {{"name", v.name},
            {"version", v.version},
            {"description", v.description},
            {"compatible_runtimes", v.compatible_runtimes},
            {"compatible_architectures", v.compatible_architectures},
            {"license_info", v.license_info},
            {"created_date", v.created_date},
            {"code_sha256", v.code_sha256},
            {"code_sha256_base64", v.code_sha256_base64},
            {"code_size", v.code_size},
            {"unzipped_bytes", v.unzipped_bytes}};
  return j.dump();
}

result<layer_version> layer_from_record(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return not_json("layer version");
  layer_version v;
  v.name = j.value("name", "");
  v.version = j.value("version", 0);
  v.description = j.value("description", "");
  v.compatible_runtimes = j.value("compatible_runtimes", std::vector<std::string>{});
  v.compatible_architectures = j.value("compatible_architectures", std::vector<std::string>{});
  v.license_info = j.value("license_info", "");
  v.created_date = j.value("created_date", "");
  v.code_sha256 = j.value("code_sha256", "");
  v.code_sha256_base64 = j.value("code_sha256_base64", "");
  v.code_size = j.value("code_size", std::int64_t{0});
  v.unzipped_bytes = j.value("unzipped_bytes", std::uint64_t{0});
  return v;
}

}  // namespace lambdakit::platform::store
