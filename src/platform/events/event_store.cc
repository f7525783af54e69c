#include "platform/events/event_store.h"

namespace lambdakit::platform::events {
namespace {

constexpr std::string_view schema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL, function TEXT NOT NULL, payload TEXT NOT NULL,
  trace_id TEXT NOT NULL, client_context TEXT NOT NULL,
  accepted_ms INTEGER NOT NULL, next_ms INTEGER NOT NULL, attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL, last_response TEXT NOT NULL, last_attempt_ms INTEGER NOT NULL,
  qualifier TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_by_function ON events (function);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL, function TEXT NOT NULL, payload TEXT NOT NULL,
  trace_id TEXT NOT NULL, client_context TEXT NOT NULL,
  accepted_ms INTEGER NOT NULL, attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL, last_response TEXT NOT NULL, last_attempt_ms INTEGER NOT NULL,
  reason TEXT NOT NULL, buried_ms INTEGER NOT NULL, qualifier TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS dead_letters_by_function ON dead_letters (function);
CREATE TABLE IF NOT EXISTS kept_records (
  id INTEGER PRIMARY KEY AUTOINCREMENT, function TEXT NOT NULL, destination TEXT NOT NULL,
  condition TEXT NOT NULL, record TEXT NOT NULL, why TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS invoke_configs (
  function TEXT PRIMARY KEY, max_retry_attempts INTEGER, max_event_age_s INTEGER,
  on_success TEXT NOT NULL, on_failure TEXT NOT NULL, last_modified_ms INTEGER NOT NULL);
)sql";

// Schema 1 to 2: events of a version or alias (the qualifier they were invoked with).
constexpr std::string_view upgrade_1_to_2 = R"sql(
ALTER TABLE events ADD COLUMN qualifier TEXT NOT NULL DEFAULT '';
ALTER TABLE dead_letters ADD COLUMN qualifier TEXT NOT NULL DEFAULT '';
)sql";

constexpr std::string_view event_columns =
    "id, request_id, function, payload, trace_id, client_context, accepted_ms, next_ms, "
    "attempts, last_error, last_response, last_attempt_ms, qualifier";

event read_event(const store::statement& s) {
  event e;
  e.id = s.integer(0);
  e.request_id = s.text(1);
  e.function = s.text(2);
  e.payload = s.text(3);
  e.trace_id = s.text(4);
  e.client_context = s.text(5);
  e.accepted_ms = s.integer(6);
  e.next_ms = s.integer(7);
  e.attempts = static_cast<int>(s.integer(8));
  e.last_error = s.text(9);
  e.last_response = s.text(10);
  e.last_attempt_ms = s.integer(11);
  e.qualifier = s.text(12);
  return e;
}

// Advice by cause: only a file that is not (or no longer) a database is worth moving away.
failure unreadable(const std::filesystem::path& file, const failure& f) {
  const std::string& d = f.detail;
  std::string advice =
      d.find("not a database") != std::string::npos || d.find("malformed") != std::string::npos
          ? "it was left as it is. Move it away to start with an empty queue (its events are "
            "then lost), or restore it from a backup"
      : d.find("locked") != std::string::npos || d.find("busy") != std::string::npos
          ? "another lambdakit serve may be using this state directory; stop it or use "
            "--state-dir"
      : d.find("full") != std::string::npos
          ? "free some space in the state directory's file system"
          : "check the state directory's permissions and file system";
  return make_failure(
      f.code, "the event queue " + file.string() + " cannot be used (" + d + "); " + advice);
}

}  // namespace

result<event_store> event_store::open(const std::filesystem::path& file, bool full_sync) {
  // An existing file is looked at read-only first: switching it to WAL would already write to
  // it, and a file this version must not touch is left byte for byte as it was.
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    auto probe = store::database::open_read_only(file.string());
    if (!probe) return unreadable(file, probe.error());
    auto version = probe->pragma_integer("user_version");
    if (!version) return unreadable(file, version.error());
    if (*version > schema_version) {
      return make_failure(
          std::make_error_code(std::errc::invalid_argument),
          "the event queue " + file.string() + " was written by a newer lambdakit (queue schema " +
              std::to_string(*version) + "; this one knows " + std::to_string(schema_version) +
              "); it was left as it is. Run that lambdakit, or move the file "
              "away to start with an empty queue");
    }
  }
  auto db = store::database::open(file.string(), full_sync);
  if (!db) return unreadable(file, db.error());
  auto version = db->pragma_integer("user_version");
  if (!version) return unreadable(file, version.error());
  if (*version > schema_version) {
    return make_failure(std::make_error_code(std::errc::invalid_argument),
                        "the event queue " + file.string() + " was written by a newer lambdakit " +
                            "(queue schema " + std::to_string(*version) + "; this one knows " +
                            std::to_string(schema_version) +
                            "); it was left as it is. Run that lambdakit, or move the file away "
                            "to start with an empty queue");
  }
  if (*version == schema_version) return event_store(std::move(db).value());
  if (auto r = db->exec("BEGIN IMMEDIATE"); !r) return unreadable(file, r.error());
  // A file of schema 1 gets its new columns; a new file gets the whole schema.
  auto created = *version == 1 ? db->exec(upgrade_1_to_2) : db->exec(schema);
  if (created) created = db->exec("PRAGMA user_version = " + std::to_string(schema_version));
  if (created) created = db->exec("COMMIT");
  if (!created) {
    (void)db->exec("ROLLBACK");
    return unreadable(file, created.error());
  }
  return event_store(std::move(db).value());
}

