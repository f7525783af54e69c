#include "platform/api/records.h"

#include <nlohmann/json.hpp>

namespace lambdakit::platform::api {

void records::add(invocation_record r) {
  items_.push_back(std::move(r));
  if (items_.size() > 10000) items_.pop_front();
}

std::string records::json(const std::string& function, std::size_t limit) const {
  nlohmann::json list = nlohmann::json::array();
  std::deque<const invocation_record*> picked;
  for (auto it = items_.rbegin(); it != items_.rend() && picked.size() < limit; ++it) {
    if (function.empty() || it->function == function) picked.push_front(&*it);
  }
  for (const auto* r : picked) {
    list.push_back({{"request_id", r->request_id},
                    {"function", r->function},
                    {"type", r->type},
                    {"status", r->status},
                    {"cold", r->cold},
                    {"phases_ms",
                     {{"queue", r->queue_ms},
                      {"extract", r->extract_ms},
                      {"spawn", r->spawn_ms},
                      {"init", r->init_ms},
                      {"invoke", r->invoke_ms},
                      {"overhead", r->overhead_ms}}},
                    {"total_ms", r->total_ms},
                    {"max_memory_mb", r->max_memory_mb},
                    {"started_unix_ms", r->started_unix_ms},
                    {"started_unix_us", r->started_unix_us}});
  }
  return nlohmann::json{{"invocations", list}}.dump();
}

}  // namespace lambdakit::platform::api
