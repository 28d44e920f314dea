//! A canvas inserted whole: every job with its dependencies, in the caller's
//! write transaction.

use taskito_core::{resolve_dependencies, GraphJob};

use crate::busy::{TxError, TxResult};
use crate::counts::Tx;
use crate::{dependencies, jobs};

pub(crate) fn insert_graph(conn: &Tx<'_>, graph: &[GraphJob]) -> TxResult<Vec<String>> {
    let mut ids: Vec<String> = Vec::with_capacity(graph.len());
    for (index, node) in graph.iter().enumerate() {
        let deps = resolve_dependencies(&ids, index, &node.depends_on).map_err(TxError::Fail)?;
        let id = if deps.is_empty() {
            jobs::insert_many(conn, &[&node.job])?
                .pop()
                .unwrap_or_default()
        } else {
            dependencies::insert_dependent(conn, &node.job, &deps)?
        };
        ids.push(id);
    }
    Ok(ids)
}
