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

/// Blank, as the server trims (Unicode white space; the controls among it are refused
/// anyway). Written out: `\s` differs between regular expression dialects.
pub const BLANK_PATTERN: &str = parcours_domain::text::BLANK_PATTERN;

/// Required free text: the same, with something else than spaces.
pub const REQUIRED_TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";

const BAD_REQUEST: &str = "Requête illisible : JSON mal formé ou paramètres de l'URL illisibles";
const UNAUTHENTICATED: &str = "Aucune session : connectez-vous";
const CROSS_SITE: &str = "Refusé : la requête vient d'un autre site que Parcours";
const TOO_LARGE: &str = "Corps de la requête trop volumineux";
const UNSUPPORTED: &str = "Type de contenu non pris en charge : envoyez du JSON";
const INVALID: &str = "Champs invalides, tous listés avec leur message";
const UNAVAILABLE: &str = "Base de données momentanément injoignable : rien n'a été fait ; réessayez après le délai de l'en-tête Retry-After";

/// The extension naming what an operation checks beyond its schema; such an operation
/// may answer 422 (or 409) to a request its schema allows, and says why.
pub const BEYOND_SCHEMA: &str = "x-rules-beyond-schema";

/// Rules no JSON Schema states — existence of what an id names, one field against
/// another, dates against today, the state of a pathway or referral — by operation.
const RULES: &[(&str, &str, &str)] = &[
    ("post", "/api/v1/session", "une adresse e-mail bien formée"),
    (
        "post",
        "/api/v1/holders",
        "âge de 15 à 99 ans à la date de naissance ; e-mail et téléphone bien formés ; code QPV de la liste de référence ; référent : votre structure et un de ses conseillers actifs",
    ),
    (
        "patch",
        "/api/v1/holders/{id}",
        "celles de la création ; l'étape se change par POST …/stage ; If-Match doit nommer la version actuelle (412)",
    ),
    (
        "post",
        "/api/v1/holders/{id}/merge",
        "duplicate_id : une autre fiche suivie par votre structure (422 sinon), aucune des deux anonymisée ; deux orientations en cours vers un même partenaire se règlent d'abord (409)",
    ),
    (
        "post",
        "/api/v1/holders/{id}/projects",
        "SIRET valide (clé de contrôle) ; date de création passée ; micro-entreprise avec une EI seulement",
    ),
    (
        "patch",
        "/api/v1/projects/{id}",
        "celles de la création du projet ; If-Match doit nommer la version actuelle (412)",
    ),
    (
        "post",
        "/api/v1/holders/{id}/contacts",
        "date passée ; action suivante et échéance vont ensemble",
    ),
    (
        "post",
        "/api/v1/holders/{id}/stage",
        "une autre étape que l'actuelle ; un motif pour revenir en arrière ; parcours ouvert",
    ),
    (
        "post",
        "/api/v1/holders/{id}/close",
        "parcours ouvert ; pour entreprise_creee : SIRET, date, forme juridique et projet",
    ),
    ("post", "/api/v1/holders/{id}/reopen", "parcours clôturé"),
    (
        "post",
        "/api/v1/referrals",
        "consentement partage_partenaires donné ; une autre structure, existante ; service proposé par elle ; pas d'orientation déjà en cours (409)",
    ),
    (
        "post",
        "/api/v1/referrals/{id}/accept",
        "orientation en attente de réponse (409)",
    ),
    (
        "post",
        "/api/v1/referrals/{id}/decline",
        "orientation en attente de réponse ; un texte avec le motif autre",
    ),
    (
        "post",
        "/api/v1/referrals/{id}/complete",
        "orientation acceptée",
    ),
    (
        "post",
        "/api/v1/referrals/{id}/withdraw",
        "orientation en cours",
    ),
    (
        "post",
        "/api/v1/events",
        "structures partenaires existantes, autres que la vôtre ; effectifs partiels au plus égaux au total ; code QPV de la liste",
    ),
    ("patch", "/api/v1/events/{id}", "celles de la création"),
    (
        "post",
        "/api/v1/events/{id}/attendees",
        "soit holder_id, soit une nouvelle inscription (nom, prénom, un moyen de contact, consentement)",
    ),
    (
        "post",
        "/api/v1/spaces",
        "code QPV de la liste de référence",
    ),
    (
        "post",
        "/api/v1/hosting",
        "dates dans l'ordre et durée permise par le type de lieu ; unité libre sur la période (409) ; personne suivie par votre structure ou orientée vers elle",
    ),
    (
        "post",
        "/api/v1/hosting/{id}/end",
        "convention en cours ; date de fin après le début",
    ),
    (
        "post",
        "/api/v1/services",
        "financement minimum au plus égal au maximum ; secteurs de 80 caractères au plus",
    ),
    ("patch", "/api/v1/services/{id}", "celles de la création"),
];

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

/// Whether `schema` is free text: a string with no enum, format or pattern of its own.
fn is_text(schema: &Value) -> bool {
    let is_string = match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    is_string
        && ["enum", "format", "pattern", "$ref"]
            .iter()
            .all(|k| schema.get(k).is_none())
}

/// A blank string, which the server reads as a value not given.
fn blank() -> Value {
    json!({"type": "string", "pattern": BLANK_PATTERN, "description": "vide : non renseigné"})
}

/// `schema` or a blank string.
fn or_blank(schema: &Value) -> Value {
    json!({"anyOf": [schema.clone(), blank()]})
}

