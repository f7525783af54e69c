#include "platform/api/url_event.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "platform/api/url_json.h"

namespace lambdakit::platform::api {
namespace {

using json = nlohmann::json;

url_call call() {
  url_call c;
  c.url_id = "abc";
  c.region = "us-east-1";
  c.account = "000000000000";
  c.request_id = "rid";
  c.source_ip = "10.0.0.1";
  c.raw_path = "/p%2Fq";
  c.time_ms = 1583348638390;
  return c;
}

env::invoke_outcome answer(std::string body) {
  env::invoke_outcome o;
  o.body = std::move(body);
  return o;
}

std::vector<std::string> values(const http::response& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : r.headers)
    if (k == name) out.push_back(v);
  return out;
}

TEST(UrlEvent, MapsTheRequest) {
  http::request r;
  r.method = "GET";
  r.target = "/p%2Fq?a=1&a=2&b=%20";
  r.headers = {{"Cookie", "x=1; y=2"}, {"X-A", "1"}, {"x-a", "2"}, {"User-Agent", "ua"}};
  auto e = json::parse(url_event(r, call()));
  EXPECT_EQ(e["rawPath"], "/p%2Fq");
  EXPECT_EQ(e["requestContext"]["http"]["path"], "/p/q");
  EXPECT_EQ(e["rawQueryString"], "a=1&a=2&b=%20");
  EXPECT_EQ(e["queryStringParameters"], (json{{"a", "1,2"}, {"b", " "}}));
  EXPECT_EQ(e["cookies"], (json{"x=1", "y=2"}));
  EXPECT_EQ(e["headers"], (json{{"x-a", "1,2"}, {"user-agent", "ua"}}));
  EXPECT_FALSE(e.contains("body"));
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["requestContext"]["time"], "04/Mar/2020:19:03:58 +0000");
  EXPECT_EQ(e["requestContext"]["http"]["sourceIp"], "10.0.0.1");
  r.target = "/";
  EXPECT_FALSE(json::parse(url_event(r, call())).contains("queryStringParameters"));
}

TEST(UrlEvent, BodiesAreTextOnlyForTextTypesAndValidUtf8) {
  http::request r;
  r.method = "POST";
  r.target = "/";
  r.body = "h\xc3\xa9";
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  EXPECT_EQ(json::parse(url_event(r, call()))["isBase64Encoded"], false);
  r.headers = {{"Content-Type", "application/octet-stream"}};
  auto e = json::parse(url_event(r, call()));
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_EQ(e["body"], "aMOp");
  r.headers = {{"Content-Type", "text/plain"}};
  r.body = "\xff\xfe";  // says text, is not UTF-8
  EXPECT_EQ(json::parse(url_event(r, call()))["isBase64Encoded"], true);
  EXPECT_TRUE(is_text_content_type("application/vnd.api+json"));
  EXPECT_TRUE(is_text_content_type("TEXT/HTML"));
  EXPECT_FALSE(is_text_content_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_text_content_type(""));
}

TEST(UrlEvent, MapsTheAnswer) {
  std::string why;
  auto r = url_response(
      answer(
          R"({"statusCode":201,"headers":{"X-A":"1","Content-Length":"9","N":2},"cookies":["c=1","d=2"],"body":"aGk=","isBase64Encoded":true})"),
      why);
  EXPECT_TRUE(why.empty());
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "hi");
  EXPECT_EQ(values(r, "X-A"), std::vector<std::string>{"1"});
  EXPECT_EQ(values(r, "N"), std::vector<std::string>{"2"});
  EXPECT_TRUE(values(r, "Content-Length").empty());  // the server frames the body itself
  EXPECT_EQ(values(r, "Set-Cookie"), (std::vector<std::string>{"c=1", "d=2"}));

  r = url_response(answer(R"("Hello, world!")"), why);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Hello, world!");  // a JSON string is answered as its text, as on AWS
  EXPECT_EQ(values(r, "Content-Type"), std::vector<std::string>{"application/json"});
  r = url_response(answer(R"({"message":"hi"})"), why);
  EXPECT_EQ(r.body, R"({"message":"hi"})");

  for (const char* bad : {"not json", R"({"statusCode":"x"})", R"({"statusCode":99})",
                          R"({"statusCode":200,"body":"***","isBase64Encoded":true})"}) {
    r = url_response(answer(bad), why);
    EXPECT_EQ(r.status, 502) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  env::invoke_outcome failed = answer(R"({"errorMessage":"x"})");
  failed.status = env::invoke_status::function_error;
  EXPECT_EQ(url_response(failed, why).status, 502);
  EXPECT_EQ(url_response(failed, why).body, "Internal Server Error");
  r = url_response(answer(R"({"statusCode":200,"body":"b"})"), why);
  EXPECT_EQ(values(r, "Content-Type"), std::vector<std::string>{"application/json"});
}

