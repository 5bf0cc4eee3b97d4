//! Reading a JSON body or a query string into an input, with an error that names the
//! field.
//!
//! A body is parsed into a `serde_json::Value` (a syntax error is a 400), then read
//! into the input through a deserializer whose error type records what serde reports —
//! a missing field, an unknown field, a wrong type, a custom message — as data, and
//! `serde_path_to_error` records where. No French message depends on the wording of
//! serde's own messages. A query string is read the same way from its pairs.
//!
//! Every string is read through [`parcours_domain::text::clean`]: stored in normal form
//! C, and refused, under its field's name, if it holds a control or bidirectional
//! character.

use parcours_domain::ValidationErrors;
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;

/// What went wrong with one field, as serde reports it.
#[derive(Debug)]
enum Issue {
    Missing(&'static str),
    Unknown(String),
    Type { expected: String },
    Message(String),
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Issue {}

impl de::Error for Issue {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::Message(msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        Self::Missing(field)
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        Self::Unknown(field.to_owned())
    }

    fn invalid_type(_unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::Type {
            expected: expected.to_string(),
        }
    }

    fn invalid_value(_unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::Type {
            expected: expected.to_string(),
        }
    }
}

/// What serde expected, in French, for the common cases.
fn expected_in_french(expected: &str) -> String {
    let what = if expected.contains("string") {
        "du texte"
    } else if expected.contains("bool") {
        "un booléen (true ou false)"
    } else if [
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "integer",
    ]
    .iter()
    .any(|t| expected.contains(t))
    {
        "un nombre entier"
    } else if expected.contains("f32") || expected.contains("f64") {
        "un nombre"
    } else if expected.contains("sequence") {
        "une liste"
    } else if expected.contains("struct") || expected.contains("map") {
        "un objet"
    } else {
        return format!("type invalide ({expected} attendu)");
    };
    format!("type invalide : {what} attendu")
}

/// A string as stored, or the French reason it is refused.
fn clean<E: de::Error>(text: &str) -> Result<String, E> {
    parcours_domain::text::clean(text).map_err(E::custom)
}

/// The longest value a query string parameter may carry; each parameter's own limit,
/// lower, is in the OpenAPI document.
pub const QUERY_VALUE_MAX: usize = 1000;

/// One value of a query string, read as the field asks: text, a number or a boolean.
struct QueryValue<E> {
    text: String,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for QueryValue<E> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident : $type:ty),+ $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            match self.text.trim().parse::<$type>() {
                Ok(number) => visitor.$visit(number),
                Err(_) => Err(E::invalid_type(de::Unexpected::Str(&self.text), &stringify!($type))),
            }
        }
    )+};
}

