//! The OpenAPI document and a readable page built from it on the server: no script,
//! nothing fetched from elsewhere, so it works offline and under a strict CSP.

use crate::error::ApiError;
use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    title: String,
    version: String,
    description: String,
    operations: Vec<OperationDoc>,
    schemas: Vec<SchemaDoc>,
}

struct OperationDoc {
    anchor: String,
    method: String,
    path: String,
    public: bool,
    summary: String,
    description: String,
    parameters: Vec<ParameterDoc>,
    request_body: String,
    responses: Vec<ResponseDoc>,
}

struct ParameterDoc {
    name: String,
    location: String,
    required: bool,
    description: String,
}

struct ResponseDoc {
    status: String,
    description: String,
    schema: String,
}

struct SchemaDoc {
    name: String,
    description: String,
    properties: Vec<PropertyDoc>,
    values: Vec<String>,
}

struct PropertyDoc {
    name: String,
    kind: String,
    required: bool,
    description: String,
}

pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The schema name behind `{"$ref": "#/components/schemas/Name"}`, possibly in an array.
fn schema_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or_default().to_owned();
    }
    schema.get("items").map(schema_name).unwrap_or_default()
}

fn first_content_schema(content: Option<&Value>) -> String {
    content
        .and_then(Value::as_object)
        .and_then(|map| map.values().next())
        .and_then(|media| media.get("schema"))
        .map(schema_name)
        .unwrap_or_default()
}

fn type_label(schema: &Value) -> String {
    let name = schema_name(schema);
    if !name.is_empty() {
        return if schema.get("items").is_some() {
            format!("liste de {name}")
        } else {
            name
        };
    }
    if let Some(one_of) = schema.get("oneOf").and_then(Value::as_array) {
        return one_of
            .iter()
            .map(type_label)
            .filter(|t| t != "null")
            .collect::<Vec<_>>()
            .join(" | ");
    }
    match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .filter(|k| *k != "null")
            .collect::<Vec<_>>()
            .join(" | "),
        _ => String::new(),
    }
}

fn build(openapi: &Value, public: &[(&str, &str)]) -> DocsPage {
    let info = &openapi["info"];
    let mut operations = Vec::new();
    if let Some(paths) = openapi["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let parameters = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| ParameterDoc {
                        name: text(p, "name"),
                        location: text(p, "in"),
                        required: p["required"].as_bool().unwrap_or(false),
                        description: text(p, "description"),
                    })
                    .collect();
                let responses = op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(status, response)| ResponseDoc {
                        status: status.clone(),
                        description: text(response, "description"),
                        schema: first_content_schema(response.get("content")),
                    })
                    .collect();
                operations.push(OperationDoc {
                    anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-")),
                    method: method.to_owned(),
                    path: path.clone(),
                    public: public.contains(&(method, path.as_str())),
                    summary: text(op, "summary"),
                    description: text(op, "description"),
                    parameters,
                    request_body: first_content_schema(op["requestBody"].get("content")),
                    responses,
                });
            }
        }
    }
    let mut schemas = Vec::new();
    if let Some(components) = openapi["components"]["schemas"].as_object() {
        for (name, schema) in components {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let properties = schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(field, property)| PropertyDoc {
                    name: field.clone(),
                    kind: type_label(property),
                    required: required.contains(&field.as_str()),
                    description: text(property, "description"),
                })
                .collect();
            let values = schema["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            schemas.push(SchemaDoc {
                name: name.clone(),
                description: text(schema, "description"),
                properties,
                values,
            });
        }
    }
    DocsPage {
        title: text(info, "title"),
        version: text(info, "version"),
        description: text(info, "description"),
        operations,
        schemas,
    }
}

/// Renders the docs page once, at start-up.
pub fn render_page(openapi: &Value, public: &[(&str, &str)]) -> Result<String, ApiError> {
    build(openapi, public)
        .render()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("docs template: {e}")))
}

pub fn html(page: &str) -> Response {
    let mut response = Html(page.to_owned()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    response
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/parcours.css"),
    )
        .into_response()
}
