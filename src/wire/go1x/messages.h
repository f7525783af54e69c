// The go1.x messages (aws-lambda-go lambda/messages) and net/rpc's call headers, as C++
// values, with their gob encodings. Decoders match fields by name and skip unknown ones, as
// Go's do; each refuses bytes left over after its value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "wire/gob/encoder.h"
#include "wire/gob/stream.h"

namespace lambdakit::wire::go1x {

// net/rpc: Request{ServiceMethod, Seq} before each call's argument.
struct rpc_request {
  std::string service_method;
  std::uint64_t seq = 0;
};

// net/rpc: Response{ServiceMethod, Seq, Error} before each reply's value.
struct rpc_response {
  std::string service_method;
  std::uint64_t seq = 0;
  std::string error;  // an RPC-level failure; the value after it is then an empty struct
};

struct invoke_request {
  std::string payload;
  std::string request_id;
  std::string trace_id;               // XAmznTraceId
  std::int64_t deadline_seconds = 0;  // Deadline: Unix time
  std::int64_t deadline_nanos = 0;
  std::string function_arn;  // InvokedFunctionArn
  std::string cognito_identity_id;
  std::string cognito_identity_pool_id;
  std::string client_context;  // JSON bytes
};

struct stack_frame {
  std::string path;
  std::int64_t line = 0;  // int32 in Go
  std::string label;
};

struct invoke_error {
  std::string message;
  std::string type;
  std::vector<stack_frame> stack_trace;
  bool should_exit = false;  // the host should restart the process
};

struct invoke_response {
  std::string payload;
  std::optional<invoke_error> error;
};

// The types a stream sends, named as Go names them.
namespace types {
extern const gob::local_type request;
extern const gob::local_type response;
extern const gob::local_type ping_request;
extern const gob::local_type ping_response;
extern const gob::local_type invoke_request;
extern const gob::local_type invoke_response;
extern const gob::local_type empty;  // struct{}: the value after an RPC-level error
}  // namespace types

// Append one value message (and the definitions it needs) to `out`.
void encode(gob::encoder& enc, std::string& out, const rpc_request& v);
void encode(gob::encoder& enc, std::string& out, const rpc_response& v);
void encode(gob::encoder& enc, std::string& out, const invoke_request& v);
void encode(gob::encoder& enc, std::string& out, const invoke_response& v);
// An empty struct of type `t` (PingRequest, PingResponse, struct{}).
void encode_empty(gob::encoder& enc, std::string& out, const gob::local_type& t);

result<rpc_request> decode_rpc_request(const gob::type_table& t, const gob::value_message& m);
result<rpc_response> decode_rpc_response(const gob::type_table& t, const gob::value_message& m);
result<invoke_request> decode_invoke_request(const gob::type_table& t, const gob::value_message& m);
result<invoke_response> decode_invoke_response(const gob::type_table& t,
                                               const gob::value_message& m);
// Any value, read and ignored (PingRequest, PingResponse, an error reply's body).
result<void> decode_ignored(const gob::type_table& t, const gob::value_message& m);

}  // namespace lambdakit::wire::go1x
