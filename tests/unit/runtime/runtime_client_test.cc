#include "runtime/runtime_api/runtime_client.h"

#include <gtest/gtest.h>

#include "fake_api.h"

namespace lambdakit::runtime {
namespace {
using testing::fake_api;
using testing::http_response;
using testing::next_response;

TEST(RuntimeClient, NextReadsEveryContextHeader) {
  fake_api api;
  api.invocations.push_back(
      next_response("id-1", R"({"k":1})",
                    "Lambda-Runtime-Trace-Id: "
                    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n"
                    "Lambda-Runtime-Client-Context: {\"custom\":{\"a\":\"b\"}}\r\n"
                    "Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"x\"}\r\n"
                    "Lambda-Runtime-Aws-Tenant-Id: tenant-7\r\n"));
  runtime_client client(api);
  auto inv = client.next();
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_EQ(inv->request_id, "id-1");
  EXPECT_EQ(inv->payload, R"({"k":1})");
  EXPECT_EQ(inv->deadline,
            std::chrono::system_clock::time_point(std::chrono::milliseconds(4102444800000)));
  EXPECT_EQ(inv->function_arn, "arn:aws:lambda:us-east-1:123456789012:function:f");
  EXPECT_EQ(inv->xray_trace_id,
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
  EXPECT_EQ(inv->client_context, R"({"custom":{"a":"b"}})");
  EXPECT_EQ(inv->cognito_identity, R"({"cognitoIdentityId":"x"})");
  EXPECT_EQ(inv->tenant_id, "tenant-7");
  ASSERT_EQ(api.requests.size(), 1u);
  EXPECT_EQ(api.requests[0].method, "GET");
  EXPECT_EQ(api.requests[0].target, "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(api.requests[0].headers["host"], "127.0.0.1:9001");
}

TEST(RuntimeClient, AbsentContextHeadersAreEmpty) {
  fake_api api;
  api.invocations.push_back(next_response("id-1", ""));
  runtime_client client(api);
  auto inv = client.next();
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->payload, "");
  EXPECT_EQ(inv->client_context, "");
  EXPECT_EQ(inv->cognito_identity, "");
  EXPECT_EQ(inv->xray_trace_id, "");
}

TEST(RuntimeClient, KeepsOneConnection) {
  fake_api api;
  for (int i = 0; i < 5; ++i)
    api.invocations.push_back(next_response("id-" + std::to_string(i), "{}"));
  runtime_client client(api);
  for (int i = 0; i < 5; ++i) {
    auto inv = client.next();
    ASSERT_TRUE(inv);
    ASSERT_TRUE(client.post_response(inv->request_id, response::json("{}")));
  }
  EXPECT_EQ(api.connects, 1);
}

TEST(RuntimeClient, ReconnectsWhenTheServerSaysClose) {
  fake_api api;
  api.invocations.push_back(next_response("id-1", "{}", "Connection: close\r\n"));
  api.invocations.push_back(next_response("id-2", "{}"));
  runtime_client client(api);
  ASSERT_TRUE(client.next());
  ASSERT_TRUE(client.next());
  EXPECT_EQ(api.connects, 2);
}

TEST(RuntimeClient, PostResponseSendsBodyAndContentType) {
  fake_api api;
  runtime_client client(api);
  std::string binary("\0\x01\xff{}", 5);
  ASSERT_TRUE(client.post_response("abc", response::bytes(binary, "application/x-test")));
  ASSERT_EQ(api.requests.size(), 1u);
  EXPECT_EQ(api.requests[0].target, "/2018-06-01/runtime/invocation/abc/response");
  EXPECT_EQ(api.requests[0].body, binary);
  EXPECT_EQ(api.requests[0].headers["content-type"], "application/x-test");
  EXPECT_EQ(api.requests[0].headers["content-length"], "5");
}

TEST(RuntimeClient, PostErrorSendsJsonAndTypeHeader) {
  fake_api api;
  runtime_client client(api);
  ASSERT_TRUE(client.post_error(
      "abc", function_error{"app::bad \"input\"", "line1\nline2", {"main.cc:3"}}));
  ASSERT_EQ(api.requests.size(), 1u);
  EXPECT_EQ(api.requests[0].target, "/2018-06-01/runtime/invocation/abc/error");
  EXPECT_EQ(
      api.requests[0].body,
      R"({"errorMessage":"line1\nline2","errorType":"app::bad \"input\"","stackTrace":["main.cc:3"]})");
  EXPECT_EQ(api.requests[0].headers["lambda-runtime-function-error-type"], "app::bad \"input\"");
  EXPECT_EQ(api.requests[0].headers["content-type"], "application/json");
}

TEST(RuntimeClient, InitErrorGoesToItsOwnPath) {
  fake_api api;
  runtime_client client(api);
  ASSERT_TRUE(client.post_init_error(function_error{"Init", "no config", {}}));
  EXPECT_EQ(api.requests.at(0).target, "/2018-06-01/runtime/init/error");
}

TEST(RuntimeClient, PostStatusesMapToErrors) {
  struct {
    int status;
    errc code;
  } cases[] = {{413, errc::response_too_large},
               {400, errc::rejected},
               {403, errc::rejected},
               {404, errc::rejected},
               {500, errc::container_error}};
  for (auto c : cases) {
    fake_api api;
    api.answer = [&](const testing::recorded_request&) {
      return http_response(c.status, R"({"errorMessage":"nope","errorType":"X"})");
    };
    runtime_client client(api);
    auto r = client.post_response("abc", response::json("{}"));
    ASSERT_FALSE(r) << c.status;
    EXPECT_EQ(r.error().code, c.code) << c.status;
    EXPECT_NE(r.error().detail.find("answered " + std::to_string(c.status)), std::string::npos);
    EXPECT_NE(r.error().detail.find("nope"), std::string::npos);
  }
}

TEST(RuntimeClient, NextStatuses) {
  fake_api api;
  api.answer = [](const testing::recorded_request&) {
    return http_response(500, "container error");
  };
  runtime_client client(api);
  auto r = client.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::container_error);
  EXPECT_TRUE(is_fatal(r.error().code));

