//! Each route of `/api/v1` (`routes.rs`) as the OpenAPI document describes it: its types, roles
//! and error statuses. `tests/it/openapi.rs` checks that this list and the router agree.

use utoipa::openapi::path::HttpMethod::{Delete, Get, Post, Put};

use super::openapi::{Op, op};
use super::schema::{EligibilityJson, PublicPageJson, RevokedJson};
use super::views::{BookingJson, DocumentJson, EventJson, NotificationJson, PendingJson};
use super::{agreement, bookings, case_inputs, claims, complaints, me, officers, reports, roster};
use crate::db;
use crate::domain::Role::{self, Admin, IceLiaison, Officer, Operator, Supervisor};
use crate::domain::booking::{BookingInput, DocumentInput, NotificationInput};
use crate::domain::roster::CertificationInput;
use crate::services::compliance::ComplianceReport;
use crate::services::reports::{IgsaReport, ProgramReport};

const DESK: &[Role] = &[Officer, Supervisor];
const EVERYONE: &[Role] = &[Officer, Supervisor, IceLiaison, Admin];
const OVERSIGHT: &[Role] = &[Supervisor, Admin];
/// The errors of a step on a case: not allowed, no such case, the case's state, a rule.
const STEP: &[u16] = &[403, 409, 422];

/// Every operation, in the reference's order.
pub fn operations() -> Vec<Op> {
    let mut ops = vec![
        op(Get, "/openapi.json", "reference", "This document")
            .describe(
                "The OpenAPI 3.1 document of the API, generated from the code. Rendered for people at `/api/docs`.",
            )
            .public()
            .answer_raw(200, super::openapi::document_response()),
        op(Get, "/me", "accounts", "Who the token acts as")
            .roles(EVERYONE)
            .ok::<me::UserJson>(200, "The token's account"),
        op(Get, "/users", "accounts", "Every account")
            .roles(&[Admin])
            .query::<super::PageQuery>(&[])
            .list::<me::UserJson>("Accounts in id order", true)
            .errors(&[403]),
    ];
    ops.extend(agencies());
    ops.extend(cases());
    ops.extend(more());
    ops.extend(webhooks());
    ops
}

/// Agencies and a liaison's grants (docs/agencies.md; issue 28).
fn agencies() -> Vec<Op> {
    use super::agencies::{GrantInput, GrantJson};
    let revoked = utoipa::openapi::ResponseBuilder::new()
        .description("Taken back: the account's board and streams lose that facility's cases at once")
        .build();
    vec![
        op(Get, "/agencies", "agencies", "Every agency (the operator)")
            .describe("Code, name, state and facility count of each agency; no case data.")
            .roles(&[Operator])
            .list::<crate::db::agencies::Agency>("The agencies by code", false)
            .errors(&[403]),
        op(Get, "/oversight", "agencies", "The oversight view (oversight accounts)")
            .describe(
                "For each granted agency (or the one `agency` names) and for all of them together (`state`), month by \
                 month: WSO services, transfers within 48 h, releases at the deadline, over-detentions and their hours, \
                 citizenship claims and those reported within the hour, post-service notices on time, complaints and \
                 those sent to ICE in time. Figures only; small counts (1 to 4) and the cells that would reveal them \
                 are `null` and named in `suppressed`. Every view is audited (`oversight_viewed`). \
                 Field definitions: docs/oversight.md.",
            )
            .roles(&[Role::Oversight])
            .query::<crate::web::oversight::OversightQuery>(&[])
            .ok::<crate::services::oversight::OversightView>(200, "The view")
            .errors(&[403, 422]),
        op(Post, "/users/{username}/facilities", "agencies", "Grant a facility to an account")
            .describe(
                "By the facility's agency's admin (or the operator): an ICE liaison may hold facilities of several                  agencies, each granted by its own agency; an agency's staff only their agency's. Audited                  `facility_granted`. 201 when granted, 200 (`granted: false`) when the account had it already.",
            )
            .roles(&[Admin, Operator])
            .body::<GrantInput>()
            .ok::<GrantJson>(201, "Granted")
            .ok::<GrantJson>(200, "The account had it already (`granted: false`): nothing written")
            .errors(&[403]),
        op(Delete, "/users/{username}/facilities/{code}", "agencies", "Take a facility back")
            .describe("Audited `facility_revoked`. 404 when the account did not have it.")
            .roles(&[Admin, Operator])
            .answer_raw(204, revoked)
            .errors(&[403]),
    ]
}

