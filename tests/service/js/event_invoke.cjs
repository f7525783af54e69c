// The AWS SDK for JavaScript v3 against lambdakit serve: an Event invoke and the event invoke
// configuration calls. Usage: node event_invoke.cjs SDK_NODE_MODULES ENDPOINT FUNCTION DESTINATION
// Prints one JSON object with what the SDK returned.
const lambdaClient = require("./lambda_client.cjs");
const [sdkModules, endpoint, fn, destination] = process.argv.slice(2);

async function main() {
  const { sdk, client } = lambdaClient(sdkModules, endpoint);
  const put = await client.send(new sdk.PutFunctionEventInvokeConfigCommand({
    FunctionName: fn,
    MaximumRetryAttempts: 1,
    DestinationConfig: { OnSuccess: { Destination: destination } },
  }));
  const got = await client.send(new sdk.GetFunctionEventInvokeConfigCommand({ FunctionName: fn }));
  const invoked = await client.send(new sdk.InvokeCommand({
    FunctionName: fn,
    InvocationType: "Event",
    Payload: Buffer.from(JSON.stringify({ n: "js" })),
  }));
  let tooLarge = null;
  try {
    await client.send(new sdk.InvokeCommand({
      FunctionName: fn,
      InvocationType: "Event",
      Payload: Buffer.from(JSON.stringify("a".repeat(1048576))),
    }));
  } catch (e) {
    tooLarge = e.name;
  }
  console.log(JSON.stringify({
    putRetries: put.MaximumRetryAttempts,
    lastModifiedIsDate: got.LastModified instanceof Date,
    lastModified: got.LastModified.getTime(),
    destination: got.DestinationConfig.OnSuccess.Destination,
    status: invoked.StatusCode,
    requestId: invoked.$metadata.requestId,
    payloadBytes: invoked.Payload ? invoked.Payload.length : 0,
    tooLarge,
  }));
}

main().catch((e) => {
  console.error(`${e.name}: ${e.message}`);
  process.exit(1);
});
