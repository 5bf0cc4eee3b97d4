//! Parcours domain: the words of the pathway, the rules and the access policy.
//!
//! Plain Rust: no IO, no database, no web framework, no clock. Time comes in as a
//! parameter so that expiry, reminders and lockouts are tested without waiting.

pub mod string_enum;

pub mod access;
pub mod audit;
pub mod auth;
pub mod contacts;
pub mod events;
pub mod holders;
pub mod hosting;
pub mod organisations;
pub mod pathway;
pub mod referrals;
pub mod reports;
pub mod services;
pub mod users;
pub mod validation;

pub use validation::{FieldError, ValidationErrors};
