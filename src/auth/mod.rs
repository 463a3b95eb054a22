//! Who is asking: sessions for pages, bearer tokens for the API, CSRF for forms, passwords.

pub mod api;
pub mod csrf;
pub mod password;
pub mod session;
pub mod token;
pub mod totp;
pub mod who;

pub use api::ApiUser;
pub use session::CurrentUser;
pub use who::Who;
