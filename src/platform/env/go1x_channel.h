// The go1.x channel: the host side of Lambda's go1.x runtime. The function binary listens on
// 127.0.0.1:$_LAMBDA_SERVER_PORT and speaks Go's net/rpc with gob (../shared/specs/
// go1x-rpc.md); this channel dials it until it listens (the environment's Init limit bounds the
// wait), calls Function.Ping (Init ends at its answer), then one Function.Invoke per event on
// the same connection.
//
// InvokeResponse.Error becomes the Invoke API's {"errorMessage","errorType","stackTrace"} with
// X-Amz-Function-Error: Unhandled; ShouldExit (a Go panic) answers, then resets the
// environment. A connection lost mid-invoke is Runtime.ExitError; bytes that are not a gob
// stream of the expected messages are Runtime.InvalidResponse: both reset the environment.
#pragma once

#include <memory>

#include "platform/env/runtime_channel.h"

namespace boost::asio {
class io_context;
}

namespace lambdakit::platform::env {

std::shared_ptr<runtime_channel> make_go1x_channel(boost::asio::io_context& io,
                                                   channel_events events);

}  // namespace lambdakit::platform::env
