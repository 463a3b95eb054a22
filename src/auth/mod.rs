//! Who is asking: sessions for pages, bearer tokens for the API, CSRF for forms, passwords.

pub mod accounts;
pub mod api;
pub mod csrf;
pub mod password;
pub mod session;
pub mod session_store;
pub mod token;
pub mod totp;
pub mod who;

pub use api::ApiUser;
pub use session::CurrentUser;
pub use who::Who;

use crate::db::{self, users::User};

/// Once a request knows who asks: the rows the database answers it from now on (row-level
/// security's scope, `db::scope`; decision 0036).
pub async fn narrow_rows(db: &sqlx::PgPool, user: &User) -> sqlx::Result<()> {
    db::scope::narrow(db::scope::of_user(db, user).await?);
    Ok(())
}
