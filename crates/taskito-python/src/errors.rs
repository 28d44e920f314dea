//! The one place where Rust errors become Python exceptions. The classes live in
//! `taskito/errors.py` so that Python code and users can catch them by name.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use taskito_core::Error;

/// The `taskito.errors` class for a store or engine error.
fn class_name(error: &Error) -> &'static str {
    match error {
        Error::NotFound(_) => "JobNotFoundError",
        Error::Busy { .. } => "StorageBusyError",
        Error::StorageFull(_) => "StorageFullError",
        Error::InvalidInput(_) | Error::Duplicate(_) => "QueueError",
        Error::Unavailable(_) => "StorageUnavailableError",
        Error::ReadOnly(_) | Error::Corrupt(_) | Error::Storage(_) => "StorageError",
        Error::Dependency(_) => "DependencyError",
    }
}

/// Converts an error into the matching `taskito.errors` exception.
pub(crate) fn to_py(error: &Error) -> PyErr {
    raise(class_name(error), error.to_string())
}

/// A `taskito.errors.<name>` exception carrying `message`.
pub(crate) fn raise(name: &str, message: String) -> PyErr {
    Python::attach(|py| {
        let class = py.import("taskito.errors").and_then(|m| m.getattr(name));
        match class {
            Ok(class) => match class.call1((message.clone(),)) {
                Ok(instance) => PyErr::from_value(instance),
                Err(e) => e,
            },
            Err(_) => PyRuntimeError::new_err(message),
        }
    })
}

/// `Result<T, Error>` into `PyResult<T>`.
pub(crate) trait IntoPyResult<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py(self) -> PyResult<T> {
        self.map_err(|e| to_py(&e))
    }
}
