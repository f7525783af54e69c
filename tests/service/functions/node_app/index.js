// A nodejs handler for `lambdakit serve` tests (run by aws-lambda-ric).
let invocations = 0; // module state: survives warm invokes

exports.handler = async (event, context) => {
  invocations += 1;
  if (event && event.fail) {
    throw new Error("failed on purpose");
  }
  return {
    event,
    count: invocations,
    pid: process.pid,
    function_name: context.functionName,
    invoked_function_arn: context.invokedFunctionArn,
    aws_request_id: context.awsRequestId,
    memory_limit_in_mb: String(context.memoryLimitInMB),
    remaining_ms: context.getRemainingTimeInMillis(),
    client_context: context.clientContext || null,
  };
};
