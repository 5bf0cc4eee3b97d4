//! The OpenAPI document as a contract: the answers every operation may give by its
//! shape are added here once, so that a client generator or a fuzzer finds each status
//! the server can send documented, and each rule on text the server enforces.
//!
//! By shape: an operation behind the session answers 401 without one; one with a body
//! answers 400 (malformed JSON), 413, 415 and 422; one with query parameters 400 and
//! 422; an unsafe method 403 when it comes from another site; every one 503 while the
//! database is out of reach. What only some operations answer (403 for a role, 404,
//! 409, 412, 428) is declared on the operation itself.

use serde_json::{Map, Value, json};

/// What free text may hold, as the server reads it (`parcours_domain::text::clean`): no
/// control character but tab, line feed and carriage return, no bidirectional control.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";

const BAD_REQUEST: &str = "Requête illisible : JSON mal formé ou paramètres de l'URL illisibles";
const UNAUTHENTICATED: &str = "Aucune session : connectez-vous";
const CROSS_SITE: &str = "Refusé : la requête vient d'un autre site que Parcours";
const TOO_LARGE: &str = "Corps de la requête trop volumineux";
const UNSUPPORTED: &str = "Type de contenu non pris en charge : envoyez du JSON";
const INVALID: &str = "Champs invalides, tous listés avec leur message";
const UNAVAILABLE: &str = "Base de données momentanément injoignable : rien n'a été fait ; réessayez après le délai de l'en-tête Retry-After";

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {crate::error::PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn add(responses: &mut Map<String, Value>, status: &str, description: &str) {
    responses
        .entry(status.to_owned())
        .or_insert_with(|| problem(description));
}

/// Whether the operation is open without a session (`security: [{}]`).
fn is_public(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(Map::is_empty)))
}

/// The names of the schemas a request body refers to, directly or through others.
fn request_schemas(doc: &Value) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut stack: Vec<Value> = Vec::new();
    for item in doc["paths"].as_object().into_iter().flat_map(Map::values) {
        for method in crate::docs::METHODS {
            if let Some(body) = item[method].get("requestBody") {
                stack.push(body.clone());
            }
        }
    }
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let name = reference.rsplit('/').next().unwrap_or_default().to_owned();
                    if !found.contains(&name) {
                        stack.push(doc["components"]["schemas"][&name].clone());
                        found.push(name);
                    }
                }
                stack.extend(map.into_values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// Gives every free-text string of `schema` the server's rule on text, unless it says
/// more precisely what it accepts (an enum, a format, a pattern of its own).
fn constrain_text(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            if is_string
                && !map.contains_key("enum")
                && !map.contains_key("format")
                && !map.contains_key("pattern")
            {
                map.insert("pattern".to_owned(), Value::from(TEXT_PATTERN));
            }
            for (key, value) in map.iter_mut() {
                if key != "$ref" {
                    constrain_text(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(constrain_text),
        _ => {}
    }
}

/// Adds the answers every operation gives by its shape, and the rule on text to the
/// schemas of request bodies.
pub fn complete(doc: &mut Value) {
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            for method in crate::docs::METHODS {
                let Some(operation) = item.get_mut(method) else {
                    continue;
                };
                let public = is_public(operation);
                let has_body = operation.get("requestBody").is_some();
                let has_query = operation["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
                if let Some(parameters) = operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                {
                    for parameter in parameters.iter_mut().filter(|p| p["in"] == "query") {
                        constrain_text(&mut parameter["schema"]);
                    }
                }
                let Some(responses) = operation
                    .get_mut("responses")
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                if !public {
                    add(responses, "401", UNAUTHENTICATED);
                }
                if has_body {
                    add(responses, "400", BAD_REQUEST);
                    add(responses, "413", TOO_LARGE);
                    add(responses, "415", UNSUPPORTED);
                    add(responses, "422", INVALID);
                }
                if has_query {
                    add(responses, "400", BAD_REQUEST);
                    add(responses, "422", INVALID);
                }
                if method != "get" {
                    add(responses, "403", CROSS_SITE);
                }
                add(responses, "503", UNAVAILABLE);
            }
        }
    }
    for name in request_schemas(doc) {
        constrain_text(&mut doc["components"]["schemas"][&name]);
    }
}
