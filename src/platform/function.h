// A function as the service knows it: the configuration AWS calls FunctionConfiguration.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lambdakit::platform {

// A layer version a function uses (its Layers, in order): the ARN it was named by and the
// stored code it is, kept with the function so that deleting the layer version does not take
// it from functions that already use it (as on Lambda).
struct layer_ref {
  std::string arn;             // arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
  std::int64_t code_size = 0;  // the layer zip's bytes
  std::string code_sha256;     // hex; the code store's key
  std::uint64_t unzipped_bytes = 0;
};

// A published layer version (PublishLayerVersion): immutable, numbered per layer name from 1,
// numbers never used twice.
struct layer_version {
  std::string name;
  int version = 0;
  std::string description;
  std::vector<std::string> compatible_runtimes;
  std::vector<std::string> compatible_architectures;
  std::string license_info;
  std::string created_date;  // 2024-01-02T03:04:05.000+0000
  std::string code_sha256;   // hex; the code store's key
  std::string code_sha256_base64;
  std::int64_t code_size = 0;
  std::uint64_t unzipped_bytes = 0;
};

struct function_config {
  std::string name;
  std::string runtime;  // provided.al2023, provided.al2, provided, python3.x, nodejs*, or empty
  std::string handler;
  std::string role;
  std::string description;
  int timeout_s = 3;       // 1..900
  int memory_mb = 128;     // 128..10240
  int ephemeral_mb = 512;  // EphemeralStorage.Size, /tmp's size: 512..10240
  std::map<std::string, std::string> environment;
  std::map<std::string, std::string> tags;
  std::vector<std::string> architectures{"x86_64"};
  std::string package_type = "Zip";
  std::string code_sha256;         // hex; the code store's key
  std::string code_sha256_base64;  // as AWS reports CodeSha256
  std::int64_t code_size = 0;
  std::string last_modified;  // 2024-01-02T03:04:05.000+0000
  std::string revision_id;    // changes with every update, and with PublishVersion
  // What the environments run: changes with code or configuration, not with a publish. An
  // environment of another runtime_revision is retired.
  std::string runtime_revision;
  int reserved_concurrency = -1;   // PutFunctionConcurrency; -1: unset
  std::string dead_letter_target;  // DeadLetterConfig.TargetArn (SQS or SNS), or empty
  std::vector<layer_ref> layers;   // Layers: unpacked in this order into the sandbox's /opt

  // Versions (PublishVersion): "$LATEST", the one that changes, or "1", "2", ..., snapshots of
  // it that never change. Each has its own revision_id and its own environments.
  std::string version = "$LATEST";
  // On $LATEST only: the highest version number published (numbers are never used twice, even
  // after a version is deleted), and $LATEST's runtime_revision when it was published
  // (unchanged since: PublishVersion returns that version again instead of a copy).
  int last_version = 0;
  std::string published_revision_id;

  bool latest() const { return version == "$LATEST"; }
  // "name" for $LATEST, "name:3" for a version: the key of its environments.
  std::string qualified_name() const { return latest() ? name : name + ":" + version; }
};

// An alias (CreateAlias): a name for a version, optionally sending a share of invokes to a
// second version (RoutingConfig.AdditionalVersionWeights).
struct alias_config {
  std::string function;
  std::string name;
  std::string function_version;  // "$LATEST" or a number
  std::string description;
  std::map<std::string, double> additional_weights;  // at most one: version -> 0.0..1.0
  std::string revision_id;
};

// A function URL (CreateFunctionUrlConfig): an HTTP endpoint of its own that invokes the
// function ($LATEST, or an alias) with the payload format 2.0 event.
struct url_config {
  std::string function;
  std::string qualifier;                 // empty, or an alias name
  std::string url_id;                    // 32 lowercase letters and digits: the URL's host prefix
  std::string auth_type = "NONE";        // NONE or AWS_IAM (accepted, not enforced)
  std::string invoke_mode = "BUFFERED";  // BUFFERED or RESPONSE_STREAM
  struct cors_config {
    bool set = false;  // Cors was given
    bool allow_credentials = false;
    std::vector<std::string> allow_headers, allow_methods, allow_origins, expose_headers;
    int max_age = -1;  // seconds; -1: unset
  } cors;
  std::string creation_time;
  std::string last_modified;
};

}  // namespace lambdakit::platform