/// Webhook endpoints (docs/api.md, "Webhooks"; decision 0026).
fn webhooks() -> Vec<Op> {
    use super::webhooks::{EndpointInput, EndpointJson};
    let deleted = utoipa::openapi::ResponseBuilder::new()
        .description("Deleted: nothing more is sent to it")
        .build();
    vec![
        op(Post, "/webhooks", "webhooks", "Register a webhook endpoint")
            .describe(
                "Deliveries are signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) \
                 with the `secret`, shown only in this answer. Bodies carry ids, kinds and times only.",
            )
            .roles(&[Admin])
            .body::<EndpointInput>()
            .ok::<EndpointJson>(201, "The endpoint, with its secret")
            .errors(&[403]),
        op(Get, "/webhooks", "webhooks", "The live webhook endpoints")
            .roles(&[Admin])
            .list::<EndpointJson>("The endpoints, oldest first, without secrets", false)
            .errors(&[403]),
        op(Delete, "/webhooks/{id}", "webhooks", "Delete a webhook endpoint")
            .roles(&[Admin])
            .answer_raw(204, deleted)
            .errors(&[403]),
    ]
}

fn cases() -> Vec<Op> {
    vec![
        op(Get, "/bookings", "cases", "Search the cases")
            .describe("Newest first. ICE liaisons see only cases on hold for pickup or transferred, without charges.")
            .roles(EVERYONE)
            .query::<bookings::ListQuery>(&[])
            .list::<BookingJson>("The cases, summaries (no documents, notifications or events)", true),
        op(Post, "/bookings", "cases", "Book a person")
            .roles(DESK)
            .body::<BookingInput>()
            .ok::<BookingJson>(201, "The new case")
            .errors(&[403, 409]),
        op(Get, "/bookings/{id}", "cases", "One case, whole")
            .describe("Viewing is audited (`record_viewed`). ICE liaisons get no charges, notifications or events.")
            .roles(EVERYONE)
            .ok::<BookingJson>(200, "The case")
            .errors(&[403]),
        op(Get, "/bookings/{id}/audit", "cases", "The case's events")
            .roles(&[Officer, Supervisor, Admin])
            .list::<EventJson>("Every event of the case, oldest first", false)
            .errors(&[403]),
        op(Post, "/bookings/{id}/documents", "cases", "Record an ICE document")
            .roles(DESK)
            .body::<DocumentInput>()
            .ok::<DocumentJson>(201, "The document")
            .errors(STEP),
        op(Post, "/bookings/{id}/documents/{doc_id}/withdraw", "cases", "ICE withdrew a document")
            .roles(DESK)
            .body::<case_inputs::AtInput>()
            .ok::<DocumentJson>(200, "The document, withdrawn")
            .errors(STEP),
        op(Post, "/bookings/{id}/ice-notifications", "cases", "Log a notification to ICE")
            .roles(DESK)
            .body::<NotificationInput>()
            .ok::<NotificationJson>(201, "The notification")
            .errors(STEP),
        op(Post, "/bookings/{id}/release-point", "cases", "Record the point of release")
            .describe("Criminal custody ended; without an active warrant the person is released.")
            .roles(DESK)
            .body::<case_inputs::ReleasePointInput>()
            .ok::<BookingJson>(200, "The case")
            .errors(STEP),
        op(Post, "/bookings/{id}/service", "cases", "Serve a warrant")
            .describe("Starts the 48-hour custody clock. Refused with `409 citizenship_claim_unreported` until every claim is reported, and when the officer may not serve.")
            .roles(DESK)
            .body::<case_inputs::ServiceInput>()
            .ok::<BookingJson>(201, "The case, on a WSO hold")
            .errors(STEP),
        op(Put, "/bookings/{id}/pickup-plan", "cases", "Plan ICE's pickup")
            .describe(
                "When ICE will take custody, while the case is on a WSO hold (else `409 invalid_state`); \
                 replaces the current plan. A plan after the deadline, no plan with `WSO_PICKUP_PLAN_HOURS` (12) \
                 or fewer left, and a planned time passed without a pickup raise the alerts \
                 `pickup_plan_after_deadline`, `pickup_not_planned` and `pickup_plan_missed`; the webhook \
                 `pickup.planned` carries the planned time.",
            )
            .roles(&[IceLiaison, Supervisor])
            .body::<super::pickup::PlanInput>()
            .ok::<db::pickup::PickupPlan>(200, "The plan")
            .errors(STEP),
        op(Delete, "/bookings/{id}/pickup-plan", "cases", "Withdraw ICE's pickup plan")
            .roles(&[IceLiaison, Supervisor])
            .answer_raw(204, utoipa::openapi::ResponseBuilder::new().description("Withdrawn").build())
            .errors(STEP),
        op(Post, "/bookings/{id}/transfer", "cases", "ICE took custody")
            .roles(&[IceLiaison, Supervisor])
            .body::<case_inputs::TransferInput>()
            .ok::<BookingJson>(200, "The case, transferred")
            .errors(STEP),
        op(Post, "/bookings/{id}/release", "cases", "Release from a WSO hold")
            .roles(&[Supervisor])
            .body::<case_inputs::ReleaseInput>()
            .ok::<BookingJson>(200, "The case, released")
            .errors(STEP),
        op(Post, "/bookings/{id}/igsa-hold", "cases", "Hold under the IGSA")
            .roles(&[Supervisor])
            .body::<case_inputs::AtInput>()
            .ok::<BookingJson>(200, "The case, on an IGSA hold")
            .errors(STEP),
        op(Post, "/bookings/{id}/corrections", "cases", "Correct an event")
            .roles(DESK)
            .body::<case_inputs::CorrectionInput>()
            .ok::<EventJson>(201, "The correction, an event of its own")
            .errors(STEP),
        op(Get, "/transfers/pending", "transfers", "Every running custody clock")
            .describe(
                "Soonest deadline first, with each clock's stage at the time of the answer. `agency`: only the \
                 facilities of that agency (an ICE liaison covering jails of several agencies); an agency none of \
                 whose facilities the caller covers is `422` on `agency`.",
            )
            .roles(EVERYONE)
            .query::<super::transfers::PendingQuery>(&[])
            .list::<PendingJson<'static>>("The running clocks the caller may see", false),
        op(Get, "/duties", "transfers", "Each open case's next duty")
            .describe(
                "Each open case's one next duty (`record_release_point`, `serve_warrant`, `notify_ice_of_service`, \
                 `report_citizenship_claim`, `transfer_or_release`) and each complaint still owed to ICE \
                 (`answer_complaint`, for roles that read complaints), soonest `due_at` first; a duty with no \
                 deadline has `due_at: null` and comes last. The same duty leads the case page.",
            )
            .roles(EVERYONE)
            .query::<super::FacilityQuery>(&[])
            .ok::<super::duties::DutiesJson>(200, "The duties")
            .errors(&[403, 422]),
        op(Get, "/transfers/pending/events", "transfers", "The running clocks, pushed")
            .describe(
                "Server-sent events (`text/event-stream`) that never end on their own: `board` (every row, \
                 as `GET /transfers/pending`), `entered` and `changed` (one row), `left` (`{\"booking_id\"}`), \
                 `closed` (`{\"reason\": \"signed_out\"}`, then the stream ends); a `: heartbeat` comment every 15 s. \
                 At most `WSO_STREAMS_PER_USER` (default 20) open at once per account and server process.",
            )
            .roles(EVERYONE)
            .answer_raw(200, super::openapi::event_stream_response())
            .errors(&[429]),
        op(Post, "/bookings/{id}/citizenship-claims", "claims", "Record a citizenship claim")
            .describe("ICE must be told within one hour.")
            .roles(DESK)
            .body::<claims::ClaimInput>()
            .ok::<db::claims::Claim>(201, "The claim")
            .errors(STEP),
        op(Post, "/bookings/{id}/citizenship-claims/{claim_id}/report", "claims", "Report a claim to ICE")
            .roles(DESK)
            .body::<claims::ReportInput>()
            .ok::<db::claims::Claim>(200, "The claim, reported")
            .errors(STEP),
        op(Get, "/interpreters", "claims", "The interpreters")
            .roles(EVERYONE)
            .query::<super::FacilityQuery>(&[])
            .list::<db::interpreters::Interpreter>("The interpreters of the caller's facilities", false)
            .errors(&[403]),
        op(Post, "/interpreters", "claims", "Add an interpreter")
            .roles(&[Supervisor])
            .body::<claims::InterpreterInput>()
            .ok::<db::interpreters::Interpreter>(201, "The interpreter")
            .errors(&[403, 409]),
    ]
}

