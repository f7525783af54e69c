#include "platform/env/variables.h"

#include <cstdlib>
#include <ctime>
#include <map>

#include "base/random.h"

namespace lambdakit::platform::env {

std::string new_log_stream_name(const std::string& version) {
  std::time_t now = std::time(nullptr);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", std::gmtime(&now));
  return std::string(date) + "/[" + version + "]" + base::random_hex(32);
}

std::vector<std::string> lambda_variables(const variable_inputs& in) {
  const function_config& f = *in.fn;
  std::map<std::string, std::string> vars;
  auto put = [&](const char* k, std::string v) { vars[k] = std::move(v); };
  put("_HANDLER", f.handler);
  put("AWS_REGION", in.region);
  put("AWS_DEFAULT_REGION", in.region);
  put("AWS_EXECUTION_ENV",
      "AWS_Lambda_" + (f.runtime.empty() ? std::string("provided") : f.runtime));
  put("AWS_LAMBDA_FUNCTION_NAME", f.name);
  put("AWS_LAMBDA_FUNCTION_VERSION", f.version);
  put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(f.memory_mb));
  put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + f.name);
  put("AWS_LAMBDA_LOG_STREAM_NAME", in.log_stream);
  put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  put("LAMBDA_TASK_ROOT", in.task_root.string());
  put("LAMBDA_RUNTIME_DIR", in.task_root.string());
  put("AWS_ACCESS_KEY_ID", "lambdakit-local");
  put("AWS_SECRET_ACCESS_KEY", "lambdakit-local");
  put("AWS_SESSION_TOKEN", "lambdakit-local");
  put("LANG", "en_US.UTF-8");
  put("TZ", ":UTC");
  put("TMPDIR", in.tmp_dir.string());
  const char* host_path = std::getenv("PATH");
  std::string opt = in.opt_dir.empty() ? std::string("/opt") : in.opt_dir.string();
  put("PATH", "/usr/local/bin:/usr/bin/:/bin:" + opt + "/bin" +
                  (host_path ? std::string(":") + host_path : ""));
  put("LD_LIBRARY_PATH",
      in.task_root.string() + ":" + in.task_root.string() + "/lib:" + opt + "/lib");
  for (const auto& [k, v] : in.host) vars[k] = v;
  for (const auto& [k, v] : f.environment) vars[k] = v;
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto& [k, v] : vars) {
    std::string kv = k;
    kv.append("=").append(v);
    out.push_back(std::move(kv));
  }
  return out;
}

}  // namespace lambdakit::platform::env
