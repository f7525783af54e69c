#include "platform/api/function_json.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "base/random.h"
#include "platform/env/runtimes.h"
#include "wire/base64.h"

namespace lambdakit::platform::api {
using json = nlohmann::json;
namespace {

// Every member AWS's model defines for each operation; anything else is refused by name.
// (Function-local statics: built on first use, never during static initialisation.)
const std::set<std::string>& create_fields() {
  static const std::set<std::string> fields = {
      "FunctionName",  "Runtime",           "Role",          "Handler",
      "Code",          "Description",       "Timeout",       "MemorySize",
      "Publish",       "VpcConfig",         "PackageType",   "DeadLetterConfig",
      "Environment",   "KMSKeyArn",         "TracingConfig", "Tags",
      "Layers",        "FileSystemConfigs", "ImageConfig",   "CodeSigningConfigArn",
      "Architectures", "EphemeralStorage",  "SnapStart",     "LoggingConfig"};
  return fields;
}

const std::set<std::string>& configuration_fields() {
  static const std::set<std::string> fields = {"Role",
                                               "Handler",
                                               "Description",
                                               "Timeout",
                                               "MemorySize",
                                               "VpcConfig",
                                               "Environment",
                                               "Runtime",
                                               "DeadLetterConfig",
                                               "KMSKeyArn",
                                               "TracingConfig",
                                               "RevisionId",
                                               "Layers",
                                               "FileSystemConfigs",
                                               "ImageConfig",
                                               "EphemeralStorage",
                                               "SnapStart",
                                               "LoggingConfig"};
  return fields;
}

const std::set<std::string>& code_fields() {
  static const std::set<std::string> fields = {
      "ZipFile", "S3Bucket", "S3Key",      "S3ObjectVersion", "ImageUri",
      "Publish", "DryRun",   "RevisionId", "Architectures",   "SourceKMSKeyArn"};
  return fields;
}

const std::regex& name_pattern() {
  static const std::regex re(R"(^[a-zA-Z0-9_-]{1,64}$)");
  return re;
}

const std::regex& role_pattern() {
  static const std::regex re(R"(^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$)");
  return re;
}

api_result<json> parse_object(const std::string& body, const std::set<std::string>& allowed,
                              const char* operation) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded())
    return invalid_content("Could not parse request body into json: the body is not valid JSON");
  if (!j.is_object())
    return invalid_content("Could not parse request body into json: expected a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (!allowed.contains(k)) {
      return invalid_content("Unknown field \"" + k + "\" in the " + operation + " request");
    }
  }
  return j;
}

// Type checks: each returns an error naming the field and the type it must have.
api_result<void> expect(const json& j, const char* field, json::value_t type,
                        const char* type_name) {
  if (!j.contains(field)) return {};
  const json& v = j.at(field);
  bool ok = v.type() == type || (type == json::value_t::number_integer && v.is_number_unsigned());
  if (!ok) return invalid_content(std::string("Field ") + field + " must be " + type_name);
  return {};
}

api_result<void> check_types(const json& j) {
  using t = json::value_t;
  for (auto [f, ty, name] : std::initializer_list<std::tuple<const char*, t, const char*>>{
           {"FunctionName", t::string, "a string"},
           {"Runtime", t::string, "a string"},
           {"Role", t::string, "a string"},
           {"Handler", t::string, "a string"},
           {"Description", t::string, "a string"},
           {"Timeout", t::number_integer, "an integer"},
           {"MemorySize", t::number_integer, "an integer"},
           {"Code", t::object, "an object"},
           {"Environment", t::object, "an object"},
           {"EphemeralStorage", t::object, "an object"},
           {"DeadLetterConfig", t::object, "an object"},
           {"Tags", t::object, "an object"},
           {"Architectures", t::array, "an array"},
           {"PackageType", t::string, "a string"},
           {"Publish", t::boolean, "a boolean"},
           {"ZipFile", t::string, "a base64 string"},
           {"DryRun", t::boolean, "a boolean"},
           {"RevisionId", t::string, "a string"}}) {
    if (auto r = expect(j, f, ty, name); !r) return r;
  }
  return {};
}

