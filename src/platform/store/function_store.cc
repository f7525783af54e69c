#include "platform/store/function_store.h"

#include "platform/store/function_record.h"

namespace lambdakit::platform::store {
namespace {

constexpr std::string_view schema = R"sql(
CREATE TABLE IF NOT EXISTS functions (name TEXT PRIMARY KEY, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
  name TEXT NOT NULL, version INTEGER NOT NULL, config TEXT NOT NULL,
  PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS aliases (
  function TEXT NOT NULL, alias TEXT NOT NULL, config TEXT NOT NULL,
  PRIMARY KEY (function, alias));
CREATE TABLE IF NOT EXISTS function_urls (
  function TEXT NOT NULL, qualifier TEXT NOT NULL, url_id TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL, PRIMARY KEY (function, qualifier));
)sql";

// Rows of one-column `config` queries, decoded by `decode`.
template <class T, class Decode>
result<std::vector<T>> all_rows(statement& s, Decode decode) {
  std::vector<T> out;
  while (true) {
    auto row = s.step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    auto v = decode(s.text(0));
    if (!v) return std::move(v).error();
    out.push_back(std::move(v).value());
  }
  return out;
}

}  // namespace

result<function_store> function_store::open(const std::string& state_dir) {
  auto db = database::open(state_dir + "/lambdakit.db");
  if (!db) return std::move(db).error();
  if (auto r = db->exec(schema); !r) return std::move(r).error();
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
  auto rows = all_rows<function_config>(*s, function_from_record);
  if (!rows) return std::move(rows).error();
  std::optional<function_config> f;
  if (!rows->empty()) f = std::move(rows->front());
  cache_[name] = f;
  return f;
}

result<std::vector<function_config>> function_store::list(const std::string& marker, int max) {
  auto s = db_.prepare("SELECT config FROM functions WHERE name > ?1 ORDER BY name LIMIT ?2");
  if (!s) return std::move(s).error();
  s->bind(1, marker).bind(2, static_cast<std::int64_t>(max));
  return all_rows<function_config>(*s, function_from_record);
}

result<bool> function_store::remove(const std::string& name) {
  cache_.clear();  // the caches hold few entries; exactness matters more than keeping them
  version_cache_.clear();
  alias_cache_.clear();
  url_cache_.clear();
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return std::move(r).error();
  bool removed = false;
  auto done = [&]() -> result<void> {
    for (const char* sql :
         {"DELETE FROM versions WHERE name = ?1", "DELETE FROM aliases WHERE function = ?1",
          "DELETE FROM function_urls WHERE function = ?1",
          "DELETE FROM functions WHERE name = ?1"}) {
      auto s = db_.prepare(sql);
      if (!s) return std::move(s).error();
      s->bind(1, name);
      if (auto r = s->run(); !r) return r;
    }
    removed = db_.changes() > 0;
    return db_.exec("COMMIT");
  }();
  if (!done) {
    (void)db_.exec("ROLLBACK");
    return std::move(done).error();
  }
  return removed;
}

result<bool> function_store::uses_code(const std::string& sha256_hex) {
  auto s = db_.prepare(
      "SELECT 1 FROM functions WHERE json_extract(config, '$.code_sha256') = ?1 UNION ALL "
      "SELECT 1 FROM versions WHERE json_extract(config, '$.code_sha256') = ?1 UNION ALL "
      "SELECT 1 FROM functions, json_each(functions.config, '$.layers') "
      "WHERE json_extract(json_each.value, '$.code_sha256') = ?1 UNION ALL "
      "SELECT 1 FROM versions, json_each(versions.config, '$.layers') "
      "WHERE json_extract(json_each.value, '$.code_sha256') = ?1 LIMIT 1");
  if (!s) return std::move(s).error();
  s->bind(1, sha256_hex);
  auto row = s->step();
  if (!row) return std::move(row).error();
  return *row;
}

result<std::set<std::string>> function_store::used_code() {
  auto s = db_.prepare(
      "SELECT json_extract(config, '$.code_sha256') FROM functions UNION "
      "SELECT json_extract(config, '$.code_sha256') FROM versions UNION "
      "SELECT json_extract(json_each.value, '$.code_sha256') "
      "FROM functions, json_each(functions.config, '$.layers') UNION "
      "SELECT json_extract(json_each.value, '$.code_sha256') "
      "FROM versions, json_each(versions.config, '$.layers')");
  if (!s) return std::move(s).error();
  std::set<std::string> used;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    used.insert(s->text(0));
  }
  return used;
}