result<void> event_store::begin() {
  return db_.exec("BEGIN IMMEDIATE");
}
result<void> event_store::commit() {
  return db_.exec("COMMIT");
}
void event_store::rollback() {
  (void)db_.exec("ROLLBACK");
}

result<std::int64_t> event_store::add(const event& e) {
  auto s = db_.prepare(
      "INSERT INTO events (request_id, function, payload, trace_id, client_context, accepted_ms, "
      "next_ms, attempts, last_error, last_response, last_attempt_ms, qualifier) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  if (!s) return std::move(s).error();
  s->bind(1, e.request_id)
      .bind(2, e.function)
      .bind(3, e.payload)
      .bind(4, e.trace_id)
      .bind(5, e.client_context)
      .bind(6, e.accepted_ms)
      .bind(7, e.next_ms)
      .bind(8, std::int64_t{e.attempts})
      .bind(9, e.last_error)
      .bind(10, e.last_response)
      .bind(11, e.last_attempt_ms)
      .bind(12, e.qualifier);
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_.last_insert_rowid();
}

result<std::optional<event>> event_store::get(std::int64_t id) {
  auto s = db_.prepare("SELECT " + std::string(event_columns) + " FROM events WHERE id = ?1");
  if (!s) return std::move(s).error();
  s->bind(1, id);
  auto row = s->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<event>();
  return std::optional<event>(read_event(*s));
}

result<std::vector<pending>> event_store::pending_events() {
  auto s = db_.prepare("SELECT id, function, next_ms, accepted_ms FROM events ORDER BY id");
  if (!s) return std::move(s).error();
  std::vector<pending> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back({s->integer(0), s->text(1), s->integer(2), s->integer(3)});
  }
}

result<std::int64_t> event_store::queued_count() {
  auto s = db_.prepare("SELECT count(*) FROM events");
  if (!s) return std::move(s).error();
  auto row = s->step();
  if (!row) return std::move(row).error();
  return s->integer(0);
}

result<bool> event_store::remove(std::int64_t id) {
  auto s = db_.prepare("DELETE FROM events WHERE id = ?1");
  if (!s) return std::move(s).error();
  s->bind(1, id);
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_.changes() > 0;
}

result<bool> event_store::reschedule(const event& e) {
  auto s = db_.prepare(
      "UPDATE events SET attempts = ?2, next_ms = ?3, last_error = ?4, last_response = ?5, "
      "last_attempt_ms = ?6 WHERE id = ?1");
  if (!s) return std::move(s).error();
  s->bind(1, e.id)
      .bind(2, std::int64_t{e.attempts})
      .bind(3, e.next_ms)
      .bind(4, e.last_error)
      .bind(5, e.last_response)
      .bind(6, e.last_attempt_ms);
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_.changes() > 0;
}

