// The function registry: function configurations, their published versions and their aliases in
// SQLite, so they survive a restart.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "platform/function.h"
#include "platform/store/sqlite.h"

namespace lambdakit::platform::store {

class function_store {
 public:
  // Opens or creates <state_dir>/lambdakit.db.
  static result<function_store> open(const std::string& state_dir);

  // $LATEST of each function.
  result<void> put(const function_config& f);  // insert or replace
  result<std::optional<function_config>> get(const std::string& name);
  // Up to `max` functions in name order, starting after `marker` (empty: from the start).
  result<std::vector<function_config>> list(const std::string& marker, int max);
  // The function with its versions and aliases; false when there was none.
  result<bool> remove(const std::string& name);
  // Whether any function or version's code, or a layer it uses, is the stored code
  // `sha256_hex`.
  result<bool> uses_code(const std::string& sha256_hex);
  // The code of every function and version, and of the layers they use.
  result<std::set<std::string>> used_code();

  // Published versions (f.version is a number). put_version stores the version and $LATEST
  // (whose last_version names it) in one transaction.
  result<void> put_version(const function_config& version, const function_config& latest);
  result<std::optional<function_config>> get_version(const std::string& name, int version);
  // Up to `max` versions of `name` in number order, after version `after` (0: from the first).
  result<std::vector<function_config>> list_versions(const std::string& name, int after, int max);
  result<bool> remove_version(const std::string& name, int version);

  result<void> put_alias(const alias_config& a);
  result<std::optional<alias_config>> get_alias(const std::string& function,
                                                const std::string& alias);
  // Up to `max` aliases of `function` in name order, after `marker`.
  result<std::vector<alias_config>> list_aliases(const std::string& function,
                                                 const std::string& marker, int max);
  result<bool> remove_alias(const std::string& function, const std::string& alias);

  // Function URLs: one per function and qualifier (empty, or an alias), found by its url_id.
  result<void> put_url(const url_config& u);
  result<std::optional<url_config>> get_url(const std::string& function,
                                            const std::string& qualifier);
  result<std::optional<url_config>> url_by_id(const std::string& url_id);
  // `function`'s URLs in qualifier order (one per alias at most, so few).
  result<std::vector<url_config>> list_urls(const std::string& function);
  result<bool> remove_url(const std::string& function, const std::string& qualifier);

  // The database, for the stores that keep their tables beside these (layer_store).
  database& db() { return db_; }

 private:
  explicit function_store(database db) : db_(std::move(db)) {}
  database db_;
  // Read-through caches of the lookups Invoke makes on every call; every write keeps them
  // exact, since this process is the database's only writer.
  std::map<std::string, std::optional<function_config>> cache_;
  std::map<std::pair<std::string, int>, std::optional<function_config>> version_cache_;
  std::map<std::pair<std::string, std::string>, std::optional<alias_config>> alias_cache_;
  std::map<std::string, std::optional<url_config>> url_cache_;  // by url_id
};

}  // namespace lambdakit::platform::store
