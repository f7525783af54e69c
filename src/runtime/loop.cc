#include "runtime/loop.h"

#include <cstdlib>
#include <string>

#include "runtime/exception_boundary.h"
#include "runtime/log.h"

namespace lambdakit::runtime {
namespace {

// Lambda's contract: _X_AMZN_TRACE_ID holds this invoke's trace header, or is absent.
void set_trace_id(const invocation& inv) {
  if (inv.xray_trace_id.empty()) {
    ::unsetenv("_X_AMZN_TRACE_ID");
  } else {
    ::setenv("_X_AMZN_TRACE_ID", inv.xray_trace_id.c_str(), 1);
  }
}

// Logs a failed post; true when the runtime must stop.
bool post_failed(const transport& t, const failure& f, std::string_view request_id) {
  log_line("invoke " + std::string(request_id) + ": " + f.message());
  return t.is_fatal(f);
}

bool run_init(transport& t, const run_options& options) {
  if (!options.init) return true;
  try {
    options.init();
    return true;
  } catch (...) {
    function_error e = current_exception_error();
    log_line("init failed: " + e.type + ": " + e.message);
    if (auto p = t.post_init_error(e); !p)
      log_line("reporting the init error failed: " + p.error().message());
    return false;
  }
}

// One streamed response. The stream begins with the first chunk, so a handler that throws
// before writing anything still gets an ordinary error answer.
class stream_writer final : public response_writer {
 public:
  stream_writer(transport& c, const std::string& request_id)
      : transport_(c), request_id_(request_id) {}

  void set_content_type(std::string_view type) override {
    if (!started_) content_type_ = std::string(type);
  }

  bool write(std::string_view chunk) override {
    if (broken_) return false;
    if (chunk.empty()) return true;
    if (!start()) return false;
    if (auto w = transport_.stream_write(chunk); !w) return fail(w.error());
    return true;
  }

  bool started() const { return started_; }

  // Ends the stream, with `error` in its trailers when given; true when the runtime must stop.
  bool finish(const function_error* error) {
    if (broken_) return false;
    if (!start()) return false;
    if (auto r = transport_.stream_end(error); !r)
      return post_failed(transport_, r.error(), request_id_);
    return false;
  }

 private:
  bool start() {
    if (started_) return true;
    started_ = true;
    if (auto b = transport_.stream_begin(request_id_, content_type_); !b) return fail(b.error());
    return true;
  }
  bool fail(const failure& f) {
    broken_ = true;
    post_failed(transport_, f, request_id_);
    return false;
  }

  transport& transport_;
  const std::string& request_id_;
  std::string content_type_ = "application/octet-stream";
  bool started_ = false;
  bool broken_ = false;
};

// Asks for the next invocation and hands each invocation to `answer`, which returns true to stop.
template <class Answer>
int poll(transport& t, const run_options& options, Answer&& answer) {
  if (!run_init(t, options)) return exit_code::init_failed;
  while (true) {
    auto inv = t.next();
    if (!inv) {
      log_line(inv.error().message());
      return exit_code::api_failed;
    }
    set_trace_id(*inv);
    if (answer(*inv)) return exit_code::api_failed;
  }
}

}  // namespace

int serve(transport& t, const handler& h, const run_options& options) {
  return poll(t, options, [&](const invocation& inv) {
    outcome o = call_handler(h, inv);
    auto posted = o.is_success() ? t.post_response(inv.request_id, o.get_response())
                                 : t.post_error(inv.request_id, o.get_error());
    return !posted && post_failed(t, posted.error(), inv.request_id);
  });
}

int serve(transport& t, const streaming_handler& h, const run_options& options) {
  return poll(t, options, [&](const invocation& inv) {
    stream_writer writer(t, inv.request_id);
    try {
      h(inv, writer);
    } catch (...) {
      function_error e = current_exception_error();
      if (writer.started()) return writer.finish(&e);
      auto posted = t.post_error(inv.request_id, e);
      return !posted && post_failed(t, posted.error(), inv.request_id);
    }
    return writer.finish(nullptr);
  });
}

}  // namespace lambdakit::runtime
