// Removes stored code no function needs any more while the service runs: the tree of a deleted
// function, or the old code after UpdateFunctionCode, once nothing can still reach it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "platform/env/pool.h"
#include "platform/store/code_store.h"
#include "platform/store/function_store.h"
#include "platform/store/layer_store.h"

namespace lambdakit::platform::api {

// Everything runs on the service's thread. A tree goes only when all three hold:
//   - no upload is being extracted (an upload of the same zip finds the tree already stored,
//     and its function will point at it: the tree must still be there when it lands);
//   - no function in the store uses it (as its code or as a layer), nor a layer version;
//   - no environment in the pool runs it (a busy environment of a deleted function finishes
//     its invoke first; its runtime may still be reading its code).
// It is renamed aside at once (a new upload of the same code then extracts afresh) and removed
// by `remove_later` off the service's thread. What a crash interrupts, the start-up collection
// (code_store::collect) finishes.
class code_collector {
 public:
  code_collector(store::code_store& code, store::function_store& functions,
                 store::layer_store& layers, env::pool& pool,
                 std::function<void(std::filesystem::path)> remove_later);
  ~code_collector();

  void upload_started() { ++uploads_; }
  void upload_finished();
  // `sha256_hex` was just dropped by a function (deleted, or given other code).
  void maybe_unused(const std::string& sha256_hex);

  // Trees removed so far (for logs and tests).
  std::size_t removed() const { return removed_; }

 private:
  void collect();
  void retry_later();

  store::code_store& code_;
  store::function_store& functions_;
  store::layer_store& layers_;
  env::pool& pool_;
  std::function<void(std::filesystem::path)> remove_later_;
  std::set<std::string> candidates_;
  int uploads_ = 0;
  std::size_t removed_ = 0;
  struct retry;
  std::unique_ptr<retry> retry_;
};

}  // namespace lambdakit::platform::api