// An integer JSON value within [lo, hi], read without wrapping: 2^63 is an unsigned JSON number
// that get<long long>() would turn negative (and then echo as -9223372036854775808).
bool in_range(const json& v, long long lo, long long hi) {
  if (v.is_number_unsigned())
    return v.get<unsigned long long>() <= static_cast<unsigned long long>(hi) &&
           v.get<unsigned long long>() >= static_cast<unsigned long long>(lo);
  return v.get<long long>() >= lo && v.get<long long>() <= hi;
}

// Layers: version ARNs, checked as AWS's model checks them (the count and whether each exists
// are checked by the caller, which knows the layers).
api_result<std::optional<std::vector<std::string>>> parse_layers(const json& j) {
  if (!j.contains("Layers")) return std::optional<std::vector<std::string>>();
  const json& l = j["Layers"];
  if (!l.is_array()) return invalid_content("Field Layers must be an array of layer version ARNs");
  static const std::regex arn(
      R"(^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$)");
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& a : l) {
    if (!a.is_string())
      return invalid_content("Field Layers must be an array of layer version ARNs");
    const auto& s = a.get_ref<const std::string&>();
    ok = ok && !s.empty() && s.size() <= 140 && std::regex_match(s, arn);
    out.push_back(s);
  }
  if (!ok) {
    std::string shown;
    for (const auto& s : out) shown += (shown.empty() ? "" : ", ") + s;
    return validation(
        "1 validation error detected: Value '[" + shown +
        "]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member "
        "must have length less than or equal to 140, Member must have length greater than or "
        "equal to 1, Member must satisfy regular expression pattern: "
        "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+, Member must "
        "not be null]");
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

api_result<void> apply_common(const json& j, function_config& c) {
  if (j.contains("Role")) {
    c.role = j["Role"];
    if (!std::regex_match(c.role, role_pattern())) {
      return validation("1 validation error detected: Value '" + c.role +
                        "' at 'role' failed to satisfy constraint: Member must satisfy regular "
                        "expression pattern: "
                        "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    }
  }
  if (j.contains("Runtime")) {
    c.runtime = j["Runtime"];
    if (!env::known_runtime(c.runtime)) {
      return invalid_parameter(env::unknown_runtime_message(c.runtime));
    }
  }
  if (j.contains("DeadLetterConfig")) {
    const json& d = j["DeadLetterConfig"];
    for (const auto& [k, v] : d.items()) {
      if (k != "TargetArn")
        return invalid_content("Unknown field \"" + k + "\" in DeadLetterConfig");
    }
    std::string arn;
    if (d.contains("TargetArn")) {
      if (!d["TargetArn"].is_string())
        return invalid_content("Field DeadLetterConfig.TargetArn must be a string");
      arn = d["TargetArn"];
    }
    if (!arn.empty() && arn.rfind("arn:aws:sqs:", 0) != 0 && arn.rfind("arn:aws:sns:", 0) != 0) {
      return invalid_parameter("The provided target arn " + arn.substr(0, 400) +
                               " is invalid: a dead-letter queue is an SQS queue or an SNS topic "
                               "(arn:aws:sqs:... or arn:aws:sns:...)");
    }
    c.dead_letter_target = arn;
  }
  if (j.contains("Handler")) c.handler = j["Handler"];
  if (j.contains("Description")) c.description = j["Description"];
  if (j.contains("Timeout")) {
    const json& t = j["Timeout"];
    if (!in_range(t, 1, 900)) {
      return validation(
          "1 validation error detected: Value '" + t.dump() +
          "' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900");
    }
    c.timeout_s = t.get<int>();
  }
  if (j.contains("MemorySize")) {
    const json& m = j["MemorySize"];
    if (!in_range(m, 128, 10240)) {
      return validation("1 validation error detected: Value '" + m.dump() +
                        "' at 'memorySize' failed to satisfy constraint: Member must have value "
                        "between 128 and 10240");
    }
    c.memory_mb = m.get<int>();
  }
  if (j.contains("EphemeralStorage")) {
    const json& e = j["EphemeralStorage"];
    for (const auto& [k, v] : e.items()) {
      if (k != "Size") return invalid_content("Unknown field \"" + k + "\" in EphemeralStorage");
    }
    if (!e.contains("Size") || !e["Size"].is_number_integer()) {
      return invalid_content("Field EphemeralStorage.Size must be an integer (MB, 512 to 10240)");
    }
    const json& size = e["Size"];
    if (!in_range(size, 512, 10240)) {
      bool low = size.is_number_unsigned() ? size.get<unsigned long long>() < 512
                                           : size.get<long long>() < 512;
      return validation("1 validation error detected: Value '" + size.dump() +
                        "' at 'ephemeralStorage.size' failed to satisfy constraint: Member must "
                        "have value " +
                        (low ? std::string("greater than or equal to 512")
                             : std::string("less than or equal to 10240")));
    }
    c.ephemeral_mb = size.get<int>();
  }
  if (j.contains("Environment")) {
    const json& e = j["Environment"];
    std::map<std::string, std::string> vars;
    if (e.contains("Variables")) {
      if (!e["Variables"].is_object())
        return invalid_content("Field Environment.Variables must be an object");
      std::size_t total = 0;
      for (const auto& [k, v] : e["Variables"].items()) {
        if (!v.is_string())
          return invalid_content("Environment variable " + k + " must be a string");
        if (!std::regex_match(k, std::regex(R"(^[a-zA-Z]([a-zA-Z0-9_])+$)"))) {
          return validation(
              "1 validation error detected: Value at 'environment.variables' failed to satisfy "
              "constraint: Map keys must satisfy constraint: [Member must satisfy regular "
              "expression "
              "pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
        }
        total += k.size() + v.get<std::string>().size();
        vars[k] = v.get<std::string>();
      }
      // Lambda refuses to let a function set the variables it provides itself.
      static const std::set<std::string> reserved = {"_HANDLER",
                                                     "_X_AMZN_TRACE_ID",
                                                     "AWS_DEFAULT_REGION",
                                                     "AWS_REGION",
                                                     "AWS_EXECUTION_ENV",
                                                     "AWS_LAMBDA_FUNCTION_NAME",
                                                     "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                                     "AWS_LAMBDA_FUNCTION_VERSION",
                                                     "AWS_LAMBDA_INITIALIZATION_TYPE",
                                                     "AWS_LAMBDA_LOG_GROUP_NAME",
                                                     "AWS_LAMBDA_LOG_STREAM_NAME",
                                                     "AWS_ACCESS_KEY",
                                                     "AWS_ACCESS_KEY_ID",
                                                     "AWS_SECRET_ACCESS_KEY",
                                                     "AWS_SESSION_TOKEN",
                                                     "AWS_LAMBDA_RUNTIME_API",
                                                     "LAMBDA_TASK_ROOT",
                                                     "LAMBDA_RUNTIME_DIR"};
      std::string used;
      for (const auto& [k, v] : vars) {
        if (reserved.contains(k)) used += (used.empty() ? "" : ",") + k;
      }
      if (!used.empty()) {
        return invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            "for modification. Reserved keys used in this request: " +
            used);
      }
      if (total > 4096) {
        return invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: " +
            std::to_string(total));
      }
    }
    c.environment = std::move(vars);
  }
  return {};
}

api_result<std::string> decode_zip(const json& code_like) {
  if (!code_like.contains("ZipFile")) {
    if (code_like.contains("S3Bucket") || code_like.contains("ImageUri")) {
      return invalid_parameter(
          "lambdakit serve takes code as ZipFile only (no S3 or container images)");
    }
    return invalid_parameter("Code.ZipFile is required");
  }
  if (!code_like["ZipFile"].is_string())
    return invalid_content("Field ZipFile must be a base64 string");
  auto zip = wire::base64::decode(code_like["ZipFile"].get<std::string>());
  if (!zip) return invalid_parameter("Could not decode ZipFile: it is not base64");
  return std::move(*zip);
}

}  // namespace

std::string timestamp_now() {
  auto now = std::chrono::system_clock::now();
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::gmtime(&t));
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03d+0000", buf, static_cast<int>(ms));
  return out;
}

