// The Runtime API channel: the per-environment Runtime API server (spec §1) that provided.*,
// python3.x and nodejs* runtimes long-poll. It keeps the API's state machine: which request
// is in flight, which was answered last (a second answer is 403 InvalidStateTransition, an
// unknown id 400 InvalidRequestID), Init's end at the first /next, the 6 MB response limit,
// streamed responses and their error trailers.
#pragma once

#include <memory>

#include "platform/env/runtime_channel.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::env {

// The server listens on 127.0.0.1 on a port of its own (chosen by the OS) once open() is
// called. `events` must stay callable for the channel's life.
std::shared_ptr<runtime_channel> make_runtime_api_channel(boost::asio::io_context& io,
                                                          channel_events events);

}  // namespace lambdakit::platform::env
