//! Every path of the application, in one place.

use crate::auth::session_store::AccountsStore;
use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{delete, get, post, put};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::csrf;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{
    access, account, admin, admin_accounts, agreement, alerts, api, api_docs, audit, board_events, bookings,
    case_actions, case_page, client, complaints, compliance, dashboard, display, draft, handover, health, hostile,
    imports, login, mfa, middleware, notice, pickup, public, records, reports, roster, sso, transfers, webhooks,
};

pub const SESSION_COOKIE: &str = "wso_session";
/// Over https (`WSO_PUBLIC_URL`): a `__Host-` cookie, which browsers accept only with `Secure`,
/// `Path=/` and no `Domain`, so no other site or subdomain can plant or read it.
pub const SESSION_COOKIE_HOST: &str = "__Host-wso_session";

pub fn session_cookie_name(config: &crate::config::Config) -> &'static str {
    if config.https() {
        SESSION_COOKIE_HOST
    } else {
        SESSION_COOKIE
    }
}

pub fn app(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(login::show).post(login::submit))
        .route("/login/{agency_code}", get(login::show_for_agency))
        .route("/login/{agency_code}/sso", get(sso::start))
        .route("/login/sso", post(sso::by_email))
        .route("/login/{agency_code}/sso/callback", get(sso::callback))
        .route("/logout", post(login::logout))
        .route("/login/mfa", get(mfa::code_page).post(mfa::submit_code))
        .route("/account/mfa/setup", get(mfa::setup).post(mfa::confirm_setup))
        .route("/account", get(account::show))
        .route(
            "/account/password",
            get(account::password).post(account::change_password),
        )
        .route("/account/sessions/end-others", post(account::end_other_sessions))
        .route("/bookings", get(bookings::list).post(bookings::create))
        .route("/bookings/new", get(bookings::new))
        .route("/bookings/{id}", get(case_page::show))
        .route("/bookings/{id}/documents", post(case_actions::add_document))
        .route(
            "/bookings/{id}/documents/{doc_id}/withdraw",
            post(case_actions::withdraw_document),
        )
        .route("/bookings/{id}/ice-notifications", post(case_actions::add_notification))
        .route("/bookings/{id}/release-point", post(case_actions::release_point))
        .route("/bookings/{id}/service", post(case_actions::serve))
        .route("/bookings/{id}/transfer", post(case_actions::transfer))
        .route("/bookings/{id}/release", post(case_actions::release))
        .route("/bookings/{id}/igsa-hold", post(case_actions::igsa_hold))
        .route("/bookings/{id}/notice", get(notice::show))
        .route("/bookings/{id}/notice/given", post(notice::given))
        .route("/bookings/{id}/pickup-plan", post(pickup::set))
        .route("/bookings/{id}/pickup-plan/withdraw", post(pickup::withdraw))
        .route("/bookings/{id}/corrections", post(case_actions::correct))
        .route("/bookings/{id}/release-now", post(case_actions::release_now))
        .route("/bookings/{id}/citizenship-claims", post(case_actions::record_claim))
        .route(
            "/bookings/{id}/citizenship-claims/{claim_id}/report",
            post(case_actions::report_claim),
        )
        .route("/bookings/{id}/transfer-record", get(records::transfer_record))
        .route("/bookings/{id}/release-record", get(records::release_record))
        .route("/handover", get(handover::show).post(handover::record))
        .route("/transfers/pending", get(transfers::pending))
        .route("/transfers/pending/events", get(board_events::page))
        .route("/complaints", get(complaints::list).post(complaints::create))
        .route("/complaints/notice", get(complaints::notice))
        .route("/complaints/{id}/ice-notified", post(complaints::notified))
        .route("/complaints/{id}/outcome", post(complaints::outcome))
        .route("/reports/program", get(reports::program))
        .route("/reports/program.csv", get(reports::program_csv))
        .route("/reports/igsa", get(reports::igsa))
        .route("/reports/compliance", get(compliance::compliance))
        .route("/reports/igsa.csv", get(reports::igsa_csv))
        .route("/public/{facility_code}", get(public::public))
        .route("/api/docs", get(api_docs::show))
        .route("/agreement", get(agreement::show))
        .route("/oversight", get(crate::web::oversight::page))
        .route("/agencies", get(crate::web::agencies::page))
        .route("/admin/agency/mfa", post(crate::web::agencies::mfa))
        .route("/admin/agency/settings", post(crate::web::agencies::settings))
        .route("/admin/agency/sso", post(crate::web::sso_admin::set))
        .route("/admin/agency/sso/disable", post(crate::web::sso_admin::disable))
        .route("/oversight.csv", get(crate::web::oversight::csv))
        .route("/agreement/interpreters", post(agreement::add_interpreter))
        .route("/agreement/disclosures", post(agreement::add_disclosure))
        .route("/agreement/reviews", post(agreement::add_review))
        .route("/alerts", get(alerts::list))
        .route("/alerts/ack", post(alerts::acknowledge_all))
        .route("/alerts/{id}/ack", post(alerts::acknowledge))
        .route("/roster", get(roster::show))
        .route("/roster/certifications", post(roster::certify))
        .route("/roster/revocations", post(roster::revoke))
        .route("/roster/facts", post(roster::record_fact))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}", get(admin::edit_user).post(admin::update_user))
        .route("/admin/users/{id}/unlock", post(admin::unlock_user))
        .route("/admin/users/{id}/disable", post(admin_accounts::disable))
        .route("/admin/users/{id}/enable", post(admin_accounts::enable))
        .route("/admin/users/{id}/reset-password", post(admin_accounts::reset_password))
        .route("/admin/users/{id}/reset-mfa", post(admin_accounts::reset_mfa))
        .route("/admin/users/{id}/tokens", post(admin_accounts::create_token))
        .route("/admin/tokens/{id}/revoke", post(admin_accounts::revoke_token))
        .route("/admin/facilities", get(admin::facilities).post(admin::create_facility))
        .route("/admin/facilities/{code}/settings", post(admin::facility_settings))
        .route("/admin/facilities/{code}/public", post(admin::facility_public))
        .route("/admin/displays", get(display::list).post(display::create))
        .route("/admin/displays/{id}/revoke", post(display::revoke))
        .route("/display/{token}", get(display::show))
        .route("/admin/webhooks", get(webhooks::page).post(webhooks::register))
        .route(
            "/imports",
            get(imports::show)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(imports::MAX_UPLOAD_BYTES)),
        )
        .route("/imports/{id}/confirm", post(imports::confirm))
        .route("/admin/audit", get(audit::page))
        .route("/admin/audit.csv", get(audit::csv))
        .fallback(|| async { AppError::NotFound })
        .layer(from_fn(csrf::verify))
        // Before the CSRF check: a desk form sent after the session ended keeps its typed work.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            draft::keep_typed_work,
        ))
        .layer(session_layer(&state));

    let api = Router::new()
        .route("/openapi.json", get(api::openapi::openapi_json))
        .route("/me", get(api::me::me))
        .route("/audit", get(api::audit::list))
        .route("/users", get(api::me::users))
        .route("/agencies", get(api::agencies::list))
        .route("/oversight", get(api::oversight::view))
        .route("/users/{username}/facilities", post(api::agencies::grant))
        .route("/users/{username}/facilities/{code}", delete(api::agencies::revoke))
        .route("/bookings", get(api::bookings::list).post(api::bookings::create))
        .route("/bookings/{id}", get(api::bookings::show))
        .route("/bookings/{id}/audit", get(api::bookings::audit))
        .route("/bookings/{id}/documents", post(api::bookings::add_document))
        .route(
            "/bookings/{id}/documents/{doc_id}/withdraw",
            post(api::bookings::withdraw_document),
        )
        .route(
            "/bookings/{id}/ice-notifications",
            post(api::bookings::add_notification),
        )
        .route("/bookings/{id}/release-point", post(api::bookings::release_point))
        .route("/bookings/{id}/service", post(api::bookings::serve))
        .route("/bookings/{id}/transfer", post(api::bookings::transfer))
        .route("/bookings/{id}/release", post(api::bookings::release))
        .route("/bookings/{id}/igsa-hold", post(api::bookings::igsa_hold))
        .route(
            "/bookings/{id}/pickup-plan",
            put(api::pickup::set).delete(api::pickup::clear),
        )
        .route("/bookings/{id}/corrections", post(api::bookings::correct))
        .route("/transfers/pending", get(api::transfers::pending))
        .route("/transfers/pending/events", get(api::transfers::events))
        .route("/duties", get(api::duties::duties))
        .route("/bookings/{id}/citizenship-claims", post(api::claims::record_claim))
        .route(
            "/bookings/{id}/citizenship-claims/{claim_id}/report",
            post(api::claims::report_claim),
        )
        .route(
            "/interpreters",
            get(api::claims::interpreters).post(api::claims::add_interpreter),
        )
        .route(
            "/complaints",
            get(api::complaints::complaints).post(api::complaints::record_complaint),
        )
        .route(
            "/complaints/{id}/ice-notified",
            post(api::complaints::complaint_notified),
        )
        .route("/complaints/{id}/outcome", post(api::complaints::complaint_outcome))
        .route("/officers/{username}/exam", post(api::officers::exam))
        .route("/officers/{username}/credentials", post(api::officers::credentials))
        .route(
            "/officers/{username}/credentials/returned",
            post(api::officers::credentials_returned),
        )
        .route("/officers/{username}/withdrawal", post(api::officers::withdrawal))
        .route(
            "/officers/{username}/departure-notice",
            post(api::officers::departure_notice),
        )
        .route("/officers/{username}/eligibility", get(api::officers::eligibility))
        .route(
            "/disclosures",
            get(api::agreement::disclosures).post(api::agreement::record_disclosure),
        )
        .route(
            "/reviews",
            get(api::agreement::reviews).post(api::agreement::record_review),
        )
        .route("/reports/program", get(api::reports::program))
        .route("/reports/igsa", get(api::reports::igsa))
        .route("/reports/compliance", get(api::reports::compliance))
        .route("/facilities/{code}/public", put(api::reports::set_public))
        .route("/officers/{username}/certification", post(api::roster::certify))
        .route("/officers/{username}/certification/revoke", post(api::roster::revoke))
        .route("/webhooks", get(api::webhooks::list).post(api::webhooks::create))
        .route("/webhooks/{id}", delete(api::webhooks::delete))
        .fallback(|| async { crate::error::ApiError(AppError::NotFound) })
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(middleware::api_panic))
        // Outside the panic catcher: a panicking request frees its key like any server error.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::idempotency::idempotency,
        ));

    let assets = Router::new()
        .route("/static/{*name}", get(crate::web::assets::serve))
        .route("/favicon.ico", get(crate::web::assets::favicon));

    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .nest("/api/v1", api)
        .merge(assets)
        .merge(pages)
        .route_layer(from_fn(middleware::record_route))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access::audit_denials,
        ))
        .layer(axum::middleware::from_fn(hostile::reject_control_characters))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client::client_address,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::boards_caught_up,
        ))
        .layer(from_fn(middleware::row_scope))
        .with_state(state.clone());
    middleware::apply(router, state.config.request_timeout_secs, state.config.https())
}

/// Sessions live in PostgreSQL (read and written on the accounts pool: `auth::session_store`); the cookie is HttpOnly, SameSite=Strict, Secure behind TLS.
/// The store drops sessions idle for the configured time; the app also checks idleness by its
/// own clock on every request (see `auth::session`).
fn session_layer(state: &AppState) -> SessionManagerLayer<AccountsStore> {
    SessionManagerLayer::new(AccountsStore::new(state))
        .with_name(session_cookie_name(&state.config))
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(state.config.cookie_secure || state.config.https())
        .with_expiry(Expiry::OnInactivity(CookieDuration::minutes(
            state.config.session_idle_minutes,
        )))
}
