//! A batch of jobs inserted in one transaction with the dependencies between
//! them (a canvas: a chain's steps, a chord's group and callback).

use crate::{Error, NewJob, Result};

/// A dependency of a [`GraphJob`]: a job inserted earlier in the same batch,
/// by its index in it, or a job already stored, by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DepRef {
    Batch(usize),
    Existing(String),
}

/// One job of a batch given to [`crate::Store::job_insert`].
#[derive(Clone, Debug)]
pub struct GraphJob {
    pub job: NewJob,
    /// In the order given (a chord callback receives results in it).
    pub depends_on: Vec<DepRef>,
}

/// The dependency ids of the job at `index`, given the ids that stand for the
/// jobs inserted before it in its batch.
///
/// # Errors
/// [`Error::InvalidInput`] when a [`DepRef::Batch`] does not name an earlier job.
pub fn resolve_dependencies(
    inserted: &[String],
    index: usize,
    deps: &[DepRef],
) -> Result<Vec<String>> {
    deps.iter()
        .map(|dep| match dep {
            DepRef::Existing(id) => Ok(id.clone()),
            DepRef::Batch(i) if *i < index => Ok(inserted[*i].clone()),
            DepRef::Batch(i) => Err(Error::InvalidInput(format!(
                "job {index} of the batch depends on job {i}, which is not inserted before it"
            ))),
        })
        .collect()
}
