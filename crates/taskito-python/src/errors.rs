//! The one place where Rust errors become Python exceptions. The classes live in
//! `taskito/exceptions.py` so that Python code and users can catch them by name;
//! here each is a Rust type, imported once, and errors map onto them by kind; the
//! binding's own errors (a bad argument, a worker stopped by a fault) use these types
//! directly (`QueueError::new_err(..)`), never a class looked up by name.

use pyo3::prelude::*;
use taskito_core::Error;

pyo3::import_exception!(taskito.exceptions, QueueError);
pyo3::import_exception!(taskito.exceptions, JobNotFoundError);
pyo3::import_exception!(taskito.exceptions, DependencyError);
pyo3::import_exception!(taskito.exceptions, StorageError);
pyo3::import_exception!(taskito.exceptions, StorageBusyError);
pyo3::import_exception!(taskito.exceptions, StorageFullError);
pyo3::import_exception!(taskito.exceptions, StorageUnavailableError);

/// Converts an error into the matching `taskito.exceptions` exception.
pub(crate) fn to_py(error: &Error) -> PyErr {
    let message = error.to_string();
    match error {
        Error::NotFound(_) => JobNotFoundError::new_err(message),
        Error::Busy { .. } => StorageBusyError::new_err(message),
        Error::StorageFull(..) => StorageFullError::new_err(message),
        Error::InvalidInput(_) | Error::Duplicate(_) => QueueError::new_err(message),
        Error::Unavailable(..) => StorageUnavailableError::new_err(message),
        Error::ReadOnly(..) | Error::Corrupt(..) | Error::Storage(..) => {
            StorageError::new_err(message)
        }
        Error::Dependency(_) => DependencyError::new_err(message),
    }
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
