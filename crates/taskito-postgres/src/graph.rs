//! A canvas inserted whole: every job with its dependencies, in the caller's
//! write transaction.

use taskito_core::{resolve_dependencies, GraphJob, NewJob};

use crate::connection::{Tx, TxError, TxResult};
use crate::pool::Prior;
use crate::{dependencies, insert};

pub(crate) fn insert_graph(
    tx: &mut Tx<'_>,
    graph: &[GraphJob],
    prior: Prior,
) -> TxResult<Vec<String>> {
    if prior == Prior::UnknownCommit {
        // A batch commits whole: if any of its ids is in, the lost commit
        // happened, and the ids that stand for its jobs are read back.
        let jobs: Vec<&NewJob> = graph.iter().map(|node| &node.job).collect();
        if let Some(ids) = insert::reconcile(tx, &jobs)? {
            return Ok(ids);
        }
    }
    let mut ids: Vec<String> = Vec::with_capacity(graph.len());
    for (index, node) in graph.iter().enumerate() {
        let deps = resolve_dependencies(&ids, index, &node.depends_on).map_err(TxError::Fail)?;
        let id = if deps.is_empty() {
            insert::insert_many(tx, &[&node.job], Prior::Clean)?
                .pop()
                .unwrap_or_default()
        } else {
            dependencies::insert_dependent(tx, &node.job, &deps, Prior::Clean)?
        };
        ids.push(id);
    }
    Ok(ids)
}
