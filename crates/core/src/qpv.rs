//! The QPV reference list, searched.

use crate::{Actor, Core, Result};
use parcours_persistence::qpv::{self, QpvView};

/// Quartiers matching `q` (the start of a code, or part of a quartier's or commune's
/// name), 50 at most, by code. Any signed-in user.
pub async fn search(core: &Core, _actor: &Actor, q: Option<&str>) -> Result<Vec<QpvView>> {
    let q = parcours_domain::text::check_search(q.unwrap_or_default())
        .map_err(|e| crate::Error::invalid("q", e))?
        .unwrap_or_default();
    Ok(qpv::search(core.db.conn(), &q, 50).await?)
}
