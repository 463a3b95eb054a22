//! One integration-test binary (links once): real PostgreSQL, real HTTP, real Chromium.

mod browser;
mod cli;
mod foundation;
mod helpers;
