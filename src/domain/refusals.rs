//! Repeated refusals, counted rather than each written (issue 26, 3): anyone can send a refused
//! request, and every audit entry is kept for good. A client's first refusal in a window is
//! written in full at once; the ones after it in the same window are counted, and when the
//! window closes one summary says how many, from when to when, with a few of the paths.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

/// How long a client's repeated refusals are gathered into one summary.
pub const WINDOW: Duration = Duration::seconds(60);
/// The clients tracked at once; beyond them every other client shares one tally (memory stays
/// bounded however many addresses send).
pub const MAX_CLIENTS: usize = 10_000;
/// The paths a summary keeps as a sample.
pub const SAMPLE_PATHS: usize = 3;

/// Who was refused: the address and, when signed in, the account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Client {
    pub ip: Option<String>,
    pub actor_id: Option<i64>,
}

impl Client {
    /// The tally every client beyond [`MAX_CLIENTS`] shares.
    fn everyone_else() -> Self {
        Client {
            ip: None,
            actor_id: None,
        }
    }
}

#[derive(Debug)]
struct Open {
    actor: Option<String>,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    repeated: u64,
    paths: Vec<String>,
}

/// What one closed window counted beyond its first refusal.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub client: Client,
    pub actor: Option<String>,
    /// The window's first refusal (written in full then) and its last.
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// Refusals after the first, not written one by one.
    pub repeated: u64,
    /// Up to [`SAMPLE_PATHS`] of their paths (method and path), first seen first.
    pub paths: Vec<String>,
}

/// The open windows of one server process.
#[derive(Debug, Default)]
pub struct Tally {
    open: HashMap<Client, Open>,
}

impl Tally {
    /// A refusal of `client` at `at`: true when it opens a window (write it in full now), false
    /// when it is counted in the client's open window. Call [`Tally::close`] first, so that a
    /// window that has ended is summarised before a new one opens.
    pub fn note(&mut self, client: Client, actor: Option<&str>, at: DateTime<Utc>, path: &str) -> bool {
        let client = if self.open.len() >= MAX_CLIENTS && !self.open.contains_key(&client) {
            Client::everyone_else()
        } else {
            client
        };
        match self.open.get_mut(&client) {
            Some(w) => {
                w.repeated += 1;
                w.last = w.last.max(at);
                if w.paths.len() < SAMPLE_PATHS && !w.paths.iter().any(|p| p == path) {
                    w.paths.push(path.to_string());
                }
                false
            }
            None => {
                self.open.insert(
                    client,
                    Open {
                        actor: actor.map(str::to_owned),
                        first: at,
                        last: at,
                        repeated: 0,
                        paths: vec![],
                    },
                );
                true
            }
        }
    }

    /// Closes the windows that ended by `now` (opened [`WINDOW`] or more ago): the summaries of
    /// those that counted repeats; the others are forgotten (their one refusal is written).
    pub fn close(&mut self, now: DateTime<Utc>) -> Vec<Summary> {
        let ended: Vec<Client> = self
            .open
            .iter()
            .filter(|(_, w)| now - w.first >= WINDOW)
            .map(|(c, _)| c.clone())
            .collect();
        let mut out: Vec<Summary> = ended
            .into_iter()
            .filter_map(|c| {
                let w = self.open.remove(&c)?;
                (w.repeated > 0).then_some(Summary {
                    client: c,
                    actor: w.actor,
                    first: w.first,
                    last: w.last,
                    repeated: w.repeated,
                    paths: w.paths,
                })
            })
            .collect();
        out.sort_by_key(|s| s.first);
        out
    }

    /// Every window, ended or not (a server stopping writes what it counted).
    pub fn close_all(&mut self) -> Vec<Summary> {
        self.close(DateTime::<Utc>::MAX_UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn from(ip: &str) -> Client {
        Client {
            ip: Some(ip.into()),
            actor_id: None,
        }
    }

    #[test]
    fn the_first_refusal_is_written_the_rest_of_the_window_counted_then_summarised() {
        let mut tally = Tally::default();
        let start = t("2026-12-06T10:00:00Z");
        assert!(tally.note(from("192.0.2.1"), None, start, "POST /logout"));
        for s in 1..=999 {
            let at = start + Duration::milliseconds(s * 10);
            assert!(tally.close(at).is_empty());
            assert!(!tally.note(from("192.0.2.1"), None, at, &format!("POST /x/{}", s % 5)));
        }
        // Another client has a window of its own.
        assert!(tally.note(from("192.0.2.2"), None, start, "POST /logout"));
        assert!(tally.close(start + WINDOW - Duration::seconds(1)).is_empty());
        let closed = tally.close(start + WINDOW);
        assert_eq!(closed.len(), 1, "only the window with repeats is summarised");
        let s = &closed[0];
        assert_eq!((s.repeated, s.first), (999, start));
        assert_eq!(s.last, start + Duration::milliseconds(9990));
        assert_eq!(s.paths, ["POST /x/1", "POST /x/2", "POST /x/3"]);
        // The next refusal opens a new window, written in full.
        assert!(tally.note(from("192.0.2.1"), None, start + WINDOW, "POST /logout"));
    }

    #[test]
    fn beyond_the_clients_tracked_everyone_else_shares_one_tally() {
        let mut tally = Tally::default();
        let at = t("2026-12-06T10:00:00Z");
        for i in 0..MAX_CLIENTS {
            assert!(tally.note(from(&format!("2001:db8::{i:x}")), None, at, "GET /"));
        }
        assert!(
            tally.note(from("198.51.100.1"), None, at, "GET /"),
            "the shared tally opens"
        );
        assert!(
            !tally.note(from("198.51.100.2"), None, at, "GET /"),
            "and counts the next newcomer"
        );
        assert_eq!(tally.open.len(), MAX_CLIENTS + 1);
        let closed = tally.close_all();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].client, Client::everyone_else());
    }
}
