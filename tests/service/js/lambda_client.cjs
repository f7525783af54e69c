// The AWS SDK for JavaScript v3's Lambda client as these scripts point it at lambdakit serve:
// the SDK from SDK_NODE_MODULES, fixed credentials, no retries.
const path = require("node:path");

module.exports = function lambdaClient(sdkModules, endpoint) {
  const sdk = require(path.join(sdkModules, "@aws-sdk/client-lambda"));
  const client = new sdk.LambdaClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 1,
  });
  return { sdk, client };
};
