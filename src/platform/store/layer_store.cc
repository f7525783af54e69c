#include "platform/store/layer_store.h"

#include "platform/store/function_record.h"

namespace lambdakit::platform::store {
namespace {

constexpr std::string_view schema = R"sql(
CREATE TABLE IF NOT EXISTS layers (name TEXT PRIMARY KEY, last_version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS layer_versions (
  name TEXT NOT NULL, version INTEGER NOT NULL, config TEXT NOT NULL,
  PRIMARY KEY (name, version));
)sql";

result<std::vector<layer_version>> all_versions(statement& s) {
  std::vector<layer_version> out;
  while (true) {
    auto row = s.step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    auto v = layer_from_record(s.text(0));
    if (!v) return std::move(v).error();
    out.push_back(std::move(v).value());
  }
  return out;
}

}  // namespace

result<layer_store> layer_store::open(database& db) {
  if (auto r = db.exec(schema); !r) return std::move(r).error();
  return layer_store(db);
}

result<layer_version> layer_store::publish(layer_version v) {
  if (auto r = db_->exec("BEGIN IMMEDIATE"); !r) return std::move(r).error();
  auto done = [&]() -> result<void> {
    auto last = db_->prepare("SELECT last_version FROM layers WHERE name = ?1");
    if (!last) return std::move(last).error();
    last->bind(1, v.name);
    auto row = last->step();
    if (!row) return std::move(row).error();
    v.version = static_cast<int>((*row ? last->integer(0) : 0) + 1);
    auto up = db_->prepare("INSERT OR REPLACE INTO layers (name, last_version) VALUES (?1, ?2)");
    if (!up) return std::move(up).error();
    up->bind(1, v.name).bind(2, static_cast<std::int64_t>(v.version));
    if (auto r = up->run(); !r) return r;
    auto put =
        db_->prepare("INSERT INTO layer_versions (name, version, config) VALUES (?1, ?2, ?3)");
    if (!put) return std::move(put).error();
    put->bind(1, v.name).bind(2, static_cast<std::int64_t>(v.version)).bind(3, to_record(v));
    if (auto r = put->run(); !r) return r;
    return db_->exec("COMMIT");
  }();
  if (!done) {
    (void)db_->exec("ROLLBACK");
    return std::move(done).error();
  }
  return v;
}

result<std::optional<layer_version>> layer_store::get(const std::string& name, int version) {
  auto s = db_->prepare("SELECT config FROM layer_versions WHERE name = ?1 AND version = ?2");
  if (!s) return std::move(s).error();
  s->bind(1, name).bind(2, static_cast<std::int64_t>(version));
  auto rows = all_versions(*s);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<layer_version>();
  return std::optional<layer_version>(std::move(rows->front()));
}

result<std::vector<layer_version>> layer_store::versions(const std::string& name, int before,
                                                         int max) {
  auto s = db_->prepare(
      "SELECT config FROM layer_versions WHERE name = ?1 AND (?2 = 0 OR version < ?2) "
      "ORDER BY version DESC LIMIT ?3");
  if (!s) return std::move(s).error();
  s->bind(1, name)
      .bind(2, static_cast<std::int64_t>(before))
      .bind(3, static_cast<std::int64_t>(max));
  return all_versions(*s);
}

result<std::vector<std::string>> layer_store::names(const std::string& marker, int max) {
  auto s = db_->prepare(
      "SELECT DISTINCT name FROM layer_versions WHERE name > ?1 ORDER BY name LIMIT ?2");
  if (!s) return std::move(s).error();
  s->bind(1, marker).bind(2, static_cast<std::int64_t>(max));
  std::vector<std::string> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back(s->text(0));
  }
  return out;
}

result<bool> layer_store::remove(const std::string& name, int version) {
  auto s = db_->prepare("DELETE FROM layer_versions WHERE name = ?1 AND version = ?2");
  if (!s) return std::move(s).error();
  s->bind(1, name).bind(2, static_cast<std::int64_t>(version));
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_->changes() > 0;
}

result<bool> layer_store::uses_code(const std::string& sha256_hex) {
  auto s = db_->prepare(
      "SELECT 1 FROM layer_versions WHERE json_extract(config, '$.code_sha256') = ?1 LIMIT 1");
  if (!s) return std::move(s).error();
  s->bind(1, sha256_hex);
  auto row = s->step();
  if (!row) return std::move(row).error();
  return *row;
}

result<std::set<std::string>> layer_store::used_code() {
  auto s =
      db_->prepare("SELECT DISTINCT json_extract(config, '$.code_sha256') FROM layer_versions");
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

}  // namespace lambdakit::platform::store
