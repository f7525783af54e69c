#include "platform/api/layer_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "platform/api/function_json.h"
#include "wire/base64.h"

namespace lambdakit::platform::api {
using json = nlohmann::json;
namespace {

std::string too_long(const std::string& value, const char* member, std::size_t max) {
  return "1 validation error detected: Value '" + value + "' at '" + member +
         "' failed to satisfy constraint: Member must have length less than or equal to " +
         std::to_string(max);
}

bool is_layer_name(std::string_view s) {
  return !s.empty() && s.size() <= 140 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// AWS's Runtime enum is long and grows; what it holds has these forms.
bool is_runtime_name(const std::string& s) {
  static const std::regex re(
      R"(^(nodejs|python|java|dotnet|dotnetcore|ruby|go|provided)([0-9]+(\.[0-9]+)*)?(\.x)?(\.al2(023)?)?(-al2)?$)");
  return std::regex_match(s, re);
}

api_result<std::vector<std::string>> string_list(const json& j, const char* field,
                                                 const char* member, std::size_t max) {
  std::vector<std::string> out;
  if (!j.contains(field)) return out;
  if (!j[field].is_array())
    return invalid_content(std::string("Field ") + field + " must be an array of strings");
  for (const auto& v : j[field]) {
    if (!v.is_string())
      return invalid_content(std::string("Field ") + field + " must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  if (out.size() > max) {
    return validation("1 validation error detected: Value '" + j[field].dump() + "' at '" + member +
                      "' failed to satisfy constraint: Member must have length less than or "
                      "equal to " +
                      std::to_string(max));
  }
  return out;
}

}  // namespace

api_result<publish_layer_request> parse_publish_layer(const std::string& body,
                                                      const std::string& name) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return invalid_content("Could not parse request body into json: the body is not valid JSON");
  static const std::set<std::string> fields = {"Description", "Content", "CompatibleRuntimes",
                                               "LicenseInfo", "CompatibleArchitectures"};
  for (const auto& [k, v] : j.items()) {
    if (!fields.contains(k))
      return invalid_content("Unknown field \"" + k + "\" in the PublishLayerVersion request");
  }
  publish_layer_request r;
  layer_version& v = r.version;
  v.name = name;
  for (const char* f : {"Description", "LicenseInfo"}) {
    if (j.contains(f) && !j[f].is_string())
      return invalid_content(std::string("Field ") + f + " must be a string");
  }
  v.description = j.value("Description", "");
  if (v.description.size() > 256) return validation(too_long(v.description, "description", 256));
  v.license_info = j.value("LicenseInfo", "");
  if (v.license_info.size() > 512) return validation(too_long(v.license_info, "licenseInfo", 512));
  auto runtimes = string_list(j, "CompatibleRuntimes", "compatibleRuntimes", 15);
  if (!runtimes) return std::move(runtimes).error();
  for (const auto& rt : *runtimes) {
    if (!is_runtime_name(rt)) {
      return validation("1 validation error detected: Value '" + j["CompatibleRuntimes"].dump() +
                        "' at 'compatibleRuntimes' failed to satisfy constraint: Member must "
                        "satisfy constraint: [Member must satisfy enum value set: [a Lambda "
                        "runtime such as provided.al2023, python3.12 or nodejs22.x]]");
    }
  }
  v.compatible_runtimes = std::move(runtimes).value();
  auto archs = string_list(j, "CompatibleArchitectures", "compatibleArchitectures", 2);
  if (!archs) return std::move(archs).error();
  for (const auto& a : *archs) {
    if (a != "x86_64" && a != "arm64") {
      return validation("1 validation error detected: Value '" +
                        j["CompatibleArchitectures"].dump() +
                        "' at 'compatibleArchitectures' failed to satisfy constraint: Member "
                        "must satisfy constraint: [Member must satisfy enum value set: [x86_64, "
                        "arm64]]");
    }
  }
  v.compatible_architectures = std::move(archs).value();
  if (!j.contains("Content")) {
    return validation(
        "1 validation error detected: Value null at 'content' failed to satisfy constraint: "
        "Member must not be null");
  }
  const json& content = j["Content"];
  if (!content.is_object()) return invalid_content("Field Content must be an object");
  if (!content.contains("ZipFile")) {
    if (content.contains("S3Bucket")) {
      return invalid_parameter(
          "lambdakit serve takes layer content as ZipFile only (no S3): pass --zip-file "
          "fileb://layer.zip");
    }
    return invalid_parameter("Content.ZipFile is required");
  }
  if (!content["ZipFile"].is_string())
    return invalid_content("Field ZipFile must be a base64 string");
  auto zip = wire::base64::decode(content["ZipFile"].get<std::string>());
  if (!zip) return invalid_parameter("Could not decode ZipFile: it is not base64");
  r.zip = std::move(*zip);
  return r;
}

std::optional<layer_arn> parse_layer_arn(std::string_view s) {
  std::vector<std::string_view> parts;
  while (true) {
    auto colon = s.find(':');
    parts.push_back(s.substr(0, colon));
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  if (parts.size() != 7 && parts.size() != 8) return std::nullopt;
  auto digits = [](std::string_view d) {
    return !d.empty() &&
           std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (parts[0] != "arn" || parts[1].substr(0, 3) != "aws" || parts[2] != "lambda" ||
      parts[3].empty() || parts[4].size() != 12 || !digits(parts[4]) || parts[5] != "layer" ||
      !is_layer_name(parts[6])) {
    return std::nullopt;
  }
  layer_arn a{std::string(parts[3]), std::string(parts[4]), std::string(parts[6]), 0};
  if (parts.size() == 8) {
    if (!digits(parts[7]) || parts[7].size() > 9) return std::nullopt;
    a.version = std::stoi(std::string(parts[7]));
    if (a.version < 1) return std::nullopt;
  }
  return a;
}

api_result<std::string> layer_name_of(const std::string& s) {
  if (is_layer_name(s)) return s;
  if (auto a = parse_layer_arn(s); a && a->version == 0 && s.size() <= 140) return a->name;
  return validation("1 validation error detected: Value '" + s +
                    "' at 'layerName' failed to satisfy constraint: Member must satisfy regular "
                    "expression pattern: "
                    "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-"
                    "Z0-9-_]+");
}

api_result<int> layer_version_number(const std::string& s) {
  bool number = !s.empty() && s.size() <= 19 &&
                std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(),
                            [](char c) { return c >= '0' && c <= '9'; }) &&
                s != "-";
  if (!number) {
    return validation("1 validation error detected: Value '" + s +
                      "' at 'versionNumber' failed to satisfy constraint: Member must be a long");
  }
  long long n = std::stoll(s);
  if (n < 1) return invalid_parameter("Layer Version Cannot be less than 1");
  if (n > 2147483647) return invalid_parameter("Layer Version is too large");
  return static_cast<int>(n);
}

std::string layer_arn_of(const std::string& name, const std::string& region,
                         const std::string& account) {
  return "arn:aws:lambda:" + region + ":" + account + ":layer:" + name;
}

std::string layer_version_arn_of(const layer_version& v, const std::string& region,
                                 const std::string& account) {
  return layer_arn_of(v.name, region, account) + ":" + std::to_string(v.version);
}

std::string layer_version_json(const layer_version& v, const std::string& region,
                               const std::string& account,
                               const std::optional<std::string>& location) {
  json j = {{"LayerVersionArn", layer_version_arn_of(v, region, account)},
            {"Version", v.version},
            {"Description", v.description},
            {"CreatedDate", v.created_date},
            {"CompatibleRuntimes", v.compatible_runtimes},
            {"CompatibleArchitectures", v.compatible_architectures}};
  if (!v.license_info.empty()) j["LicenseInfo"] = v.license_info;
  if (location) {
    j["LayerArn"] = layer_arn_of(v.name, region, account);
    j["Content"] = {
        {"Location", *location}, {"CodeSha256", v.code_sha256_base64}, {"CodeSize", v.code_size}};
  }
  return j.dump();
}

bool layer_matches(const layer_version& v, const std::optional<std::string>& runtime,
                   const std::optional<std::string>& architecture) {
  auto has = [](const std::vector<std::string>& list, const std::string& x) {
    return std::find(list.begin(), list.end(), x) != list.end();
  };
  return (!runtime || has(v.compatible_runtimes, *runtime)) &&
         (!architecture || has(v.compatible_architectures, *architecture));
}

}  // namespace lambdakit::platform::api
