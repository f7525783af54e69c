#include "runtime/stdio/frame_transport.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "lambdakit/version.h"
#include "runtime/runtime_api/runtime_error.h"
#include "runtime/write_all.h"

namespace lambdakit::runtime {
namespace stdio = wire::stdio;
using stdio::field;
using stdio::frame_type;
frame_transport::frame_transport(base::unique_fd in, base::unique_fd out)
    : in_(std::move(in)), out_(std::move(out)) {}

result<std::unique_ptr<frame_transport>> frame_transport::open(base::unique_fd in,
                                                               base::unique_fd out) {
  for (int fd : {in.get(), out.get()}) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) {
      return make_failure(std::make_error_code(std::errc::bad_file_descriptor),
                          "descriptor " + std::to_string(fd) +
                              " is not open: LAMBDAKIT_STDIO is set, so the host must pass "
                              "descriptors 3 (to the function) and 4 (from it)");
    }
    ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  std::unique_ptr<frame_transport> t(new frame_transport(std::move(in), std::move(out)));
  stdio::frame_writer w(t->out_buf_, frame_type::hello);
  w.add(field::version, std::uint64_t{stdio::protocol_version})
      .add(field::lambdakit_version, LAMBDAKIT_VERSION_STRING)
      .add(field::pid, static_cast<std::uint64_t>(::getpid()));
  if (auto s = t->send(w); !s) return std::move(s).error();
  return t;
}

result<void> frame_transport::send(stdio::frame_writer& w) {
  if (auto f = w.finish(); !f) {
    out_buf_.clear();
    return make_failure(errc::response_too_large, f.error().detail);
  }
  // What the handler printed belongs before its answer in the log.
  std::fflush(nullptr);
  int err = write_all(out_.get(), out_buf_);
  out_buf_.clear();
  if (err != 0) {
    return make_failure(errc::api_unreachable, "writing to the host (descriptor 4): " +
                                                   std::generic_category().message(err));
  }
  return {};
}

