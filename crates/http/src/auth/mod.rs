//! Authentication: password hashing, session tokens and the signed-in user.

pub mod passwords;
mod session;

pub use session::{CurrentUser, expired_cookie, new_token, session_cookie, token_hash};
