//! Who a request turned out to be, for what is written after its response (the audit of a
//! refused access, `web/access.rs`): a slot the middleware puts in the request and the
//! `CurrentUser`/`ApiUser` extractors fill.

use std::sync::{Arc, Mutex};

use crate::db::users::User;

/// Who the request turned out to be (filled by the `CurrentUser`/`ApiUser` extractors), for the
/// `access_denied` entry written after the response.
#[derive(Clone, Default)]
pub struct Who(pub Arc<Mutex<Option<(i64, String)>>>);

impl Who {
    pub fn set(&self, user: &User) {
        if let Ok(mut w) = self.0.lock() {
            *w = Some((user.id, user.username.clone()));
        }
    }
}