std::string new_revision_id() {
  return base::random_uuid();
}

std::string function_arn(const std::string& name, const std::string& region,
                         const std::string& account) {
  return "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
}

std::optional<function_ref> parse_function_ref(const std::string& s) {
  // Hand-written rather than std::regex: Invoke resolves a name on every call.
  // Forms: name[:qualifier], 123456789012:function:name[:qualifier],
  //        arn:aws[-partition]:lambda:region:123456789012:function:name[:qualifier]
  auto is_name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  auto is_account = [](std::string_view a) {
    return a.size() == 12 &&
           std::all_of(a.begin(), a.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::vector<std::string_view> parts;
  std::string_view rest(s);
  while (true) {
    auto colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  std::size_t at = 0;
  if (parts.size() >= 7 && parts[0] == "arn" && parts[1].substr(0, 3) == "aws" &&
      parts[2] == "lambda" && !parts[3].empty() && is_account(parts[4]) && parts[5] == "function") {
    at = 6;
  } else if (parts.size() >= 3 && is_account(parts[0]) && parts[1] == "function") {
    at = 2;
  }
  std::size_t left = parts.size() - at;
  if (left < 1 || left > 2) return std::nullopt;
  std::string_view name = parts[at];
  if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), is_name_char))
    return std::nullopt;
  function_ref ref{std::string(name), {}};
  if (left == 2) {
    std::string_view q = parts[at + 1];
    if (q.empty() || q.size() > 128 ||
        !std::all_of(q.begin(), q.end(), [&](char c) { return is_name_char(c) || c == '$'; })) {
      return std::nullopt;
    }
    ref.qualifier = std::string(q);
  }
  return ref;
}

