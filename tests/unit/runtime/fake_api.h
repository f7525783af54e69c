// An in-memory Runtime API for runtime tests: a connector whose streams parse the client's
// requests and answer them from a script, and which can fail the Nth I/O step (connect, read
// or write) for every N, as beast's test streams do.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/runtime_api/stream.h"
#include "wire/http_message.h"

namespace lambdakit::testing {

struct recorded_request {
  std::string method, target, body;
  std::map<std::string, std::string> headers;   // names lower-cased
  std::map<std::string, std::string> trailers;  // names lower-cased
};

// Raw bytes for an answer. An empty string closes the connection instead of answering.
std::string http_response(int status, std::string_view body, std::string_view extra_headers = {});

// A /next answer carrying one invocation.
std::string next_response(std::string_view request_id, std::string_view payload,
                          std::string_view extra_headers = {});

class fake_api final : public runtime::connector {
 public:
  // Decides the raw answer to each request; by default a scripted Runtime API (below).
  std::function<std::string(const recorded_request&)> answer;

  // The default script: each /next pops the front of `invocations` (raw answers), or answers
  // 500 when none is left; every post answers 202.
  std::deque<std::string> invocations;

  int fail_at = -1;  // the I/O step (counted from 0 over connects, reads and writes) that fails
  int steps = 0;
  int connects = 0;
  std::vector<recorded_request> requests;
  std::vector<std::chrono::milliseconds> pauses;

  fake_api();

  result<std::unique_ptr<runtime::byte_stream>> connect() override;
  void pause(std::chrono::milliseconds d) override { pauses.push_back(d); }
  const std::string& authority() const override { return authority_; }

  // Counts a step; true when this one must fail.
  bool step_fails() { return steps++ == fail_at; }

  // The requests whose target ends with `suffix`.
  std::vector<recorded_request> posts_to(std::string_view suffix) const;

 private:
  std::string authority_ = "127.0.0.1:9001";
};

}  // namespace lambdakit::testing
