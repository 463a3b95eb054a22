//! What every page's base layout needs: title, signed-in user, navigation by role, CSRF token
//! for the forms (logout included) and the one-shot flash message.

use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::auth::session::{self, Flash};
use crate::db::users::User;
use crate::domain::Role;
use crate::domain::rules::{self, Area, Duty};
use crate::error::AppResult;
use crate::state::AppState;

struct UserView<'a> {
    user: &'a User,
    session: &'a Session,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub key: &'static str,
}

pub struct Layout {
    pub title: String,
    pub current: &'static str,
    pub username: String,
    /// "Jane Doe (jdoe)", or the username.
    pub display_name: String,
    pub role: Role,
    pub facilities: String,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub nav: Vec<NavItem>,
    /// The app clock's now (RFC 3339), so the browser counts down by the server's time.
    pub server_now: String,
    /// Shown to admins on every page while `WSO_MFA_REQUIRED=false`.
    pub mfa_off: bool,
    /// Shown to admins: the server's database role could rewrite history.
    pub db_warning: Option<String>,
    /// Shown to admins: the database connection leaves the machine without TLS
    /// (`WSO_ALLOW_PLAINTEXT_DATABASE=true`).
    pub db_plaintext: Option<String>,
}

impl Layout {
    pub async fn new(
        state: &AppState,
        user: &CurrentUser,
        title: impl Into<String>,
        current: &'static str,
    ) -> AppResult<Self> {
        Self::for_user(state, &user.user, &user.session, title, current).await
    }

    /// For pages that a signed-in user reaches before they may open the others (the forced
    /// password change).
    pub async fn for_user(
        state: &AppState,
        user: &User,
        session: &Session,
        title: impl Into<String>,
        current: &'static str,
    ) -> AppResult<Self> {
        // Counted once the request reads the user's rows only (the alerts are behind the
        // wall); held in memory between changes (decision 0045).
        let unread = state.board.unread(&state.db, user).await?;
        let user = UserView { user, session };
        let now = state.clock.now();
        Ok(Self {
            title: title.into(),
            current,
            username: user.user.username.clone(),
            display_name: user.user.display(),
            role: user.user.role,
            facilities: user.user.facilities.join(", "),
            csrf: session::csrf_token(user.session).await?,
            flash: session::take_flash(user.session).await,
            nav: nav_for(user.user.role, unread),
            server_now: now.to_rfc3339(),
            mfa_off: user.user.role == Role::Admin
                && !crate::domain::tenancy::mfa_required(state.config.mfa_required, user.user.agency_mfa_required),
            db_warning: state
                .db_warning
                .as_deref()
                .filter(|_| user.user.role == Role::Admin)
                .map(str::to_owned),
            db_plaintext: state
                .config
                .plaintext_database
                .clone()
                .filter(|_| user.user.role == Role::Admin),
        })
    }
}

/// Navigation shows only what the role may open.
pub fn nav_for(role: Role, unread_alerts: i64) -> Vec<NavItem> {
    let item = |href, label: &str, key| NavItem {
        href,
        label: label.to_string(),
        key,
    };
    let mut items = vec![];
    if rules::may_open(Area::Board, role).is_ok() {
        items.push(item("/", "Dashboard", "dashboard"));
        items.push(item("/transfers/pending", "Pending transfers", "pending"));
        items.push(item("/bookings", "Bookings", "bookings"));
        let alerts = if unread_alerts >= crate::db::alert_count::UNREAD_COUNTED {
            format!("Alerts ({}+ unread)", crate::db::alert_count::UNREAD_COUNTED - 1)
        } else if unread_alerts > 0 {
            format!("Alerts ({unread_alerts} unread)")
        } else {
            "Alerts".into()
        };
        items.push(item("/alerts", &alerts, "alerts"));
        if rules::may_book(role).is_ok() {
            items.push(item("/handover", "Handover", "handover"));
        }
    }
    if rules::may_open(Area::Aggregates, role).is_ok() {
        items.push(item("/oversight", "Oversight", "oversight"));
    }
    if role == Role::Operator {
        items.push(item("/agencies", "Agencies", "agencies"));
    }
    // The navigation shows what the rulebook opens to the role, no more, no less.
    if rules::may_do(Duty::ReadComplaints, role).is_ok() {
        items.push(item("/complaints", "Complaints", "complaints"));
    }
    if rules::may_open(Area::Oversight, role).is_ok() {
        items.push(item("/roster", "WSO roster", "roster"));
        items.push(item("/agreement", "Agreement", "agreement"));
        items.push(item("/reports/program", "Reports", "reports"));
        items.push(item("/imports", "Import bookings", "imports"));
    }
    if rules::may_open(Area::Administration, role).is_ok() {
        items.push(item("/admin/users", "Users", "users"));
        items.push(item("/admin/facilities", "Facilities", "facilities"));
        items.push(item("/admin/displays", "Displays", "displays"));
        items.push(item("/admin/webhooks", "Webhooks", "webhooks"));
        items.push(item("/admin/audit", "Audit log", "audit"));
    }
    items
}