api_result<create_request> parse_create(const std::string& body) {
  auto parsed = parse_object(body, create_fields(), "CreateFunction");
  if (!parsed) return std::move(parsed).error();
  json& j = *parsed;
  if (auto r = check_types(j); !r) return std::move(r).error();
  create_request r;
  for (const char* required : {"FunctionName", "Role", "Code"}) {
    if (!j.contains(required)) return validation(std::string("Missing required field ") + required);
  }
  std::string name = j["FunctionName"];
  auto ref = parse_function_ref(name);
  if (!ref || !ref->qualifier.empty() || !std::regex_match(ref->name, name_pattern())) {
    return validation(
        "1 validation error detected: Value '" + name +
        "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: [a-zA-Z0-9-_]{1,64} (or a function ARN)");
  }
  r.config.name = ref->name;
  if (auto c = apply_common(j, r.config); !c) return std::move(c).error();
  if (j.contains("PackageType") && j["PackageType"] != "Zip") {
    return invalid_parameter("lambdakit serve runs Zip packages only, not PackageType " +
                             j["PackageType"].get<std::string>());
  }
  if (j.contains("Architectures")) {
    std::vector<std::string> arch;
    for (const auto& a : j["Architectures"]) {
      if (!a.is_string() || (a != "x86_64" && a != "arm64"))
        return validation("Architectures must be [\"x86_64\"] or [\"arm64\"]");
      arch.push_back(a);
    }
    if (arch.size() != 1) return validation("Architectures must hold exactly one value");
    r.config.architectures = arch;
  }
  if (j.contains("Tags")) {
    for (const auto& [k, v] : j["Tags"].items()) {
      if (!v.is_string()) return invalid_content("Tag " + k + " must be a string");
      r.config.tags[k] = v.get<std::string>();
    }
  }
  if (r.config.runtime.empty() && r.config.handler.empty()) {
    // AWS requires Runtime and Handler for Zip functions; lambdakit defaults them to a custom
    // runtime.
    r.config.runtime = "provided.al2023";
  }
  if (!j["Code"].is_object()) return invalid_content("Field Code must be an object");
  auto zip = decode_zip(j["Code"]);
  if (!zip) return std::move(zip).error();
  r.zip = std::move(zip).value();
  r.publish = j.value("Publish", false);
  auto layers = parse_layers(j);
  if (!layers) return std::move(layers).error();
  r.layers = std::move(layers).value();
  return r;
}

