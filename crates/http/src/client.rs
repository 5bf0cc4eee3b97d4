//! Where a request comes from: the connection's peer, or — when the peer is one of the
//! configured trusted proxies (`server.trusted_proxies`) — the address the proxy says it
//! forwarded. Only a trusted proxy's `X-Forwarded-For` and `x-request-id` are believed.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::Extensions;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

/// The connection's peer, when the server was started with connect info.
pub fn peer(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
}

/// Whether the peer is a trusted proxy.
pub fn from_trusted_proxy(extensions: &Extensions, trusted: &[IpAddr]) -> bool {
    peer(extensions).is_some_and(|ip| trusted.contains(&ip))
}

/// The client's address: the peer, or behind trusted proxies the last address in
/// `X-Forwarded-For` that is not one of them.
pub fn address(extensions: &Extensions, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer(extensions)?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer),
    )
}

/// The client's address, as an extractor (none when unknown).
pub struct Client(pub Option<IpAddr>);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(address(
            &parts.extensions,
            &parts.headers,
            &state.settings.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn forwarded_addresses_are_believed_from_trusted_proxies_only() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(SocketAddr::new(proxy, 4000)));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9"),
        );
        assert_eq!(
            address(&extensions, &headers, &[proxy]),
            Some("203.0.113.9".parse().unwrap()),
            "the address the trusted proxy saw"
        );
        assert_eq!(
            address(&extensions, &headers, &[]),
            Some(proxy),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(address(&Extensions::new(), &headers, &[proxy]), None);
    }
}
