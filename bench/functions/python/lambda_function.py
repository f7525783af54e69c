# The Python baseline: the smallest python3.x function (handler lambda_function.handler).
def handler(event, context):
    return {"message": "Hello World"}