TEST(UrlEvent, StreamPrelude) {
  auto head = url_stream_head(R"({"statusCode":404,"headers":{"a":"b"},"cookies":["k=v"]})");
  EXPECT_EQ(head.status, 404);
  EXPECT_EQ(values(head, "a"), std::vector<std::string>{"b"});
  EXPECT_EQ(values(head, "Set-Cookie"), std::vector<std::string>{"k=v"});
  EXPECT_EQ(url_stream_head("garbage").status, 200);
}

TEST(UrlEvent, Cors) {
  url_config::cors_config cors;
  http::request pre;
  pre.method = "OPTIONS";
  pre.headers = {{"Origin", "https://a"}, {"Access-Control-Request-Method", "GET"}};
  EXPECT_FALSE(cors_preflight(cors, pre));  // no Cors: the function answers OPTIONS
  cors.set = true;
  cors.allow_origins = {"*"};
  cors.allow_methods = {"GET", "POST"};
  auto r = cors_preflight(cors, pre);
  ASSERT_TRUE(r);
  EXPECT_EQ(values(*r, "Access-Control-Allow-Origin"), std::vector<std::string>{"*"});
  EXPECT_EQ(values(*r, "Access-Control-Allow-Methods"), std::vector<std::string>{"GET,POST"});
  cors.allow_credentials = true;  // with credentials a wildcard is answered with the origin
  EXPECT_EQ(values(*cors_preflight(cors, pre), "Access-Control-Allow-Origin"),
            std::vector<std::string>{"https://a"});
  cors.allow_origins = {"https://b"};
  EXPECT_TRUE(values(*cors_preflight(cors, pre), "Access-Control-Allow-Origin").empty());

  http::response res;
  res.set("Access-Control-Allow-Origin", "https://evil");
  apply_cors(cors, "https://b", res);  // a GET's Origin
  EXPECT_EQ(values(res, "Access-Control-Allow-Origin"), std::vector<std::string>{"https://b"});
}

TEST(UrlJson, ParsesAndRefuses) {
  url_config u;
  ASSERT_TRUE(parse_url_config(
      R"({"AuthType":"AWS_IAM","InvokeMode":"RESPONSE_STREAM","Cors":{"AllowOrigins":["*"],"MaxAge":10}})",
      true, u));
  EXPECT_EQ(u.auth_type, "AWS_IAM");
  EXPECT_EQ(u.invoke_mode, "RESPONSE_STREAM");
  EXPECT_TRUE(u.cors.set);
  EXPECT_EQ(u.cors.max_age, 10);
  EXPECT_EQ(parse_url_config("{}", true, u).error().code, "ValidationException");
  EXPECT_TRUE(parse_url_config("{}", false, u));  // an update changes what it names only
  EXPECT_EQ(parse_url_config(R"({"AuthType":"OPEN"})", true, u).error().code,
            "ValidationException");
  EXPECT_EQ(parse_url_config(R"({"InvokeMode":"FAST"})", false, u).error().code,
            "ValidationException");
  EXPECT_EQ(parse_url_config(R"({"Cors":{"MaxAge":86401}})", false, u).error().code,
            "ValidationException");
  EXPECT_EQ(parse_url_config(R"({"Cors":{"AllowMethods":["FETCH"]}})", false, u).error().code,
            "ValidationException");
  EXPECT_EQ(parse_url_config(R"({"Other":1})", false, u).error().code,
            "InvalidRequestContentException");
  EXPECT_EQ(u.auth_type, "AWS_IAM");  // refused updates changed nothing
  EXPECT_EQ(new_url_id().size(), 32U);
  auto j = json::parse(url_config_json(u, "http://h/lambda-url/x/", "arn", false));
  EXPECT_FALSE(j.contains("LastModifiedTime"));
  EXPECT_EQ(j["Cors"]["MaxAge"], 10);
}

}  // namespace
}  // namespace lambdakit::platform::api