result<stdio::frame> frame_transport::read_frame() {
  char buf[64 * 1024];
  while (true) {
    auto f = reader_.next();
    if (!f) {
      // Tell the host why, once, then stop: the stream cannot be trusted any more.
      stdio::frame_writer w(out_buf_, frame_type::protocol_error);
      w.add(field::message, "the function could not read the host's frames: " + f.error().detail);
      (void)send(w);
      return make_failure(errc::protocol_error, f.error().detail);
    }
    if (*f) return std::move(**f);
    ssize_t n = base::retry_eintr([&] { return ::read(in_.get(), buf, sizeof buf); });
    if (n < 0) {
      return make_failure(errc::api_unreachable,
                          "reading from the host (descriptor 3): " + errno_code().message());
    }
    if (n == 0) {
      std::size_t partial = reader_.buffered();
      return make_failure(errc::api_unreachable,
                          partial == 0 ? "the host closed descriptor 3: no more invokes"
                                       : "the host closed descriptor 3 in the middle of a frame (" +
                                             std::to_string(partial) + " bytes unread)");
    }
    reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

namespace {
constexpr std::uint64_t max_deadline_ms = 253402300799000;  // 9999-12-31T23:59:59Z
}  // namespace

result<invocation> frame_transport::next() {
  if (!ready_sent_) {
    stdio::frame_writer w(out_buf_, frame_type::ready);
    if (auto s = send(w); !s) return std::move(s).error();
    ready_sent_ = true;
  }
  auto f = read_frame();
  if (!f) return std::move(f).error();
  if (f->type == frame_type::protocol_error) {
    return make_failure(errc::protocol_error,
                        "the host stopped the function: " + std::string(f->get(field::message)));
  }
  if (f->type != frame_type::invoke) {
    std::string why =
        "the host sent a " + std::string(stdio::name(f->type)) + " frame where an invoke belongs";
    stdio::frame_writer w(out_buf_, frame_type::protocol_error);
    w.add(field::message, why);
    (void)send(w);
    return make_failure(errc::protocol_error, why);
  }
  invocation inv;
  inv.request_id = f->get(field::request_id);
  if (inv.request_id.empty()) {
    return make_failure(errc::malformed_invocation, "an invoke frame without a request id");
  }
  std::string_view d = f->get(field::deadline_ms);
  std::uint64_t ms = 0;
  if (std::from_chars(d.data(), d.data() + d.size(), ms).ec != std::errc{}) ms = 0;
  ms = std::min<std::uint64_t>(ms, max_deadline_ms);  // the clock's range, far beyond any deadline
  inv.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  inv.function_arn = f->get(field::function_arn);
  inv.xray_trace_id = f->get(field::trace_id);
  inv.client_context = f->get(field::client_context);
  inv.cognito_identity = f->get(field::cognito_identity);
  inv.tenant_id = f->get(field::tenant_id);
  inv.payload = f->get(field::payload);
  request_id_ = inv.request_id;
  return inv;
}

result<void> frame_transport::post_response(std::string_view request_id, const response& r) {
  stdio::frame_writer w(out_buf_, frame_type::response);
  w.add(field::request_id, request_id)
      .add(field::content_type, r.content_type())
      .add(field::payload, r.body());
  auto s = send(w);
  if (!s && s.error().code == errc::response_too_large) {
    // The host must hear something for this invoke; the caller gets the error Lambda gives.
    (void)send_error_frame(frame_type::error, request_id,
                           {"Function.ResponseSizeTooLarge",
                            "Response payload size (" + std::to_string(r.body().size()) +
                                " bytes) exceeded the stdio frame limit (" +
                                std::to_string(stdio::max_body) + " bytes).",
                            {}});
  }
  return s;
}

result<void> frame_transport::send_error_frame(frame_type t, std::string_view request_id,
                                               const function_error& e) {
  // An error always reaches the host: a message or stack too large for one frame is cut (the
  // host would otherwise wait for an answer that never comes).
  constexpr std::size_t budget = stdio::max_body / 2;
  constexpr std::string_view cut = " [cut: over the stdio frame limit]";
  auto fit = [&](std::string_view s, std::size_t room) {
    return s.size() <= room ? std::string(s) : std::string(s.substr(0, room)) + std::string(cut);
  };
  stdio::frame_writer w(out_buf_, t);
  if (!request_id.empty()) w.add(field::request_id, request_id);
  w.add(field::error_type, fit(e.type, 4096)).add(field::error_message, fit(e.message, budget));
  for (const auto& s : e.stack_trace) {
    if (w.body_size() + s.size() + 64 > stdio::max_body - 8192) break;
    w.add(field::stack_frame, s);
  }
  return send(w);
}

result<void> frame_transport::post_error(std::string_view request_id, const function_error& e) {
  return send_error_frame(frame_type::error, request_id, e);
}

result<void> frame_transport::post_init_error(const function_error& e) {
  return send_error_frame(frame_type::init_error, {}, e);
}

result<void> frame_transport::stream_begin(std::string_view request_id,
                                           std::string_view content_type) {
  stdio::frame_writer w(out_buf_, frame_type::stream_begin);
  w.add(field::request_id, request_id).add(field::content_type, content_type);
  return send(w);
}

result<void> frame_transport::stream_write(std::string_view chunk) {
  // Chunks over the frame limit go as several frames: the host joins them anyway.
  do {
    std::string_view part = chunk.substr(0, stdio::max_body - 64);
    chunk.remove_prefix(part.size());
    stdio::frame_writer w(out_buf_, frame_type::stream_chunk);
    w.add(field::payload, part);
    if (auto s = send(w); !s) return s;
  } while (!chunk.empty());
  return {};
}

result<void> frame_transport::stream_end(const function_error* error) {
  if (error != nullptr) return send_error_frame(frame_type::stream_end, request_id_, *error);
  stdio::frame_writer w(out_buf_, frame_type::stream_end);
  w.add(field::request_id, request_id_);
  return send(w);
}

bool frame_transport::is_fatal(const failure& f) const {
  return f.code == errc::api_unreachable || f.code == errc::protocol_error;
}

}  // namespace lambdakit::runtime