  fake_api api2;
  api2.answer = [](const testing::recorded_request&) {
    return http_response(403, "InvalidStateTransition");
  };
  runtime_client client2(api2);
  auto r2 = client2.next();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, errc::unexpected_status);
  EXPECT_NE(r2.error().detail.find("403: InvalidStateTransition"), std::string::npos);
}

TEST(RuntimeClient, MissingRequestIdIsFatal) {
  for (std::string headers :
       {"Lambda-Runtime-Deadline-Ms: 1\r\n", "Lambda-Runtime-Aws-Request-Id: a/b\r\n",
        "Lambda-Runtime-Aws-Request-Id: \r\n"}) {
    fake_api api;
    api.invocations.push_back(http_response(200, "{}", headers));
    runtime_client client(api);
    auto r = client.next();
    ASSERT_FALSE(r) << headers;
    EXPECT_EQ(r.error().code, errc::malformed_invocation);
    EXPECT_TRUE(is_fatal(r.error().code));
  }
}

TEST(RuntimeClient, BadDeadlineIsReportedAndPollingGoesOn) {
  for (std::string deadline :
       {"", "Lambda-Runtime-Deadline-Ms: soon\r\n", "Lambda-Runtime-Deadline-Ms: -5\r\n"}) {
    fake_api api;
    api.invocations.push_back(
        http_response(200, "{}", "Lambda-Runtime-Aws-Request-Id: bad\r\n" + deadline));
    api.invocations.push_back(next_response("good", "{}"));
    runtime_client client(api);
    auto inv = client.next();
    ASSERT_TRUE(inv) << deadline;
    EXPECT_EQ(inv->request_id, "good");
    auto errors = api.posts_to("/invocation/bad/error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].headers["lambda-runtime-function-error-type"],
              "Runtime.MalformedInvocation");
    EXPECT_NE(errors[0].body.find("Lambda-Runtime-Deadline-Ms"), std::string::npos);
  }
}

TEST(RuntimeClient, RetriesAfterTheConnectionDrops) {
  fake_api api;
  int calls = 0;
  api.answer = [&](const testing::recorded_request&) -> std::string {
    if (++calls < 3) return "";  // close without answering, twice
    return next_response("id", "{}");
  };
  runtime_client client(api);
  auto inv = client.next();
  ASSERT_TRUE(inv) << inv.error().message();
  EXPECT_EQ(api.connects, 3);
  EXPECT_EQ(api.pauses, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(10),
                                                                std::chrono::milliseconds(20)}));
}

TEST(RuntimeClient, ServerClosingMidResponseIsRetriedThenGivenUp) {
  fake_api api;
  // Promises 100 bytes, sends 3, closes: every time.
  api.answer = [](const testing::recorded_request&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
  };
  runtime_client client(api, retry_policy{.attempts = 4});
  auto r = client.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::api_unreachable);
  EXPECT_NE(r.error().detail.find("failed 4 times"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("97 of the body bytes"), std::string::npos) << r.error().detail;
  EXPECT_EQ(api.requests.size(), 4u);
}

