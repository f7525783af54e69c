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

result<database> database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  database db(raw);
  if (rc != SQLITE_OK) return sqlite_failure(raw, "opening " + path);
  sqlite3_busy_timeout(raw, 5000);
  if (auto r = db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !r)
    return std::move(r).error();
  return db;
}

int database::changes() const {
  return sqlite3_changes(db_.get());
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

}  // namespace lambdakit::platform::store
