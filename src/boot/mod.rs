//! Booting: the command line, the private PostgreSQL process, the database target and the
//! server's long-running tasks. Nothing here is a rule or a query.

pub mod cli;
mod cli_agency;
mod cli_audit;
mod cli_display;
mod cli_import;
mod cli_secrets;
mod cli_sso;
mod cli_user;
pub mod cluster;
pub mod database;
pub mod http;
pub mod metrics;
pub mod server;
mod workers;

pub use database::DatabaseTarget;