TEST(RuntimeClient, UnreachableApiGivesUpWithAHint) {
  class refusing final : public connector {
   public:
    result<std::unique_ptr<byte_stream>> connect() override {
      ++tries;
      return make_failure({ECONNREFUSED, std::system_category()}, "connecting to 127.0.0.1:9001");
    }
    void pause(std::chrono::milliseconds d) override { waited += d; }
    const std::string& authority() const override { return authority_; }
    int tries = 0;
    std::chrono::milliseconds waited{0};
    std::string authority_ = "127.0.0.1:9001";
  } refuse;
  runtime_client client(refuse);
  auto r = client.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::api_unreachable);
  EXPECT_EQ(refuse.tries, 8);
  EXPECT_EQ(refuse.waited, std::chrono::milliseconds(10 + 20 + 40 + 80 + 160 + 320 + 640));
  EXPECT_NE(r.error().detail.find("check AWS_LAMBDA_RUNTIME_API"), std::string::npos)
      << r.error().detail;
  EXPECT_NE(r.error().detail.find("refused"), std::string::npos) << r.error().detail;
}

TEST(RuntimeClient, MalformedAnswersAreNotRetried) {
  struct {
    const char* name;
    std::string reply;
    const char* detail;
  } cases[] = {
      {"garbage", "\x01\x02garbage\r\n\r\n", "malformed HTTP start line"},
      {"10 GB body", "HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n", "exceeds the limit"},
      {"bad header", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "no colon"},
      {"bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", "bare LF"},
  };
  for (const auto& c : cases) {
    fake_api api;
    api.answer = [&](const testing::recorded_request&) { return c.reply; };
    runtime_client client(api);
    auto r = client.next();
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, errc::protocol_error) << c.name;
    EXPECT_NE(r.error().detail.find(c.detail), std::string::npos) << r.error().detail;
    EXPECT_EQ(api.requests.size(), 1u) << c.name;
  }
}

TEST(RuntimeClient, InterimContinueIsSkipped) {
  fake_api api;
  api.answer = [](const testing::recorded_request&) {
    return "HTTP/1.1 100 Continue\r\n\r\n" + http_response(202, "{}");
  };
  runtime_client client(api);
  EXPECT_TRUE(client.post_response("a", response::json("{}")));
}

TEST(RuntimeClient, StreamingSendsChunksAndTrailers) {
  fake_api api;
  runtime_client client(api);
  ASSERT_TRUE(client.stream_begin("s1", "text/plain"));
  ASSERT_TRUE(client.stream_write("one,"));
  ASSERT_TRUE(client.stream_write(""));
  ASSERT_TRUE(client.stream_write("two"));
  function_error e{"Boom", "mid-stream", {}};
  ASSERT_TRUE(client.stream_end(&e));
  ASSERT_EQ(api.requests.size(), 1u);
  const auto& r = api.requests[0];
  EXPECT_EQ(r.target, "/2018-06-01/runtime/invocation/s1/response");
  EXPECT_EQ(r.body, "one,two");
  EXPECT_EQ(r.headers.at("lambda-runtime-function-response-mode"), "streaming");
  EXPECT_EQ(r.headers.at("transfer-encoding"), "chunked");
  EXPECT_EQ(r.headers.at("content-type"), "text/plain");
  EXPECT_EQ(r.trailers.at("lambda-runtime-function-error-type"), "Boom");
  // base64 of {"errorMessage":"mid-stream","errorType":"Boom","stackTrace":[]}
  EXPECT_EQ(
      r.trailers.at("lambda-runtime-function-error-body"),
      "eyJlcnJvck1lc3NhZ2UiOiJtaWQtc3RyZWFtIiwiZXJyb3JUeXBlIjoiQm9vbSIsInN0YWNrVHJhY2UiOltdfQ==");
}

TEST(RuntimeClient, BrokenStreamIsReportedNotRetried) {
  fake_api api;
  api.fail_at = 2;  // connect, head write, first chunk write
  runtime_client client(api);
  ASSERT_TRUE(client.stream_begin("s1", "text/plain"));
  auto w = client.stream_write("one");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, errc::stream_broken);
  EXPECT_FALSE(is_fatal(w.error().code));
  auto e = client.stream_end(nullptr);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, errc::stream_broken);
}

}  // namespace
}  // namespace lambdakit::runtime
