"""A python3.x handler for `lambdakit serve` tests (run by awslambdaric)."""
import os

invocations = 0  # module state: survives warm invokes


def handler(event, context):
    global invocations
    invocations += 1
    if isinstance(event, dict) and event.get("fail"):
        raise ValueError("failed on purpose")
    custom = context.client_context.custom if context.client_context else None
    return {
        "event": event,
        "count": invocations,
        "pid": os.getpid(),
        "function_name": context.function_name,
        "invoked_function_arn": context.invoked_function_arn,
        "aws_request_id": context.aws_request_id,
        "memory_limit_in_mb": str(context.memory_limit_in_mb),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "client_context_custom": custom,
    }
