//! Deny by default: every route is public by name or needs a session; every API route is
//! in the OpenAPI document, and the document is served with a readable page.

use crate::support::TestApp;
use parcours_http::web::{PAGE_ROUTES, PUBLIC_PAGES};
use parcours_http::{NON_API_ROUTES, PUBLIC_ROUTES};
use std::path::Path;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn api_operations() -> Vec<(String, String)> {
    let doc = serde_json::to_value(parcours_http::openapi()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.push((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn every_route_is_public_by_name_or_needs_a_session() {
    let app = TestApp::start().await;
    let client = app.anonymous();
    let operations = api_operations();
    assert!(operations.len() >= 5, "{operations:?}");
    for (method, path) in &operations {
        let concrete = path.replace("{id}", "1");
        let url = app.url(&concrete);
        let request = match method.as_str() {
            "get" => client.get(url),
            "post" => client.post(url).json(&serde_json::json!({})),
            "put" => client.put(url).json(&serde_json::json!({})),
            "patch" => client.patch(url).json(&serde_json::json!({})),
            "delete" => client.delete(url),
            other => unreachable!("{other}"),
        };
        let status = request.send().await.unwrap().status().as_u16();
        let public = PUBLIC_ROUTES.contains(&(method.as_str(), path.as_str()));
        if public {
            assert_ne!(status, 401, "{method} {path} is public");
        } else {
            assert_eq!(
                status, 401,
                "{method} {path} answered {status} without a session"
            );
        }
    }
    for path in NON_API_ROUTES {
        assert!(
            PUBLIC_ROUTES.contains(&("get", path)),
            "{path} is outside the API, so public by name"
        );
        let status = client.get(app.url(path)).send().await.unwrap().status();
        assert_eq!(status, 200, "{path}");
    }
    // Everything public is either an API operation or a named non-API route.
    for (method, path) in PUBLIC_ROUTES {
        assert!(
            NON_API_ROUTES.contains(path)
                || operations.contains(&((*method).to_owned(), (*path).to_owned())),
            "{method} {path}"
        );
    }
}

/// Every page is public by name or sends a browser without a session to the sign-in
/// page, whatever the method; no page answers a JSON 401.
#[tokio::test]
async fn every_page_is_public_by_name_or_asks_to_sign_in() {
    let app = TestApp::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert!(PAGE_ROUTES.len() >= 10);
    for (method, path) in PAGE_ROUTES {
        let concrete = path.replace("{id}", "1").replace("{name}", "x.css");
        let url = app.url(&concrete);
        let response = match *method {
            "get" => client.get(url),
            "post" => client.post(url).form(&[("_csrf", "x")]),
            other => unreachable!("{other}"),
        }
        .send()
        .await
        .unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        if PUBLIC_PAGES.contains(&(method, path)) {
            assert!(
                !location.starts_with("/connexion?suite"),
                "{method} {path} is public"
            );
            assert_ne!(status, 401, "{method} {path}");
        } else {
            assert_eq!(
                status, 303,
                "{method} {path} answered {status} without a session"
            );
            assert!(
                location.starts_with("/connexion?suite="),
                "{method} {path} sent to {location}"
            );
        }
    }
    for page in PUBLIC_PAGES {
        assert!(PAGE_ROUTES.contains(page), "{page:?}");
    }
}

/// Routes added with `.route(` bypass the OpenAPI document: only the named non-API
/// routes may be, and the API modules must use `routes!`.
#[test]
fn no_route_escapes_the_openapi_document() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../http/src");
    let mut files = Vec::new();
    collect_rs(&src, &mut files);
    assert!(files.len() > 5);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let in_api = file.components().any(|c| c.as_os_str() == "api");
        for (index, _) in text.match_indices(".route(") {
            assert!(
                !in_api,
                "{}: API routes go through routes!()",
                file.display()
            );
            let rest = &text[index + ".route(".len()..];
            let literal = rest.trim_start().trim_start_matches('"');
            let path = &literal[..literal.find('"').unwrap_or(0)];
            let page = PAGE_ROUTES.iter().any(|(_, p)| *p == path);
            assert!(
                NON_API_ROUTES.contains(&path) || page,
                "{}: route {path:?} is neither in the OpenAPI document, nor in NON_API_ROUTES, nor a page",
                file.display()
            );
        }
    }
}

fn collect_rs(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_contract() {
    let app = TestApp::start().await;
    let doc: serde_json::Value = app
        .anonymous()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for (method, path) in [
        ("post", "/api/v1/session"),
        ("delete", "/api/v1/session"),
        ("get", "/api/v1/me"),
        ("get", "/api/v1/organisations"),
        ("get", "/api/v1/organisations/{id}"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the document"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["in"],
        "cookie"
    );
    assert_eq!(
        doc["paths"]["/api/v1/session"]["post"]["security"],
        serde_json::json!([{}])
    );
    let roles = &doc["components"]["schemas"]["Role"]["enum"];
    assert_eq!(
        *roles,
        serde_json::json!(["adviser", "org_admin", "coordinator", "admin"])
    );
}

#[tokio::test]
async fn the_docs_page_lists_every_operation() {
    let app = TestApp::start().await;
    let response = app
        .anonymous()
        .get(app.url("/api/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    for (method, path) in api_operations() {
        let anchor = format!("id=\"{method}{}\"", path.replace(['/', '{', '}'], "-"));
        assert!(
            page.contains(&anchor),
            "{method} {path} missing from the docs page"
        );
    }
    assert!(page.contains("<h3>OrganisationView</h3>"));
    assert!(!page.contains("<script"), "the docs page runs no script");
}

/// What an operation may answer by its shape is in the document: 401 behind the
/// session, 400/413/415/422 with a body, 400/422 with query parameters, 403 from
/// another site for an unsafe method, 503 when the database is out of reach.
#[test]
fn every_operation_documents_what_its_shape_may_answer() {
    let doc = crate::support::openapi_json();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let has = |status: &str| operation["responses"].get(status).is_some();
            let public = PUBLIC_ROUTES.contains(&(method, path.as_str()));
            assert_eq!(
                has("401"),
                !public || path == "/api/v1/session",
                "{method} {path}"
            );
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(has(status), "{method} {path}: {status}");
                }
            }
            let query = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            if query {
                assert!(has("400") && has("422"), "{method} {path}");
            }
            if method != "get" {
                assert!(has("403"), "{method} {path}");
            }
            assert!(has("503"), "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
}