/// Officers, complaints, the agreement's records and the reports.
pub fn more() -> Vec<Op> {
    let fact = |path, summary| {
        op(Post, path, "officers", summary)
            .roles(OVERSIGHT)
            .ok::<EligibilityJson>(201, "The officer's eligibility now")
            .errors(&[403, 409])
    };
    vec![
        fact("/officers/{username}/exam", "Record ICE's exam").body::<officers::ExamInput>(),
        fact("/officers/{username}/credentials", "Form 70-006 credentials issued").body::<officers::CredentialInput>(),
        fact("/officers/{username}/credentials/returned", "Credentials returned").body::<officers::ReturnedInput>(),
        fact("/officers/{username}/withdrawal", "ICE withdrew the officer").body::<officers::WithdrawalInput>(),
        fact(
            "/officers/{username}/departure-notice",
            "The officer leaves the program",
        )
        .describe("`warning` when less than 90 days' notice was given.")
        .body::<officers::DepartureInput>(),
        op(
            Get,
            "/officers/{username}/eligibility",
            "officers",
            "May the officer serve?",
        )
        .describe("Officers may ask only about themselves, supervisors about officers of their facilities.")
        .roles(&[Officer, Supervisor, Admin])
        .query::<officers::EligibilityQuery>(&[])
        .ok::<EligibilityJson>(200, "Whether and why not")
        .errors(&[403]),
        op(
            Post,
            "/officers/{username}/certification",
            "officers",
            "Record a WSO certification",
        )
        .roles(OVERSIGHT)
        .body::<CertificationInput>()
        .ok::<roster::CertificationJson>(201, "The certification")
        .errors(&[403, 409]),
        op(
            Post,
            "/officers/{username}/certification/revoke",
            "officers",
            "Revoke the certifications",
        )
        .roles(OVERSIGHT)
        .body::<roster::RevokeInput>()
        .ok::<RevokedJson>(200, "Revoked")
        .errors(&[403, 409]),
        op(Get, "/complaints", "complaints", "Complaints about WSO actions")
            .roles(&[Officer, Supervisor, Admin])
            .query::<complaints::ComplaintQuery>(&[])
            .list::<complaints::ComplaintJson>("Complaints in id order", true)
            .errors(&[403]),
        op(Post, "/complaints", "complaints", "Record a complaint")
            .describe("It must reach ICE within 48 weekday hours.")
            .roles(DESK)
            .body::<complaints::ComplaintInput>()
            .ok::<complaints::ComplaintJson>(201, "The complaint")
            .errors(&[403]),
        op(
            Post,
            "/complaints/{id}/ice-notified",
            "complaints",
            "The complaint was sent to ICE",
        )
        .roles(DESK)
        .body::<claims::ReportInput>()
        .ok::<complaints::ComplaintJson>(200, "The complaint")
        .errors(STEP),
        op(
            Post,
            "/complaints/{id}/outcome",
            "complaints",
            "The complaint's outcome",
        )
        .roles(&[Supervisor])
        .body::<complaints::OutcomeInput>()
        .ok::<complaints::ComplaintJson>(200, "The complaint, closed")
        .errors(STEP),
        op(Get, "/disclosures", "agreement", "Disclosures")
            .roles(OVERSIGHT)
            .query::<super::FacilityQuery>(&[])
            .list::<db::agreement::Disclosure>("Newest first", false)
            .errors(&[403]),
        op(Post, "/disclosures", "agreement", "Record a disclosure")
            .roles(&[Supervisor])
            .body::<agreement::DisclosureJsonInput>()
            .ok::<db::agreement::Disclosure>(201, "The disclosure")
            .errors(&[403]),
        op(Get, "/reviews", "agreement", "Annual reviews")
            .roles(OVERSIGHT)
            .query::<super::FacilityQuery>(&[])
            .list::<db::agreement::Review>("Newest first", false)
            .errors(&[403]),
        op(Post, "/reviews", "agreement", "Record an annual review")
            .roles(&[Supervisor])
            .body::<agreement::ReviewInput>()
            .ok::<db::agreement::Review>(201, "The review")
            .errors(&[403]),
        op(Get, "/reports/program", "reports", "Program statistics")
            .roles(OVERSIGHT)
            .query::<reports::ReportQuery>(&["facility", "from", "to"])
            .ok::<ProgramReport>(200, "The figures of the period")
            .errors(&[403]),
        op(Get, "/reports/igsa", "reports", "IGSA day billing")
            .roles(OVERSIGHT)
            .query::<reports::ReportQuery>(&["facility", "month"])
            .ok::<IgsaReport>(200, "Days held and amounts of the month")
            .errors(&[403]),
        op(Get, "/reports/compliance", "reports", "Compliance report")
            .roles(OVERSIGHT)
            .query::<reports::ReportQuery>(&["facility", "from", "to"])
            .ok::<ComplianceReport>(200, "Each duty of the agreement over the period")
            .errors(&[403, 404]),
        op(
            Put,
            "/facilities/{code}/public",
            "reports",
            "Turn the public page on or off",
        )
        .describe("Audited (`public_page_enabled`, `public_page_disabled`).")
        .roles(&[Admin])
        .body::<reports::PublicInput>()
        .ok::<PublicPageJson>(200, "The page's state")
        .errors(&[403]),
        op(Get, "/audit", "audit", "The audit log")
            .describe("Oldest first, filtered like `/admin/audit`.")
            .roles(&[Admin])
            .query::<crate::web::audit::AuditQuery>(&[])
            .list::<db::audit_search::Found>("Audit entries with their chain hash", true)
            .errors(&[403]),
    ]
}