result<bool> event_store::bury(const event& e, std::string_view reason, std::int64_t now_ms) {
  auto gone = remove(e.id);
  if (!gone || !*gone) return gone;
  auto s = db_.prepare(
      "INSERT INTO dead_letters (id, request_id, function, payload, trace_id, client_context, "
      "accepted_ms, attempts, last_error, last_response, last_attempt_ms, reason, buried_ms, "
      "qualifier) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!s) return std::move(s).error();
  s->bind(1, e.id)
      .bind(2, e.request_id)
      .bind(3, e.function)
      .bind(4, e.payload)
      .bind(5, e.trace_id)
      .bind(6, e.client_context)
      .bind(7, e.accepted_ms)
      .bind(8, std::int64_t{e.attempts})
      .bind(9, e.last_error)
      .bind(10, e.last_response)
      .bind(11, e.last_attempt_ms)
      .bind(12, reason)
      .bind(13, now_ms)
      .bind(14, e.qualifier);
  if (auto r = s->run(); !r) return std::move(r).error();
  return true;
}

result<void> event_store::keep(const kept_record& k) {
  auto s = db_.prepare(
      "INSERT INTO kept_records (function, destination, condition, record, why, created_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!s) return std::move(s).error();
  s->bind(1, k.function)
      .bind(2, k.destination)
      .bind(3, k.condition)
      .bind(4, k.record)
      .bind(5, k.why)
      .bind(6, k.created_ms);
  return s->run();
}

result<int> event_store::drop_function(const std::string& function) {
  if (auto r = begin(); !r) return std::move(r).error();
  int dropped = 0;
  for (const char* sql :
       {"DELETE FROM events WHERE function = ?1", "DELETE FROM dead_letters WHERE function = ?1",
        "DELETE FROM kept_records WHERE function = ?1",
        "DELETE FROM invoke_configs WHERE function = ?1"}) {
    auto s = db_.prepare(sql);
    if (!s) {
      rollback();
      return std::move(s).error();
    }
    s->bind(1, function);
    if (auto r = s->run(); !r) {
      rollback();
      return std::move(r).error();
    }
    if (dropped == 0 && std::string_view(sql).find("FROM events") != std::string_view::npos)
      dropped = db_.changes();
  }
  if (auto r = commit(); !r) {
    rollback();
    return std::move(r).error();
  }
  return dropped;
}

result<std::vector<event>> event_store::queued(const std::string& function, int limit) {
  auto s = db_.prepare("SELECT " + std::string(event_columns) +
                       " FROM events WHERE ?1 = '' OR function = ?1 ORDER BY id LIMIT ?2");
  if (!s) return std::move(s).error();
  s->bind(1, function).bind(2, std::int64_t{limit});
  std::vector<event> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(read_event(*s));
  }
}

result<std::vector<dead_letter>> event_store::dead_letters(const std::string& function, int limit) {
  auto s = db_.prepare(
      "SELECT id, request_id, function, payload, trace_id, client_context, accepted_ms, 0, "
      "attempts, last_error, last_response, last_attempt_ms, qualifier, reason, buried_ms "
      "FROM dead_letters "
      "WHERE ?1 = '' OR function = ?1 ORDER BY buried_ms, id LIMIT ?2");
  if (!s) return std::move(s).error();
  s->bind(1, function).bind(2, std::int64_t{limit});
  std::vector<dead_letter> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back({read_event(*s), s->text(13), s->integer(14)});
  }
}

result<std::vector<kept_record>> event_store::kept_records(const std::string& function, int limit) {
  auto s = db_.prepare(
      "SELECT id, function, destination, condition, record, why, created_ms FROM kept_records "
      "WHERE ?1 = '' OR function = ?1 ORDER BY id LIMIT ?2");
  if (!s) return std::move(s).error();
  s->bind(1, function).bind(2, std::int64_t{limit});
  std::vector<kept_record> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    out.push_back(
        {s->integer(0), s->text(1), s->text(2), s->text(3), s->text(4), s->text(5), s->integer(6)});
  }
}

result<void> event_store::put_config(const invoke_config& c) {
  auto s = db_.prepare(
      "INSERT OR REPLACE INTO invoke_configs (function, max_retry_attempts, max_event_age_s, "
      "on_success, on_failure, last_modified_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!s) return std::move(s).error();
  s->bind(1, c.function);
  if (c.max_retry_attempts) {
    s->bind(2, std::int64_t{*c.max_retry_attempts});
  } else {
    s->bind_null(2);
  }
  if (c.max_event_age_s) {
    s->bind(3, std::int64_t{*c.max_event_age_s});
  } else {
    s->bind_null(3);
  }
  s->bind(4, c.on_success).bind(5, c.on_failure).bind(6, c.last_modified_ms);
  return s->run();
}

result<std::optional<invoke_config>> event_store::config(const std::string& function) {
  auto s = db_.prepare(
      "SELECT function, max_retry_attempts, max_event_age_s, on_success, on_failure, "
      "last_modified_ms FROM invoke_configs WHERE function = ?1");
  if (!s) return std::move(s).error();
  s->bind(1, function);
  auto row = s->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<invoke_config>();
  invoke_config c;
  c.function = s->text(0);
  if (!s->is_null(1)) c.max_retry_attempts = static_cast<int>(s->integer(1));
  if (!s->is_null(2)) c.max_event_age_s = static_cast<int>(s->integer(2));
  c.on_success = s->text(3);
  c.on_failure = s->text(4);
  c.last_modified_ms = s->integer(5);
  return std::optional<invoke_config>(std::move(c));
}

result<bool> event_store::remove_config(const std::string& function) {
  auto s = db_.prepare("DELETE FROM invoke_configs WHERE function = ?1");
  if (!s) return std::move(s).error();
  s->bind(1, function);
  if (auto r = s->run(); !r) return std::move(r).error();
  return db_.changes() > 0;
}

}  // namespace lambdakit::platform::events
