//! Parcours domain: the words of the pathway, the rules and the access policy.
//!
//! Plain Rust: no IO, no database, no web framework, no clock. Time comes in as a
//! parameter so that expiry, reminders and lockouts are tested without waiting.

pub mod string_enum;

pub mod access;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod contacts;
pub mod events;
pub mod holders;
pub mod hosting;
pub mod labels;
pub mod numbers;
pub mod organisations;
pub mod outbox;
pub mod pathway;
pub mod privacy;
pub mod referrals;
pub mod reports;
pub mod services;
pub mod text;
pub mod users;
pub mod validation;

pub use validation::{FieldError, ValidationErrors};

/// A `Debug` that shows only the listed fields (ids, statuses, dates): for records and
/// inputs that carry personal data, so that no log line can print a name, a contact or
/// a note by accident.
#[macro_export]
macro_rules! redacted_debug {
    ($type:ident { $($field:ident),* $(,)? }) => {
        impl ::std::fmt::Debug for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}
