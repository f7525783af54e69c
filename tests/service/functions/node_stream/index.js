// A streaming nodejs handler for `lambdakit serve` tests (run by aws-lambda-ric):
// awslambda.streamifyResponse, writing {"chunks":N} lines "part <i>\n", {"delay_ms":D} apart;
// {"fail_at":K} throws after K parts (the stream ends with an error trailer).
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

exports.handler = awslambda.streamifyResponse(async (event, responseStream, _context) => {
  const chunks = event.chunks ?? 3;
  const delay = event.delay_ms ?? 0;
  responseStream.setContentType("text/plain");
  for (let i = 0; i < chunks; i++) {
    if (i === event.fail_at) throw new Error(`failed on purpose after ${i} parts`);
    if (i > 0 && delay > 0) await sleep(delay);
    responseStream.write(`part ${i}\n`);
  }
  responseStream.end();
});
