//! One integration-test binary (links once): real PostgreSQL, real HTTP, real Chromium.

mod a11y;
mod alert_page;
mod alerts;
mod audit;
mod board_events;
mod browser;
mod case_pages;
mod cases;
mod cases_guard;
mod cli;
mod confirm;
mod desk;
mod display;
mod duties;
mod foundation;
mod helpers;
mod hostile;
mod identity;
mod layering;
mod leaks;
mod next_steps;
mod openapi;
mod promises;
mod reports;
mod services;
mod smtp;