/// Writes the server's rules on text into a request schema: free text follows
/// [`TEXT_PATTERN`] (and holds more than spaces when required); a typed value that may
/// be left out (a word of a list, a date) may also be blank.
fn constrain(schema: &mut Value, schemas: &Value) {
    match schema {
        Value::Object(map) => {
            let required: Vec<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    let is_required = required.contains(name);
                    if is_text(property) {
                        let pattern = if is_required {
                            REQUIRED_TEXT_PATTERN
                        } else {
                            TEXT_PATTERN
                        };
                        property["pattern"] = Value::from(pattern);
                    } else if !is_required && is_typed_word(property, schemas) {
                        *property = or_blank(property);
                    } else {
                        constrain(property, schemas);
                    }
                }
            }
            if let Some(items) = map.get_mut("items") {
                if is_text(items) {
                    items["pattern"] = Value::from(TEXT_PATTERN);
                } else {
                    constrain(items, schemas);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| constrain(item, schemas)),
        _ => {}
    }
}

/// A value typed as text on the wire but read as something else: a word of a closed
/// list (an enum, possibly behind a `$ref` or a `oneOf` with null) or a formatted
/// string (a date).
fn is_typed_word(schema: &Value, schemas: &Value) -> bool {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = &schemas[reference.rsplit('/').next().unwrap_or_default()];
        return target["type"] == "string";
    }
    if schema.get("enum").is_some() {
        return true;
    }
    if schema.get("format").is_some() && !is_text_type_free(schema) {
        return true;
    }
    ["oneOf", "anyOf"].iter().any(|k| {
        schema
            .get(k)
            .and_then(Value::as_array)
            .is_some_and(|alternatives| alternatives.iter().any(|a| is_typed_word(a, schemas)))
    })
}

/// Whether a formatted schema is a number rather than text (`format: int64`).
fn is_text_type_free(schema: &Value) -> bool {
    let types = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    !types.contains(&"string")
}

/// A query parameter's schema: text follows [`TEXT_PATTERN`]; anything else, when the
/// parameter may be left out, may also be blank (`?limit=` is no limit).
fn constrain_query(schema: &mut Value, required: bool) {
    if is_text(schema) {
        schema["pattern"] = Value::from(TEXT_PATTERN);
    } else if !required && schema["type"] != "array" {
        *schema = or_blank(schema);
    }
}

/// Adds the answers every operation gives by its shape, and the rule on text to the
/// schemas of request bodies.
pub fn complete(doc: &mut Value) {
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            for method in crate::docs::METHODS {
                let Some(operation) = item.get_mut(method) else {
                    continue;
                };
                let mut beyond: Vec<String> = RULES
                    .iter()
                    .filter(|(m, p, _)| *m == method && p == path)
                    .map(|(_, _, rule)| (*rule).to_owned())
                    .collect();
                let query: Vec<String> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect();
                if query.iter().any(|q| q == "cursor") {
                    beyond.push(
                        "cursor : seule une valeur next_cursor donnée par le serveur".to_owned(),
                    );
                }
                if query.iter().any(|q| q == "from") && query.iter().any(|q| q == "to") {
                    beyond.push(
                        "to après from (ou, l'un manquant, après sa valeur par défaut), dix ans au plus".to_owned(),
                    );
                }
                if !beyond.is_empty() {
                    let rules = beyond.join(" ; ");
                    let description = operation["description"].as_str().unwrap_or_default();
                    operation["description"] = Value::from(
                        format!("{description}\n\nRègles au-delà du schéma (422 sinon) : {rules}.")
                            .trim_start()
                            .to_owned(),
                    );
                    operation[BEYOND_SCHEMA] = Value::from(rules);
                }
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
                        let required = parameter["required"] == true;
                        constrain_query(&mut parameter["schema"], required);
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
    let schemas = doc["components"]["schemas"].clone();
    for name in request_schemas(doc) {
        constrain(&mut doc["components"]["schemas"][&name], &schemas);
    }
    merge_patches(doc);
}

/// A PATCH takes a JSON merge patch (RFC 7386) of the resource's input: every field
/// may be left out, an optional one cleared with null, a required one not. Each PATCH
/// body gets its own schema, the input's without `required`.
fn merge_patches(doc: &mut Value) {
    let mut patched: Vec<(String, String)> = Vec::new();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(schema) = item
                .get_mut("patch")
                .and_then(|op| op.get_mut("requestBody"))
                .and_then(|body| body.get_mut("content"))
                .and_then(Value::as_object_mut)
                .into_iter()
                .flat_map(|content| content.values_mut())
                .find_map(|media| media.get_mut("schema"))
            else {
                continue;
            };
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                continue;
            };
            let name = reference.rsplit('/').next().unwrap_or_default().to_owned();
            let patch = format!("{name}Patch");
            *schema = json!({"$ref": format!("#/components/schemas/{patch}")});
            patched.push((name, patch));
        }
    }
    for (name, patch) in patched {
        let mut schema = doc["components"]["schemas"][&name].clone();
        if let Some(map) = schema.as_object_mut() {
            map.remove("required");
            map.insert(
                "description".to_owned(),
                Value::from(format!(
                    "Modification partielle (JSON merge patch, RFC 7386) de {name} : seuls les champs donnés changent ; null efface un champ facultatif, pas un champ obligatoire."
                )),
            );
        }
        doc["components"]["schemas"][&patch] = schema;
    }
}
