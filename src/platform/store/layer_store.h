// Published layer versions (PublishLayerVersion), in the function store's database: records in
// SQLite, their zips in the code store like function code.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/function.h"
#include "platform/store/sqlite.h"

namespace lambdakit::platform::store {

class layer_store {
 public:
  // Creates the layer tables in `db` (the function store's) if need be. `db` must outlive it.
  static result<layer_store> open(database& db);

  // Stores `v` as the next version of `v.name`: one more than any version it ever had, so a
  // number is never used twice, even after the versions are deleted. Returns it, numbered.
  result<layer_version> publish(layer_version v);
  result<std::optional<layer_version>> get(const std::string& name, int version);
  // Up to `max` versions of `name`, newest first, below `before` (0: from the newest).
  result<std::vector<layer_version>> versions(const std::string& name, int before, int max);
  // Up to `max` names of layers that have versions, in name order, after `marker`.
  result<std::vector<std::string>> names(const std::string& marker, int max);
  result<bool> remove(const std::string& name, int version);

  // Whether a layer version's code is the stored code `sha256_hex`; the code of every one.
  result<bool> uses_code(const std::string& sha256_hex);
  result<std::set<std::string>> used_code();

 private:
  explicit layer_store(database& db) : db_(&db) {}
  database* db_;
};

}  // namespace lambdakit::platform::store
