#include "wire/go1x/messages.h"

#include "wire/gob/struct_reader.h"

namespace lambdakit::wire::go1x {
namespace types {
namespace {
namespace l = gob::local;

constexpr gob::local_field request_fields[] = {{"ServiceMethod", &l::string},
                                               {"Seq", &l::unsigned_integer}};
constexpr gob::local_field response_fields[] = {
    {"ServiceMethod", &l::string}, {"Seq", &l::unsigned_integer}, {"Error", &l::string}};

constexpr gob::local_field deadline_fields[] = {{"Seconds", &l::integer}, {"Nanos", &l::integer}};
constexpr gob::local_type deadline = gob::structure("InvokeRequest_Timestamp", deadline_fields);
constexpr gob::local_field invoke_request_fields[] = {{"Payload", &l::bytes},
                                                      {"RequestId", &l::string},
                                                      {"XAmznTraceId", &l::string},
                                                      {"Deadline", &deadline},
                                                      {"InvokedFunctionArn", &l::string},
                                                      {"CognitoIdentityId", &l::string},
                                                      {"CognitoIdentityPoolId", &l::string},
                                                      {"ClientContext", &l::bytes}};

constexpr gob::local_field frame_fields[] = {
    {"Path", &l::string}, {"Line", &l::integer}, {"Label", &l::string}};
// Go names a pointed-to struct "" and a slice of pointers by its Go spelling.
constexpr gob::local_type frame = gob::structure("", frame_fields);
constexpr gob::local_type frames =
    gob::slice_of("[]*messages.InvokeResponse_Error_StackFrame", frame);
constexpr gob::local_field error_fields[] = {{"Message", &l::string},
                                             {"Type", &l::string},
                                             {"StackTrace", &frames},
                                             {"ShouldExit", &l::boolean}};
constexpr gob::local_type error = gob::structure("InvokeResponse_Error", error_fields);
constexpr gob::local_field invoke_response_fields[] = {{"Payload", &l::bytes}, {"Error", &error}};
}  // namespace

constinit const gob::local_type request = gob::structure("Request", request_fields);
constinit const gob::local_type response = gob::structure("Response", response_fields);
constinit const gob::local_type ping_request = gob::structure("PingRequest", {});
constinit const gob::local_type ping_response = gob::structure("PingResponse", {});
constinit const gob::local_type invoke_request =
    gob::structure("InvokeRequest", invoke_request_fields);
constinit const gob::local_type invoke_response =
    gob::structure("InvokeResponse", invoke_response_fields);
constinit const gob::local_type empty = gob::structure("", {});
}  // namespace types

namespace {

// One value message: the definitions its type needs, then the value written by `write`.
template <class F>
void encode_value(gob::encoder& enc, std::string& out, const gob::local_type& t, F&& write) {
  gob::type_id id = enc.prepare(out, t);
  std::string body;
  gob::struct_writer w(body);
  write(w);
  w.end();
  gob::append_message(out, id, body);
}

// Reads one struct message and checks that nothing follows its value.
template <class F>
result<void> decode_value(const gob::type_table& t, const gob::value_message& m, F&& f) {
  gob::cursor c(m.body);
  if (auto r = gob::read_struct(t, c, m.type, std::forward<F>(f)); !r) return r;
  if (!c.at_end()) {
    return make_failure(gob::error::extra_data,
                        std::to_string(c.remaining()) + " bytes after a value");
  }
  return {};
}

result<void> read_frame(gob::field& element, stack_frame& out) {
  return element.read_struct([&](gob::field& f) -> result<void> {
    if (f.name() == "Path") return f.read_string(out.path);
    if (f.name() == "Line") return f.read_int(out.line);
    if (f.name() == "Label") return f.read_string(out.label);
    return f.skip();
  });
}

result<void> read_error(gob::field& field, invoke_error& out) {
  return field.read_struct([&](gob::field& f) -> result<void> {
    if (f.name() == "Message") return f.read_string(out.message);
    if (f.name() == "Type") return f.read_string(out.type);
    if (f.name() == "ShouldExit") return f.read_bool(out.should_exit);
    if (f.name() == "StackTrace") {
      return f.read_slice(
          [&](gob::field& element) { return read_frame(element, out.stack_trace.emplace_back()); });
    }
    return f.skip();
  });
}

}  // namespace

void encode(gob::encoder& enc, std::string& out, const rpc_request& v) {
  encode_value(enc, out, types::request, [&](gob::struct_writer& w) {
    w.bytes_field(0, v.service_method).uint_field(1, v.seq);
  });
}

void encode(gob::encoder& enc, std::string& out, const rpc_response& v) {
  encode_value(enc, out, types::response, [&](gob::struct_writer& w) {
    w.bytes_field(0, v.service_method).uint_field(1, v.seq).bytes_field(2, v.error);
  });
}

void encode(gob::encoder& enc, std::string& out, const invoke_request& v) {
  encode_value(enc, out, types::invoke_request, [&](gob::struct_writer& w) {
    w.bytes_field(0, v.payload).bytes_field(1, v.request_id).bytes_field(2, v.trace_id);
    w.begin_struct(3).int_field(0, v.deadline_seconds).int_field(1, v.deadline_nanos).end();
    w.bytes_field(4, v.function_arn)
        .bytes_field(5, v.cognito_identity_id)
        .bytes_field(6, v.cognito_identity_pool_id)
        .bytes_field(7, v.client_context);
  });
}

void encode(gob::encoder& enc, std::string& out, const invoke_response& v) {
  encode_value(enc, out, types::invoke_response, [&](gob::struct_writer& w) {
    w.bytes_field(0, v.payload);
    if (!v.error) return;  // a nil pointer is omitted
    const invoke_error& e = *v.error;
    gob::struct_writer ew = w.begin_struct(1);
    ew.bytes_field(0, e.message).bytes_field(1, e.type);
    if (ew.begin_slice(2, e.stack_trace.size())) {
      for (const auto& f : e.stack_trace) {
        gob::struct_writer(ew.out())
            .bytes_field(0, f.path)
            .int_field(1, f.line)
            .bytes_field(2, f.label)
            .end();
      }
    }
    ew.bool_field(3, e.should_exit).end();
  });
}

void encode_empty(gob::encoder& enc, std::string& out, const gob::local_type& t) {
  encode_value(enc, out, t, [](gob::struct_writer&) {});
}

result<rpc_request> decode_rpc_request(const gob::type_table& t, const gob::value_message& m) {
  rpc_request v;
  auto r = decode_value(t, m, [&](gob::field& f) -> result<void> {
    if (f.name() == "ServiceMethod") return f.read_string(v.service_method);
    if (f.name() == "Seq") return f.read_uint(v.seq);
    return f.skip();
  });
  if (!r) return std::move(r).error();
  return v;
}

result<rpc_response> decode_rpc_response(const gob::type_table& t, const gob::value_message& m) {
  rpc_response v;
  auto r = decode_value(t, m, [&](gob::field& f) -> result<void> {
    if (f.name() == "ServiceMethod") return f.read_string(v.service_method);
    if (f.name() == "Seq") return f.read_uint(v.seq);
    if (f.name() == "Error") return f.read_string(v.error);
    return f.skip();
  });
  if (!r) return std::move(r).error();
  return v;
}

result<invoke_request> decode_invoke_request(const gob::type_table& t,
                                             const gob::value_message& m) {
  invoke_request v;
  auto r = decode_value(t, m, [&](gob::field& f) -> result<void> {
    std::string_view n = f.name();
    if (n == "Payload") return f.read_bytes(v.payload);
    if (n == "RequestId") return f.read_string(v.request_id);
    if (n == "XAmznTraceId") return f.read_string(v.trace_id);
    if (n == "InvokedFunctionArn") return f.read_string(v.function_arn);
    if (n == "CognitoIdentityId") return f.read_string(v.cognito_identity_id);
    if (n == "CognitoIdentityPoolId") return f.read_string(v.cognito_identity_pool_id);
    if (n == "ClientContext") return f.read_bytes(v.client_context);
    if (n == "Deadline") {
      return f.read_struct([&](gob::field& d) -> result<void> {
        if (d.name() == "Seconds") return d.read_int(v.deadline_seconds);
        if (d.name() == "Nanos") return d.read_int(v.deadline_nanos);
        return d.skip();
      });
    }
    return f.skip();
  });
  if (!r) return std::move(r).error();
  return v;
}

result<invoke_response> decode_invoke_response(const gob::type_table& t,
                                               const gob::value_message& m) {
  invoke_response v;
  auto r = decode_value(t, m, [&](gob::field& f) -> result<void> {
    if (f.name() == "Payload") return f.read_bytes(v.payload);
    if (f.name() == "Error") return read_error(f, v.error.emplace());
    return f.skip();
  });
  if (!r) return std::move(r).error();
  return v;
}

result<void> decode_ignored(const gob::type_table& t, const gob::value_message& m) {
  const gob::wire_type* w = t.find(m.type);
  if (w != nullptr && w->k == gob::wire_type::kind::structure) {
    return decode_value(t, m, [](gob::field& f) { return f.skip(); });
  }
  gob::cursor c(m.body);  // a top-level value of another kind follows a 0 delta
  auto zero = c.read_uint();
  if (!zero) return std::move(zero).error();
  if (*zero != 0) {
    return make_failure(gob::error::bad_field, "a non-struct value without its leading 0");
  }
  if (auto r = t.skip(c, m.type); !r) return r;
  if (!c.at_end()) {
    return make_failure(gob::error::extra_data,
                        std::to_string(c.remaining()) + " bytes after a value");
  }
  return {};
}

}  // namespace lambdakit::wire::go1x
