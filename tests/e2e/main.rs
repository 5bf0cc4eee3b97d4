//! End-to-end tests: the real router over real TCP, or the real binary, against a real
//! database — a fresh SQLite file per test, or a fresh PostgreSQL database per test when
//! `PARCOURS_TEST_DATABASE_URL` is set.

mod support;

mod access;
mod account_pages;
mod api_errors;
mod architecture;
mod binary;
mod browser;
mod dashboard;
mod directory_pages;
mod event_pages;
mod events_hosting;
mod hardening;
mod holders;
mod hosting_pages;
mod import;
mod import_pages;
mod migrations;
mod organisations;
mod outbox;
mod pages;
mod plans;
mod privacy;
mod refer_pages;
mod referrals;
mod reports;
mod routes;
mod sessions;