result<void> function_store::put_version(const function_config& version,
                                         const function_config& latest) {
  int number = std::stoi(version.version);
  version_cache_.erase({version.name, number});
  cache_.erase(latest.name);
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r;
  auto done = [&]() -> result<void> {
    auto v =
        db_.prepare("INSERT OR REPLACE INTO versions (name, version, config) VALUES (?1, ?2, ?3)");
    if (!v) return std::move(v).error();
    v->bind(1, version.name).bind(2, static_cast<std::int64_t>(number)).bind(3, to_record(version));
    if (auto r = v->run(); !r) return r;
    auto l = db_.prepare("INSERT OR REPLACE INTO functions (name, config) VALUES (?1, ?2)");
    if (!l) return std::move(l).error();
    l->bind(1, latest.name).bind(2, to_record(latest));
    if (auto r = l->run(); !r) return r;
    return db_.exec("COMMIT");
  }();
  if (!done) {
    (void)db_.exec("ROLLBACK");
    return done;
  }
  version_cache_[{version.name, number}] = version;
  cache_[latest.name] = latest;
  return {};
}

result<std::optional<function_config>> function_store::get_version(const std::string& name,
                                                                   int version) {
  if (auto hit = version_cache_.find({name, version}); hit != version_cache_.end())
    return hit->second;
  auto s = db_.prepare("SELECT config FROM versions WHERE name = ?1 AND version = ?2");
  if (!s) return std::move(s).error();
  s->bind(1, name).bind(2, static_cast<std::int64_t>(version));
  auto rows = all_rows<function_config>(*s, function_from_record);
  if (!rows) return std::move(rows).error();
  std::optional<function_config> f;
  if (!rows->empty()) f = std::move(rows->front());
  version_cache_[{name, version}] = f;
  return f;
}

result<std::vector<function_config>> function_store::list_versions(const std::string& name,
                                                                   int after, int max) {
  auto s = db_.prepare(
      "SELECT config FROM versions WHERE name = ?1 AND version > ?2 ORDER BY version LIMIT ?3");
  if (!s) return std::move(s).error();
  s->bind(1, name)
      .bind(2, static_cast<std::int64_t>(after))
      .bind(3, static_cast<std::int64_t>(max));
  return all_rows<function_config>(*s, function_from_record);
}

result<bool> function_store::remove_version(const std::string& name, int version) {
  version_cache_.erase({name, version});
  auto s = db_.prepare("DELETE FROM versions WHERE name = ?1 AND version = ?2");
  if (!s) return std::move(s).error();
  s->bind(1, name).bind(2, static_cast<std::int64_t>(version));
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_.changes() > 0;
}

result<void> function_store::put_alias(const alias_config& a) {
  alias_cache_.erase({a.function, a.name});
  auto s =
      db_.prepare("INSERT OR REPLACE INTO aliases (function, alias, config) VALUES (?1, ?2, ?3)");
  if (!s) return std::move(s).error();
  s->bind(1, a.function).bind(2, a.name).bind(3, to_record(a));
  if (auto r = s->run(); !r) return r;
  alias_cache_[{a.function, a.name}] = a;
  return {};
}

