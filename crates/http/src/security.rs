//! Headers every response carries, errors included.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `secure`: the service is reached over HTTPS, so HSTS is sent.
pub async fn headers(State(secure): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    // Personal data must not linger in shared or browser caches: no-store unless a
    // response (a stylesheet, the docs page) says otherwise.
    set(header::CACHE_CONTROL, "no-store");
    if secure {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    response
}

/// Refuses a request that changes something (any method but GET, HEAD, OPTIONS) when a
/// browser says it comes from another site: a cross-site form or script must not act
/// with the user's cookie. `Sec-Fetch-Site` decides when present (`same-origin` and
/// `none` pass; `same-site` does not, since a sibling sub-domain is another site for
/// this service); otherwise an `Origin` must be this service's own. Clients that send
/// neither (curl, scripts) are not browsers carrying someone's session by surprise.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    if is_safe(request.method()) || from_this_site(request.headers()) {
        next.run(request).await
    } else {
        tracing::warn!("cross-site request refused");
        if request.uri().path().starts_with("/api/") {
            crate::error::ApiError::CrossSite.into_response()
        } else {
            crate::web::PageError::FormRefused.into_response()
        }
    }
}

fn is_safe(method: &axum::http::Method) -> bool {
    use axum::http::Method;
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn from_this_site(headers: &axum::http::HeaderMap) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = value("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match value("origin") {
        None => true,
        Some(origin) => {
            let host = value("host").unwrap_or_default();
            origin
                .split_once("://")
                .is_some_and(|(_, authority)| !host.is_empty() && authority == host)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn only_this_site_acts() {
        let host = ("host", "parcours.example:8443");
        assert!(from_this_site(&headers(&[host])), "no browser headers");
        assert!(from_this_site(&headers(&[
            host,
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(from_this_site(&headers(&[
            host,
            ("sec-fetch-site", "none")
        ])));
        assert!(!from_this_site(&headers(&[
            host,
            ("sec-fetch-site", "same-site")
        ])));
        assert!(!from_this_site(&headers(&[
            host,
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(from_this_site(&headers(&[
            host,
            ("origin", "https://parcours.example:8443")
        ])));
        assert!(!from_this_site(&headers(&[
            host,
            ("origin", "https://evil.parcours.example")
        ])));
        assert!(!from_this_site(&headers(&[host, ("origin", "null")])));
    }
}
