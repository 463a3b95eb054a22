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
    let mut items = vec![NavItem {
        href: "/",
        label: "Dashboard",
        key: "dashboard",
    }];
    if role == Role::Admin {
        items.push(NavItem {
            href: "/admin/users",
            label: "Users",
            key: "users",
        });
        items.push(NavItem {
            href: "/admin/facilities",
            label: "Facilities",
            key: "facilities",
        });
        items.push(NavItem {
            href: "/admin/audit",
            label: "Audit log",
            key: "audit",
        });
    }
    items
}
