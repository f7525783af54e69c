// A thin RAII layer over SQLite's C API: a database and prepared statements, errors as results.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lambdakit::platform::store {

class statement;

class database {
 public:
  // Opens (creating) the database file, in WAL mode with a busy timeout. `full_sync`: every
  // commit is on disk when it returns (synchronous=FULL); otherwise a power loss may take the
  // last commits back (synchronous=NORMAL; a crash of the process loses nothing either way).
  static result<database> open(const std::string& path, bool full_sync = false);
  // Opens an existing file read-only, as it is (no journal mode set, nothing written).
  static result<database> open_read_only(const std::string& path);

  database(database&&) noexcept = default;
  database& operator=(database&&) noexcept = default;
  ~database();

  result<void> exec(std::string_view sql);
  result<statement> prepare(std::string_view sql);
  sqlite3* handle() const { return db_.get(); }
  int changes() const;  // rows changed by the last statement
  std::int64_t last_insert_rowid() const;
  // An integer PRAGMA's value (user_version, page_count, ...).
  result<std::int64_t> pragma_integer(std::string_view name);

 private:
  struct closer {
    void operator()(sqlite3* db) const;
  };
  explicit database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, closer> db_;
};

class statement {
 public:
  statement(statement&&) noexcept = default;
  ~statement();

  statement& bind(int index, std::string_view text);
  statement& bind(int index, std::int64_t value);

  statement& bind_null(int index);

  // Steps once: true when a row is ready, false when done.
  result<bool> step();
  result<void> run();  // steps to the end

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  friend class database;
  struct finalizer {
    void operator()(sqlite3_stmt* s) const;
  };
  statement(sqlite3* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, finalizer> stmt_;
};

}  // namespace lambdakit::platform::store
