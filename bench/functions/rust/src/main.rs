// The Rust baseline: answers {"message":"Hello World"} through the Runtime API.
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handle(_event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({ "message": "Hello World" }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
