#include "platform/store/function_store.h"

#include <nlohmann/json.hpp>

namespace lambdakit::platform::store {
namespace {

using json = nlohmann::json;

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
            {"reserved_concurrency", f.reserved_concurrency},
            {"dead_letter_target", f.dead_letter_target}};
  return j.dump();
}

result<function_config> from_record(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_failure(std::make_error_code(std::errc::io_error),
                        "a function record in the database is not JSON");
  }
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
  f.reserved_concurrency = j.value("reserved_concurrency", -1);
  f.dead_letter_target = j.value("dead_letter_target", "");
  return f;
}

}  // namespace

result<function_store> function_store::open(const std::string& state_dir) {
  auto db = database::open(state_dir + "/lambdakit.db");
  if (!db) return std::move(db).error();
  if (auto r = db->exec(
          "CREATE TABLE IF NOT EXISTS functions (name TEXT PRIMARY KEY, config TEXT NOT NULL)");
      !r) {
    return std::move(r).error();
  }
  return function_store(std::move(db).value());
}

result<void> function_store::put(const function_config& f) {
  auto s = db_.prepare("INSERT OR REPLACE INTO functions (name, config) VALUES (?1, ?2)");
  if (!s) return std::move(s).error();
  s->bind(1, f.name).bind(2, to_record(f));
  if (auto r = s->run(); !r) {
    cache_.erase(f.name);
    return r;
  }
  cache_[f.name] = f;
  return {};
}

result<std::optional<function_config>> function_store::get(const std::string& name) {
  if (auto hit = cache_.find(name); hit != cache_.end()) return hit->second;
  auto s = db_.prepare("SELECT config FROM functions WHERE name = ?1");
  if (!s) return std::move(s).error();
  s->bind(1, name);
  auto row = s->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<function_config>();
  auto f = from_record(s->text(0));
  if (!f) return std::move(f).error();
  cache_[name] = *f;
  return std::optional<function_config>(std::move(f).value());
}

result<std::vector<function_config>> function_store::list(const std::string& marker, int max) {
  auto s = db_.prepare("SELECT config FROM functions WHERE name > ?1 ORDER BY name LIMIT ?2");
  if (!s) return std::move(s).error();
  s->bind(1, marker).bind(2, static_cast<std::int64_t>(max));
  std::vector<function_config> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    auto f = from_record(s->text(0));
    if (!f) return std::move(f).error();
    out.push_back(std::move(f).value());
  }
  return out;
}

result<bool> function_store::remove(const std::string& name) {
  auto s = db_.prepare("DELETE FROM functions WHERE name = ?1");
  if (!s) return std::move(s).error();
  s->bind(1, name);
  cache_.erase(name);
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_.changes() > 0;
}

result<bool> function_store::uses_code(const std::string& sha256_hex) {
  auto s = db_.prepare(
      "SELECT 1 FROM functions WHERE json_extract(config, '$.code_sha256') = ?1 LIMIT 1");
  if (!s) return std::move(s).error();
  s->bind(1, sha256_hex);
  auto row = s->step();
  if (!row) return std::move(row).error();
  return *row;
}

}  // namespace lambdakit::platform::store
