// The function registry: function configurations in SQLite, so they survive a restart.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/function.h"
#include "platform/store/sqlite.h"

namespace lambdakit::platform::store {

class function_store {
 public:
  // Opens or creates <state_dir>/lambdakit.db.
  static result<function_store> open(const std::string& state_dir);

  result<void> put(const function_config& f);  // insert or replace
  result<std::optional<function_config>> get(const std::string& name);
  // Up to `max` functions in name order, starting after `marker` (empty: from the start).
  result<std::vector<function_config>> list(const std::string& marker, int max);
  result<bool> remove(const std::string& name);  // false when there was none
  // Whether any function's code is the stored code `sha256_hex`.
  result<bool> uses_code(const std::string& sha256_hex);

 private:
  explicit function_store(database db) : db_(std::move(db)) {}
  database db_;
  // Read-through cache of `get` (Invoke looks a function up on every call); put and remove
  // keep it exact, since this process is the database's only writer.
  std::map<std::string, std::optional<function_config>> cache_;
};

}  // namespace lambdakit::platform::store
