use pyo3::prelude::*;
use pyo3::types::PyBytes;
use taskito_core::Job;
use taskito_engine::{ExecResult, Executor};

use crate::lifecycle;
use crate::record::JobRecord;

pub(crate) const OUTCOME_SUCCESS: i32 = 0;
pub(crate) const OUTCOME_RETRY: i32 = 1;
pub(crate) const OUTCOME_FAIL: i32 = 2;
pub(crate) const OUTCOME_CANCELLED: i32 = 3;

/// Runs jobs by calling the Python package's `run_job(JobRecord) -> (code, value)`.
/// The GIL is taken only for that call.
pub(crate) struct PyExecutor {
    pub(crate) run_job: Py<PyAny>,
    /// `interrupt(job_id)`, called when a job ran past its hard timeout.
    pub(crate) interrupt: Option<Py<PyAny>>,
}

impl Executor for PyExecutor {
    fn execute(&self, job: Job) -> ExecResult {
        // Once the interpreter is ending the thread never re-enters it: it parks, and
        // the job stays leased, rescued like a crash's once this process is gone.
        let outcome = lifecycle::attach(|py| {
            let record = JobRecord::from(job);
            match self.run_job.call1(py, (record,)) {
                Ok(value) => interpret(value.bind(py)),
                Err(e) => {
                    // run_job never raises by contract: this is a bug in taskito.
                    e.print(py);
                    ExecResult::Retry(format!("internal error in taskito's job runner: {e}"))
                }
            }
        });
        outcome.unwrap_or_else(|| lifecycle::park_forever())
    }

    /// Attached once for the thread's life, the GIL released at once: a job then
    /// takes the GIL with the thread's own state (no thread state, and no 16 KB
    /// frame stack mapped and unmapped, per job; measured as an eighth of the
    /// worker's time in TLB shootdowns).
    /// A thread started as the program ends (a worker stopped at once) never attaches.
    fn enter(&self, body: &mut (dyn FnMut() + Send)) {
        let _ = lifecycle::attach(|py| lifecycle::detach(py, body));
    }

    fn interrupt(&self, job_id: &str) {
        if let Some(interrupt) = &self.interrupt {
            let _ = lifecycle::attach(|py| {
                if let Err(e) = interrupt.call1(py, (job_id,)) {
                    e.print(py);
                }
            });
        }
    }
}

fn interpret(value: &Bound<'_, PyAny>) -> ExecResult {
    let Ok((code, payload)) = value.extract::<(i32, Bound<'_, PyAny>)>() else {
        return ExecResult::Retry(
            "internal error: the job runner returned a malformed outcome".into(),
        );
    };
    let text = || {
        payload
            .str()
            .map_or_else(|_| String::new(), |s| s.to_string())
    };
    match code {
        OUTCOME_SUCCESS if payload.is_none() => ExecResult::Success(None),
        OUTCOME_SUCCESS => match payload.cast::<PyBytes>() {
            Ok(bytes) => ExecResult::Success(Some(bytes.as_bytes().to_vec())),
            Err(_) => ExecResult::Fail("internal error: the serialized result is not bytes".into()),
        },
        OUTCOME_FAIL => ExecResult::Fail(text()),
        OUTCOME_CANCELLED => ExecResult::Cancelled(text()),
        _ => ExecResult::Retry(text()),
    }
}
