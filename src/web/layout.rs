//! What every page's base layout needs: title, signed-in user, navigation by role, CSRF token
//! for the forms (logout included) and the one-shot flash message.

use crate::auth::CurrentUser;
use crate::auth::session::{self, Flash};
use crate::domain::Role;
use crate::error::AppResult;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub key: &'static str,
}

pub struct Layout {
    pub title: String,
    pub current: &'static str,
    pub username: String,
    pub role: Role,
    pub facilities: String,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub nav: Vec<NavItem>,
}

impl Layout {
    pub async fn new(user: &CurrentUser, title: impl Into<String>, current: &'static str) -> AppResult<Self> {
        Ok(Self {
            title: title.into(),
            current,
            username: user.user.username.clone(),
            role: user.user.role,
            facilities: user.user.facilities.join(", "),
            csrf: session::csrf_token(&user.session).await?,
            flash: session::take_flash(&user.session).await,
            nav: nav_for(user.user.role),
        })
    }
}

/// Navigation shows only what the role may open.
pub fn nav_for(role: Role) -> Vec<NavItem> {
    let item = |href, label, key| NavItem { href, label, key };
    let mut items = vec![item("/", "Dashboard", "dashboard")];
    items.push(item("/transfers/pending", "Pending transfers", "pending"));
    items.push(item("/bookings", "Bookings", "bookings"));
    if matches!(role, Role::Supervisor | Role::Admin) {
        items.push(item("/roster", "WSO roster", "roster"));
    }
    if role == Role::Admin {
        items.push(item("/admin/users", "Users", "users"));
        items.push(item("/admin/facilities", "Facilities", "facilities"));
        items.push(item("/admin/audit", "Audit log", "audit"));
    }
    items
}
