//! One open board's view (decision 0022): which facilities it shows, the rows last sent with
//! their stage, and what a changed booking or the passing of time means for it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::board::{Feed, Row};
use super::board_held::Board;
use crate::db::board::{self, BoardBooking, List};
use crate::domain::stage::{Stage, stage};

/// What a stream sends.
#[derive(Clone, Debug)]
pub enum Event {
    /// The whole board (on connect, and after a resync).
    Board(Vec<(List, Row)>),
    /// A booking came onto a list.
    Entered(List, Row),
    /// A booking on a list changed: its stage, its claim flag, its facts.
    Changed(List, Row),
    /// A booking left a list.
    Left(List, i64),
}

/// One caller's view of the board: which facilities (`None`: all), whether it shows the page's
/// second list, and the rows last sent with their stage.
pub struct Watch {
    scope: Option<Vec<i64>>,
    /// One facility's code, to show it alone ('' for all of the scope).
    chosen: String,
    /// One agency's facilities, to show them alone (a liaison covering several agencies).
    only: Option<Vec<i64>>,
    with_awaiting: bool,
    rows: HashMap<i64, (List, Row, Option<Stage>)>,
}

fn stage_of(list: List, b: &BoardBooking, now: DateTime<Utc>) -> Option<Stage> {
    (list == List::Pending)
        .then_some(b.b.custody_deadline)
        .flatten()
        .map(|d| stage(d, now))
}

impl Watch {
    pub fn new(scope: Option<Vec<i64>>, chosen: String, with_awaiting: bool) -> Self {
        Self {
            scope,
            chosen,
            only: None,
            with_awaiting,
            rows: HashMap::new(),
        }
    }

    /// The same view limited to these facilities (one agency's), whatever the caller's
    /// facilities become.
    pub fn only(mut self, facilities: Option<Vec<i64>>) -> Self {
        if let Some(only) = &facilities {
            self.scope = Some(match self.scope.take() {
                Some(mine) => mine.into_iter().filter(|f| only.contains(f)).collect(),
                None => only.clone(),
            });
        }
        self.only = facilities;
        self
    }

    pub fn with_awaiting(&self) -> bool {
        self.with_awaiting
    }

    /// The same view for a caller whose facilities are now `scope`.
    pub fn rescoped(&self, scope: Option<Vec<i64>>) -> Self {
        Self::new(scope, self.chosen.clone(), self.with_awaiting).only(self.only.clone())
    }

    fn sees(&self, facility_id: i64) -> bool {
        self.scope.as_ref().is_none_or(|ids| ids.contains(&facility_id))
    }

    /// Reads the whole board (held in memory, or else one statement) and remembers it.
    pub async fn load(&mut self, db: &PgPool, feed: &Feed, now: DateTime<Utc>) -> sqlx::Result<Event> {
        let b = match feed.held.snapshot() {
            Some(held) => held.page(self.scope.as_deref(), &self.chosen, self.with_awaiting),
            None => {
                let _permit = feed.loads.acquire().await.expect("the loads semaphore is never closed");
                let b = board::page(db, self.scope.as_deref(), &self.chosen, self.with_awaiting).await?;
                Board {
                    facilities: b.facilities,
                    pending: b.pending.into_iter().map(|r| feed.intern(r)).collect(),
                    awaiting: b.awaiting.into_iter().map(|r| feed.intern(r)).collect(),
                }
            }
        };
        if !b.facilities.iter().any(|f| f.code == self.chosen) {
            self.chosen.clear(); // as the page: an unknown code shows every facility
        }
        let rows: Vec<(List, Row)> = b
            .pending
            .into_iter()
            .map(|r| (List::Pending, r))
            .chain(b.awaiting.into_iter().map(|r| (List::Awaiting, r)))
            .collect();
        self.rows = rows
            .iter()
            .map(|(l, r)| (r.b.id, (*l, r.clone(), stage_of(*l, r, now))))
            .collect();
        Ok(Event::Board(rows))
    }

    /// What a changed booking means for this view (nothing when it is not the caller's).
    pub fn apply(
        &mut self,
        facility_id: i64,
        booking_id: i64,
        entry: Option<&(Row, Option<List>)>,
        now: DateTime<Utc>,
    ) -> Vec<Event> {
        if !self.sees(facility_id) && !self.rows.contains_key(&booking_id) {
            return vec![];
        }
        let placed = entry
            .filter(|(b, _)| self.sees(b.b.facility_id) && (self.chosen.is_empty() || b.b.facility_code == self.chosen))
            .and_then(|(b, list)| Some((list.filter(|l| self.with_awaiting || *l == List::Pending)?, b)));
        let before = self.rows.remove(&booking_id);
        match (before, placed) {
            (None, None) => vec![],
            (Some((list, ..)), None) => vec![Event::Left(list, booking_id)],
            (before, Some((list, b))) => {
                self.rows.insert(booking_id, (list, b.clone(), stage_of(list, b, now)));
                match before {
                    None => vec![Event::Entered(list, b.clone())],
                    Some((old, ..)) if old != list => {
                        vec![Event::Left(old, booking_id), Event::Entered(list, b.clone())]
                    }
                    Some(_) => vec![Event::Changed(list, b.clone())],
                }
            }
        }
    }

    /// Rows whose stage changed by `now` (the clock runs on; nothing was read).
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let mut events: Vec<(Option<DateTime<Utc>>, i64, Event)> = vec![];
        for (id, (list, b, last)) in self.rows.iter_mut() {
            let current = stage_of(*list, b, now);
            if current != *last {
                *last = current;
                events.push((b.b.custody_deadline, *id, Event::Changed(*list, b.clone())));
            }
        }
        events.sort_by_key(|(d, id, _)| (*d, *id));
        events.into_iter().map(|(.., e)| e).collect()
    }
}
