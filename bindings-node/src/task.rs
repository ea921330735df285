//! One call of the core on the libuv pool (napi's `AsyncTask`), shared by
//! every family: the work runs off the JS thread, and its failure rejects the
//! Promise with our `code`, built on the JS thread.

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use serde_json::Value;

use crate::error::{Failure, guard};

type Op = Box<dyn FnOnce() -> Result<Value, Failure> + Send>;

/// One call of the core on the libuv pool; its error rejects the Promise
/// with our `code`, built on the JS thread.
pub struct Job(Option<Op>);

/// A JSON result handed to JS as a plain object (typed in `index.d.ts` per function).
pub struct Json(Value);

impl napi::bindgen_prelude::TypeName for Json {
    fn type_name() -> &'static str {
        "any"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Unknown
    }
}

impl napi::bindgen_prelude::ToNapiValue for Json {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        // SAFETY: forwarded from napi's own conversion call with its env.
        unsafe { Value::to_napi_value(env, val.0) }
    }
}

impl Task for Job {
    type Output = Result<Value, Failure>;
    type JsValue = Json;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let op = self
            .0
            .take()
            .ok_or_else(|| napi::Error::from_reason("opskit task ran twice"))?;
        Ok(guard(op))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Json> {
        output.map(Json).map_err(|f| f.into_rejection(&env))
    }
}

pub(crate) fn job(op: impl FnOnce() -> Result<Value, Failure> + Send + 'static) -> AsyncTask<Job> {
    AsyncTask::new(Job(Some(Box::new(op))))
}