impl<'de, E: de::Error> Deserializer<'de> for QueryValue<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        if self.text.chars().count() > QUERY_VALUE_MAX {
            return Err(E::custom(format!("{QUERY_VALUE_MAX} caractères au plus")));
        }
        visitor.visit_string(clean(&self.text)?)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.text.trim() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(E::invalid_type(de::Unexpected::Str(&self.text), &"bool")),
        }
    }

    parse_number! {
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    }

    forward_to_deserialize_any! {
        i8 i16 i128 u8 u16 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// A JSON value read through a deserializer with the error type `E`.
struct ValueDeserializer<E> {
    value: Value,
    error: PhantomData<E>,
}

impl<E> ValueDeserializer<E> {
    fn new(value: Value) -> Self {
        Self {
            value,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for ValueDeserializer<E> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de, E: de::Error> Deserializer<'de> for ValueDeserializer<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    let f = n.as_f64().unwrap_or(f64::NAN);
                    // JSON Schema's integers include 2.0: an integral number within
                    // range is read as the integer it is.
                    #[expect(
                        clippy::cast_possible_truncation,
                        reason = "checked integral and within the range of i64"
                    )]
                    if f.fract() == 0.0 && (-9.2e18..=9.2e18).contains(&f) {
                        visitor.visit_i64(f as i64)
                    } else {
                        visitor.visit_f64(f)
                    }
                }
            }
            Value::String(s) => visitor.visit_string(clean(&s)?),
            Value::Array(items) => visitor.visit_seq(de::value::SeqDeserializer::new(
                items.into_iter().map(ValueDeserializer::new),
            )),
            Value::Object(map) => visitor.visit_map(de::value::MapDeserializer::new(
                map.into_iter().map(|(k, v)| (k, ValueDeserializer::new(v))),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Value::Null => visitor.visit_none(),
            value => visitor.visit_some(ValueDeserializer::new(value)),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// Reads `value` into `T`; every failure is one invalid field, named by its path.
pub fn read<T: DeserializeOwned>(value: Value) -> Result<T, ValidationErrors> {
    named(serde_path_to_error::deserialize(
        ValueDeserializer::<Issue>::new(value),
    ))
}

/// Reads the pairs of a query string into `T`; a failure names its parameter.
pub fn read_query<T: DeserializeOwned>(
    pairs: Vec<(String, String)>,
) -> Result<T, ValidationErrors> {
    let values = pairs.into_iter().map(|(name, text)| {
        (
            name,
            QueryValue::<Issue> {
                text,
                error: PhantomData,
            },
        )
    });
    named(serde_path_to_error::deserialize(
        de::value::MapDeserializer::new(values),
    ))
}

/// Serde's failure as the invalid field it is about.
fn named<T>(result: Result<T, serde_path_to_error::Error<Issue>>) -> Result<T, ValidationErrors> {
    result.map_err(|error| {
        let at = error.path().to_string();
        let within = |field: &str| {
            if at == "." || at.is_empty() {
                field.to_owned()
            } else {
                format!("{at}.{field}")
            }
        };
        match error.into_inner() {
            Issue::Missing(field) => ValidationErrors::single(within(field), "champ obligatoire"),
            // The path already ends with an unknown key (it was read as a map key).
            Issue::Unknown(field) if at == field || at.ends_with(&format!(".{field}")) => {
                ValidationErrors::single(at, "champ inconnu")
            }
            Issue::Unknown(field) => ValidationErrors::single(within(&field), "champ inconnu"),
            Issue::Type { expected } => ValidationErrors::single(at, expected_in_french(&expected)),
            Issue::Message(message) => ValidationErrors::single(at, message),
        }
    })
}

/// Lays a JSON merge patch (RFC 7386) over `current`: a field given replaces it, a
/// field set to null clears it; the result is read back into `T`, so an unknown or
/// mistyped field is named.
pub fn merge<T: serde::Serialize + DeserializeOwned>(
    current: &T,
    patch: serde_json::Map<String, Value>,
) -> Result<T, ValidationErrors> {
    let mut value =
        serde_json::to_value(current).map_err(|e| ValidationErrors::single(".", e.to_string()))?;
    if let Some(object) = value.as_object_mut() {
        for (key, field) in patch {
            object.insert(key, field);
        }
    }
    read(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only read")]
    struct Inner {
        colour: Option<String>,
        size: i32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only read")]
    struct Outer {
        email: String,
        project: Option<Inner>,
        topics: Option<Vec<parcours_domain::contacts::Topic>>,
    }

    fn fields(value: Value) -> Vec<(String, String)> {
        read::<Outer>(value)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn names_the_missing_unknown_or_mistyped_field() {
        assert_eq!(
            fields(json!({})),
            [("email".to_owned(), "champ obligatoire".to_owned())]
        );
        assert_eq!(
            fields(json!({"email": "a", "remember": true})),
            [("remember".to_owned(), "champ inconnu".to_owned())]
        );
        assert_eq!(
            fields(json!({"email": "a", "project": {"size": 1, "shade": "x"}})),
            [("project.shade".to_owned(), "champ inconnu".to_owned())]
        );
        assert_eq!(
            fields(json!({"email": "a", "project": {"colour": "x"}})),
            [("project.size".to_owned(), "champ obligatoire".to_owned())]
        );
        assert_eq!(
            fields(json!({"email": 3})),
            [(
                "email".to_owned(),
                "type invalide : du texte attendu".to_owned()
            )]
        );
        let words = fields(json!({"email": "a", "topics": ["idee", "vacances"]}));
        assert_eq!(words[0].0, "topics[1]");
        assert!(words[0].1.contains("valeurs possibles"), "{}", words[0].1);
    }

    #[test]
    fn a_patch_replaces_and_clears() {
        #[derive(Debug, Deserialize, serde::Serialize, PartialEq)]
        #[serde(deny_unknown_fields)]
        struct Form {
            a: Option<String>,
            b: Option<String>,
        }
        let current = Form {
            a: Some("x".into()),
            b: Some("y".into()),
        };
        let patched = merge(
            &current,
            json!({"a": "z", "b": null}).as_object().unwrap().clone(),
        )
        .unwrap();
        assert_eq!(
            patched,
            Form {
                a: Some("z".into()),
                b: None
            }
        );
        let unknown = merge(&current, json!({"c": 1}).as_object().unwrap().clone()).unwrap_err();
        assert_eq!(unknown.0[0].field, "c");
    }
}
