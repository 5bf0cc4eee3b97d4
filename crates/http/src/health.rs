//! Probes for the process (`/healthz`) and for its readiness to take requests
//! (`/readyz`): the database answers and the instance is not shutting down.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    // Draining before shutdown: the load balancer stops sending new requests here while
    // every other route still answers.
    if state.is_draining() {
        return Err(ApiError::Draining);
    }
    match tokio::time::timeout(std::time::Duration::from_secs(2), state.core.ping()).await {
        Ok(Ok(())) => Ok(Json(json!({ "status": "ready" }))),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "database not reachable");
            Err(ApiError::Unavailable)
        }
        Err(_) => {
            tracing::warn!("database ping timed out");
            Err(ApiError::Unavailable)
        }
    }
}
