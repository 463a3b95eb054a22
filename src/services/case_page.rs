//! The case page's read: everything the page shows of one case, read in one read-only
//! transaction (one snapshot, one read of the booking), and what the rulebook offers the viewer
//! now. The page, and the page shown again after a refused form, render it; they decide nothing.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Caller;
use crate::db::audit::Entry;
use crate::db::bookings::{Booking, Charge};
use crate::db::claims::Claim;
use crate::db::documents::{Document, Notification};
use crate::db::interpreters::Interpreter;
use crate::db::{self};
use crate::domain::allowed::{self, Allowed};
use crate::domain::case::{self, IceDocument};
use crate::domain::rules::{self, Actor, Facts, Step};
use crate::domain::types::{NotificationKind, Status};
use crate::domain::{claims, credentials, next_steps};
use crate::error::AppResult;

/// One case as its page shows it to one viewer.
pub struct CaseRead {
    pub booking: Booking,
    pub documents: Vec<Document>,
    /// Newest first.
    pub claims: Vec<Claim>,
    /// The interpreters of the case's facility.
    pub interpreters: Vec<Interpreter>,
    /// Charges, notifications and the timeline: empty for a viewer who does not see the whole
    /// case (`rules::sees_whole_case`).
    pub charges: Vec<Charge>,
    pub notifications: Vec<Notification>,
    pub events: Vec<Entry>,
    pub offer: Offer,
    /// ICE's planned pickup of a running hold.
    pub pickup: Option<db::pickup::PickupPlan>,
}

/// What the page offers the viewer now, most urgent first, and why an expected step is not.
pub struct Offer {
    pub can: Allowed,
    pub steps: Vec<Step>,
    /// The documents the service form lists (those `case::serve` would accept now).
    pub serveable: Vec<i64>,
    /// A service would be offered but the viewer may not serve now: the reasons (codes).
    pub not_certified: Option<Vec<&'static str>>,
    /// A service would be offered were the citizenship claim reported to ICE.
    pub claim_unreported: bool,
    /// The pickup is offered, but only one before this deadline, which has passed.
    pub pickup_late_after: Option<DateTime<Utc>>,
    /// The case's one next duty (issue 31), which the page leads with.
    pub duty: Option<next_steps::NextDuty>,
}

/// The case `id` as `caller` may see it: 404 when it does not exist or is not theirs.
pub async fn page(pool: &PgPool, caller: &Caller<'_>, id: i64, now: DateTime<Utc>) -> AppResult<CaseRead> {
    let mut tx = pool.begin().await?;
    db::read_snapshot(&mut tx).await?;
    let Some(booking) = db::bookings::get(&mut *tx, id).await? else {
        return Err(super::missing_case(&mut *tx, id).await);
    };
    if !super::visible(caller, &booking) {
        return Err(super::not_yours());
    }
    let documents = db::documents::for_booking(&mut *tx, id).await?;
    let claims = db::claims::claims(&mut *tx, id).await?;
    let interpreters = db::interpreters::interpreters(&mut *tx, Some(&[booking.facility_id])).await?;
    let (charges, notifications, events) = if rules::sees_whole_case(caller.user.role) {
        (
            db::bookings::charges(&mut *tx, id).await?,
            db::documents::notifications(&mut *tx, id).await?,
            db::audit::for_booking(&mut *tx, id).await?,
        )
    } else {
        (vec![], vec![], vec![])
    };
    // Whether the post-service notice is logged: read with the notifications; a viewer who does
    // not read them (a liaison) still sees the case's true next duty.
    let running = booking.status == Status::WsoHold;
    let notice_logged = if rules::sees_whole_case(caller.user.role) {
        notifications.iter().any(|n| n.kind == NotificationKind::PostService)
    } else {
        running && db::documents::post_service_notified_at(&mut *tx, id).await?.is_some()
    };
    // ICE's planned pickup, while the clock runs (issue 31).
    let pickup = if running {
        db::pickup::get(&mut *tx, id).await?
    } else {
        None
    };
    let offer = offer(&mut tx, caller, (&booking, &documents, &claims), notice_logged, now).await?;
    tx.commit().await?;
    Ok(CaseRead {
        booking,
        documents,
        claims,
        interpreters,
        charges,
        notifications,
        events,
        offer,
        pickup,
    })
}

async fn offer(
    conn: &mut sqlx::PgConnection,
    caller: &Caller<'_>,
    (b, documents, claim_list): (&Booking, &[Document], &[Claim]),
    notice_logged: bool,
    now: DateTime<Utc>,
) -> AppResult<Offer> {
    let case = b.case();
    let unreported_claim = claims::any_unreported(claim_list.iter().map(Claim::facts));
    let facts = Facts {
        case: &case,
        facility_igsa: b.facility_igsa,
        unreported_claim,
    };
    let actor = |certified| Actor {
        role: caller.user.role,
        at_facility: caller.user.facility_ids.contains(&b.facility_id),
        certified,
    };
    let docs: Vec<IceDocument> = documents.iter().map(Document::facts).collect();
    let mut can = allowed::allowed(actor(true), facts, &docs, now);
    // The certification is the one part of the rulebook that needs the viewer's record: read
    // only when a service would otherwise be offered.
    let mut not_certified = None;
    if can.serve {
        let record = db::credentials::record(&mut *conn, caller.user.id).await?;
        let e = credentials::eligibility(&record, now, b.tz());
        if !e.may_serve {
            can = allowed::allowed(actor(false), facts, &docs, now);
            not_certified = Some(e.reasons);
        }
    }
    let reported = Facts {
        unreported_claim: false,
        ..facts
    };
    let claim_unreported = unreported_claim && allowed::allowed(actor(true), reported, &docs, now).serve;
    let pickup_late_after = case.deadline().filter(|&d| {
        can.transfer && !can.late_transfer && case.status == Status::WsoHold && case::past_deadline(d, now)
    });
    let binds = next_steps::Binds {
        active_warrant: case::active_warrant(&docs, now),
        notice_logged,
        claim_report_due: claims::first_report_due(claim_list.iter().map(Claim::facts)),
    };
    let serveable = allowed::serveable(actor(true), facts, &docs, now)
        .map(|i| documents[i].id)
        .collect();
    Ok(Offer {
        steps: next_steps::order(&case, &can, binds, now),
        duty: next_steps::duty(&case, binds, now),
        can,
        serveable,
        not_certified,
        claim_unreported,
        pickup_late_after,
    })
}