result<std::optional<alias_config>> function_store::get_alias(const std::string& function,
                                                              const std::string& alias) {
  if (auto hit = alias_cache_.find({function, alias}); hit != alias_cache_.end())
    return hit->second;
  auto s = db_.prepare("SELECT config FROM aliases WHERE function = ?1 AND alias = ?2");
  if (!s) return std::move(s).error();
  s->bind(1, function).bind(2, alias);
  auto rows = all_rows<alias_config>(*s, alias_from_record);
  if (!rows) return std::move(rows).error();
  std::optional<alias_config> a;
  if (!rows->empty()) a = std::move(rows->front());
  alias_cache_[{function, alias}] = a;
  return a;
}

result<std::vector<alias_config>> function_store::list_aliases(const std::string& function,
                                                               const std::string& marker, int max) {
  auto s = db_.prepare(
      "SELECT config FROM aliases WHERE function = ?1 AND alias > ?2 ORDER BY alias LIMIT ?3");
  if (!s) return std::move(s).error();
  s->bind(1, function).bind(2, marker).bind(3, static_cast<std::int64_t>(max));
  return all_rows<alias_config>(*s, alias_from_record);
}

result<bool> function_store::remove_alias(const std::string& function, const std::string& alias) {
  alias_cache_.erase({function, alias});
  auto s = db_.prepare("DELETE FROM aliases WHERE function = ?1 AND alias = ?2");
  if (!s) return std::move(s).error();
  s->bind(1, function).bind(2, alias);
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_.changes() > 0;
}

result<void> function_store::put_url(const url_config& u) {
  url_cache_.erase(u.url_id);
  auto s = db_.prepare(
      "INSERT OR REPLACE INTO function_urls (function, qualifier, url_id, config) "
      "VALUES (?1, ?2, ?3, ?4)");
  if (!s) return std::move(s).error();
  s->bind(1, u.function).bind(2, u.qualifier).bind(3, u.url_id).bind(4, to_record(u));
  if (auto r = s->run(); !r) return r;
  url_cache_[u.url_id] = u;
  return {};
}

result<std::optional<url_config>> function_store::get_url(const std::string& function,
                                                          const std::string& qualifier) {
  auto s = db_.prepare("SELECT config FROM function_urls WHERE function = ?1 AND qualifier = ?2");
  if (!s) return std::move(s).error();
  s->bind(1, function).bind(2, qualifier);
  auto rows = all_rows<url_config>(*s, url_from_record);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<url_config>();
  return std::optional<url_config>(std::move(rows->front()));
}

result<std::optional<url_config>> function_store::url_by_id(const std::string& url_id) {
  if (auto hit = url_cache_.find(url_id); hit != url_cache_.end()) return hit->second;
  auto s = db_.prepare("SELECT config FROM function_urls WHERE url_id = ?1");
  if (!s) return std::move(s).error();
  s->bind(1, url_id);
  auto rows = all_rows<url_config>(*s, url_from_record);
  if (!rows) return std::move(rows).error();
  std::optional<url_config> u;
  if (!rows->empty()) u = std::move(rows->front());
  if (url_cache_.size() > 10000) url_cache_.clear();  // ids of unknown URLs are asked for too
  url_cache_[url_id] = u;
  return u;
}

result<std::vector<url_config>> function_store::list_urls(const std::string& function) {
  auto s = db_.prepare("SELECT config FROM function_urls WHERE function = ?1 ORDER BY qualifier");
  if (!s) return std::move(s).error();
  s->bind(1, function);
  return all_rows<url_config>(*s, url_from_record);
}

result<bool> function_store::remove_url(const std::string& function, const std::string& qualifier) {
  url_cache_.clear();
  auto s = db_.prepare("DELETE FROM function_urls WHERE function = ?1 AND qualifier = ?2");
  if (!s) return std::move(s).error();
  s->bind(1, function).bind(2, qualifier);
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_.changes() > 0;
}

}  // namespace lambdakit::platform::store
