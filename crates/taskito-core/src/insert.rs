//! Conveniences over [`Store::job_insert`] for callers holding plain jobs (tests,
//! tools): backends implement the one method, callers get these for free.

use crate::{DepRef, Error, GraphJob, NewJob, Result, Store};

/// Shorthands for inserting [`NewJob`]s without building [`GraphJob`]s by hand.
pub trait InsertJobs {
    /// `jobs` without dependencies, in one transaction (see [`Store::job_insert`]).
    ///
    /// # Errors
    /// As [`Store::job_insert`].
    fn job_insert_many(&self, jobs: &[NewJob]) -> Result<Vec<String>>;

    /// One job waiting for the stored jobs `depends_on` (see [`Store::job_insert`]).
    ///
    /// # Errors
    /// As [`Store::job_insert`].
    fn job_insert_dependent(&self, job: &NewJob, depends_on: &[String]) -> Result<String>;
}

impl<S: Store + ?Sized> InsertJobs for S {
    fn job_insert_many(&self, jobs: &[NewJob]) -> Result<Vec<String>> {
        let batch: Vec<GraphJob> = jobs
            .iter()
            .map(|job| GraphJob {
                job: job.clone(),
                depends_on: Vec::new(),
            })
            .collect();
        self.job_insert(&batch)
    }

    fn job_insert_dependent(&self, job: &NewJob, depends_on: &[String]) -> Result<String> {
        let node = GraphJob {
            job: job.clone(),
            depends_on: depends_on.iter().cloned().map(DepRef::Existing).collect(),
        };
        self.job_insert(&[node])?
            .pop()
            .ok_or_else(|| Error::storage(format!("the store returned no id for job {}", job.id)))
    }
}
