//! A request id on every response and every log line of the request, and the request's
//! log line itself: route template, status and latency — never the query string or
//! body, which may carry personal data.

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Keeps a caller's id when it is short and plain (a load balancer's), else makes one.
fn accept_or_generate(incoming: Option<&HeaderValue>) -> String {
    incoming
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (8..=64).contains(&v.len())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map_or_else(generate, str::to_owned)
}

fn generate() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Gives the request its id: a trusted proxy's (`server.trusted_proxies`) when it sends a
/// plain one, else a new one — a client cannot write what it likes into audit entries.
pub async fn middleware(
    State(trusted): State<Arc<Vec<IpAddr>>>,
    request: Request,
    next: Next,
) -> Response {
    let incoming = if crate::client::from_trusted_proxy(request.extensions(), &trusted) {
        request.headers().get(HEADER)
    } else {
        None
    };
    let id = accept_or_generate(incoming);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(aucune route)", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = %route,
        user_id = tracing::field::Empty
    );
    let started = Instant::now();
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span.clone()))
        .await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, latency_ms, "response");
        } else {
            tracing::info!(status, latency_ms, "response");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_plain_ids_and_replaces_odd_ones() {
        let plain = HeaderValue::from_static("lb-0123456789");
        assert_eq!(accept_or_generate(Some(&plain)), "lb-0123456789");
        let odd = HeaderValue::from_static("x\" injected=1");
        let replaced = accept_or_generate(Some(&odd));
        assert_eq!(replaced.len(), 24);
        assert_ne!(replaced, generate());
    }
}
