// The AWS SDK for JavaScript v3 against lambdakit serve: InvokeWithResponseStreamCommand, its
// answer read with the SDK's own event-stream decoder.
// Usage: node stream_invoke.cjs SDK_NODE_MODULES ENDPOINT FUNCTION PAYLOAD_JSON
// Prints one JSON object: the response's metadata and every event with the milliseconds since
// the command was sent.
const lambdaClient = require("./lambda_client.cjs");
const [sdkModules, endpoint, fn, payload] = process.argv.slice(2);

async function main() {
  const { sdk, client } = lambdaClient(sdkModules, endpoint);
  const started = Date.now();
  const out = await client.send(new sdk.InvokeWithResponseStreamCommand({
    FunctionName: fn,
    Payload: Buffer.from(payload),
    LogType: "Tail",
  }));
  const events = [];
  for await (const e of out.EventStream) {
    const at = Date.now() - started;
    if (e.PayloadChunk) {
      events.push({ at, chunk: Buffer.from(e.PayloadChunk.Payload).toString("utf8") });
    } else if (e.InvokeComplete) {
      events.push({ at, complete: e.InvokeComplete });
    } else {
      events.push({ at, other: Object.keys(e) });
    }
  }
  console.log(JSON.stringify({
    status: out.StatusCode,
    executedVersion: out.ExecutedVersion,
    contentType: out.ResponseStreamContentType,
    events,
  }));
}

main().catch((e) => {
  console.log(JSON.stringify({ error: e.name, message: e.message }));
});
