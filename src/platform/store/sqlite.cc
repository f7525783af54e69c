#include "platform/store/sqlite.h"

#include <sqlite3.h>

namespace lambdakit::platform::store {
namespace {

failure sqlite_failure(sqlite3* db, std::string_view what) {
  return make_failure(
      std::make_error_code(std::errc::io_error),
      std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

void database::closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}
void statement::finalizer::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}

database::~database() = default;
statement::~statement() = default;

result<database> database::open(const std::string& path, bool full_sync) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  database db(raw);
  if (rc != SQLITE_OK) return sqlite_failure(raw, "opening " + path);
  sqlite3_busy_timeout(raw, 5000);
  // The header is read on first use: a file that is not a database fails here, before anything
  // could write to it.
  if (auto r = db.exec(full_sync ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                 : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
      !r) {
    return make_failure(r.error().code, "opening " + path + ": " + r.error().detail);
  }
  return db;
}

result<database> database::open_read_only(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  database db(raw);
  if (rc != SQLITE_OK) return sqlite_failure(raw, "opening " + path);
  return db;
}

int database::changes() const {
  return sqlite3_changes(db_.get());
}

std::int64_t database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_.get());
}

result<std::int64_t> database::pragma_integer(std::string_view name) {
  auto s = prepare("PRAGMA " + std::string(name));
  if (!s) return std::move(s).error();
  auto row = s->step();
  if (!row) return std::move(row).error();
  return *row ? s->integer(0) : 0;
}

result<void> database::exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  if (sqlite3_exec(db_.get(), s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return make_failure(std::make_error_code(std::errc::io_error), "sqlite: " + msg);
  }
  return {};
}

result<statement> database::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &s, nullptr) !=
      SQLITE_OK) {
    return sqlite_failure(db_.get(), "preparing a statement");
  }
  return statement(db_.get(), s);
}

statement& statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

statement& statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

statement& statement::bind_null(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

result<bool> statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_failure(db_, "executing a statement");
}

result<void> statement::run() {
  while (true) {
    auto r = step();
    if (!r) return std::move(r).error();
    if (!*r) return {};
  }
}

std::string statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
                      : std::string();
}

std::int64_t statement::integer(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

bool statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

}  // namespace lambdakit::platform::store