api_result<code_update> parse_code_update(const std::string& body) {
  auto parsed = parse_object(body, code_fields(), "UpdateFunctionCode");
  if (!parsed) return std::move(parsed).error();
  json& j = *parsed;
  if (auto r = check_types(j); !r) return std::move(r).error();
  auto zip = decode_zip(j);
  if (!zip) return std::move(zip).error();
  code_update u;
  u.zip = std::move(zip).value();
  u.publish = j.value("Publish", false);
  u.revision_id = j.value("RevisionId", "");
  return u;
}

api_result<std::optional<std::vector<std::string>>> apply_configuration(const std::string& body,
                                                                        function_config& config) {
  auto parsed = parse_object(body, configuration_fields(), "UpdateFunctionConfiguration");
  if (!parsed) return std::move(parsed).error();
  json& j = *parsed;
  if (auto r = check_types(j); !r) return std::move(r).error();
  if (j.contains("RevisionId") && j["RevisionId"] != config.revision_id)
    return precondition_failed();
  auto layers = parse_layers(j);
  if (!layers) return std::move(layers).error();
  function_config changed = config;  // all or nothing: a later field's error changes nothing
  if (auto r = apply_common(j, changed); !r) return std::move(r).error();
  config = std::move(changed);
  return std::move(layers).value();
}

api_result<int> parse_concurrency(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return invalid_content("Could not parse request body into json");
  if (!j.contains("ReservedConcurrentExecutions") ||
      !j["ReservedConcurrentExecutions"].is_number_integer()) {
    return validation("ReservedConcurrentExecutions is required and must be an integer");
  }
  auto n = j["ReservedConcurrentExecutions"].get<long long>();
  if (n < 0 || n > 1000)
    return validation("ReservedConcurrentExecutions must be between 0 and 1000");
  return static_cast<int>(n);
}

std::string configuration_json(const function_config& f, const std::string& region,
                               const std::string& account, const std::string& arn_qualifier) {
  std::string arn = function_arn(f.name, region, account);
  if (!arn_qualifier.empty()) arn += ":" + arn_qualifier;
  json j = {{"FunctionName", f.name},
            {"FunctionArn", arn},
            {"Role", f.role},
            {"Handler", f.handler},
            {"CodeSize", f.code_size},
            {"Description", f.description},
            {"Timeout", f.timeout_s},
            {"MemorySize", f.memory_mb},
            {"LastModified", f.last_modified},
            {"CodeSha256", f.code_sha256_base64},
            {"Version", f.version},
            {"TracingConfig", {{"Mode", "PassThrough"}}},
            {"RevisionId", f.revision_id},
            {"State", "Active"},
            {"LastUpdateStatus", "Successful"},
            {"PackageType", f.package_type},
            {"Architectures", f.architectures},
            {"EphemeralStorage", {{"Size", f.ephemeral_mb}}},
            {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
            {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + f.name}}}};
  if (!f.runtime.empty()) j["Runtime"] = f.runtime;
  if (!f.environment.empty()) j["Environment"] = {{"Variables", f.environment}};
  if (!f.dead_letter_target.empty()) j["DeadLetterConfig"] = {{"TargetArn", f.dead_letter_target}};
  if (!f.layers.empty()) {
    json layers = json::array();
    for (const auto& l : f.layers) layers.push_back({{"Arn", l.arn}, {"CodeSize", l.code_size}});
    j["Layers"] = std::move(layers);
  }
  return j.dump();
}

}  // namespace lambdakit::platform::api
