//! Parcours persistence: sea-orm entities, repositories and transactions, on SQLite (the
//! embedded default) and PostgreSQL (production).

pub mod account_tokens;
pub mod audit;
pub mod consents;
pub mod contacts;
mod db;
pub mod demo;
pub mod entities;
mod error;
pub mod events;
pub mod holders;
pub mod hosting;
mod keyset;
pub mod organisations;
pub mod outbox;
pub mod privacy;
pub mod projects;
pub mod qpv;
pub mod referrals;
pub mod reports;
pub mod schema;
pub mod seeds;
pub mod services;
pub mod sessions;
mod sql;
pub mod synthetic;
pub mod table;
pub mod territories;
pub mod timeline;
mod unique;
pub mod users;
mod words;

pub use db::{Db, DbSettings, check_url, commit, explain_connect_failure};
pub use error::{Constraint, PersistenceError, Result};
pub use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, QueryResult, Statement, TransactionTrait,
};
