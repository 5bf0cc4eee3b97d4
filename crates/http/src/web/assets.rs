//! The pages' stylesheet and script, compiled into the binary and served under a name
//! that carries a hash of their content: a browser may keep them a year, and a new
//! release changes the name. The compression layer gzips them for clients that ask.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub struct Asset {
    /// `app.1a2b3c4d5e6f.css`
    pub name: String,
    content_type: &'static str,
    body: &'static [u8],
}

fn asset(stem: &str, extension: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let digest = Sha256::digest(body);
    let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    Asset {
        name: format!("{stem}.{hash}.{extension}"),
        content_type,
        body,
    }
}

pub static CSS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/web/app.css"),
    )
});

pub static JS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "app",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/web/app.js"),
    )
});

/// The URL of an asset, as pages link it.
pub fn url(asset: &Asset) -> String {
    format!("/static/{}", asset.name)
}

pub async fn serve(Path(name): Path<String>) -> Response {
    for asset in [&*CSS, &*JS] {
        if asset.name == name {
            return (
                [
                    (header::CONTENT_TYPE, asset.content_type),
                    (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                ],
                asset.body,
            )
                .into_response();
        }
    }
    // A stale or unknown name: nobody reads this, a stylesheet or script is missing.
    axum::http::StatusCode::NOT_FOUND.into_response()
}
