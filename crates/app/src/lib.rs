//! The `parcours` program: configuration, command line, wiring and shutdown.

pub mod cli;
mod commands;
pub mod config;
mod telemetry;

pub use commands::run;
