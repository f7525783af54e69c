// Errors of the Runtime API client, each with the action the runtime loop takes on it.
#pragma once

#include <system_error>

namespace lambdakit::runtime {

enum class errc {
  api_unreachable = 1,   // no connection after every retry: exit
  container_error,       // /next or a post answered 500: the platform wants us gone: exit
  unexpected_status,     // /next answered something other than 200: exit
  protocol_error,        // the Runtime API sent bytes that are not valid HTTP, or too many: exit
  malformed_invocation,  // /next had no request id: exit (there is no id to report against)
  rejected,              // a post got 400 or 403 (stale id, second answer): log, go on
  response_too_large,    // a post got 413 (over 6 MB): log, go on; the caller sees the error
  stream_broken,         // the connection broke mid-stream: log, go on
};

const std::error_category& runtime_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), runtime_category()};
}

// True for the errors after which the runtime must exit rather than poll /next again.
bool is_fatal(const std::error_code& ec) noexcept;

}  // namespace lambdakit::runtime

template <>
struct std::is_error_code_enum<lambdakit::runtime::errc> : std::true_type {};
