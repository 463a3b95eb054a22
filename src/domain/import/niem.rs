//! The NIEM import: the Booking Reporting exchange of the Open Justice Broker Consortium (NIEM
//! 3.0, JXDM 5.1), one `br-doc:BookingReport` or a batch `br-doc:BookingReports` of
//! `br-ext:BookingReport`s. Read as a stream of events, matched by namespace URI (never by
//! prefix); of each report only the booking number, names, birth date, booked-at time,
//! charge descriptions and the immigration-hold indicator are kept: everything else (SSNs,
//! addresses, health and treatment information…) is read past and never held.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{Position, Problem, RawBooking, RawCharge};

const NC: &str = "http://release.niem.gov/niem/niem-core/3.0/";
const J: &str = "http://release.niem.gov/niem/domains/jxdm/5.1/";
const STRUCTURES: &str = "http://release.niem.gov/niem/structures/3.0/";
const BR_DOC: &str = "http://ojbc.org/IEPD/Exchange/BookingReport/1.0";
const BR_EXT: &str = "http://ojbc.org/IEPD/Extensions/BookingReportExtension/1.0";
/// A text node longer than this is cut (no field we keep is near it).
const MAX_TEXT: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ns {
    Nc,
    J,
    BrDoc,
    BrExt,
    Other,
}

struct Element {
    ns: Ns,
    name: String,
}

#[derive(Default)]
struct Person {
    given: Option<String>,
    sur: Option<String>,
    birth: Option<String>,
}

/// What one report has said so far.
#[derive(Default)]
struct Report {
    booked_at: Option<String>,
    agency_number: Option<String>,
    subject_number: Option<String>,
    subject_ref: Option<String>,
    persons: HashMap<String, Person>,
    charges: Vec<String>,
    hold: Option<bool>,
}

/// The fields of a report this program keeps.
#[derive(Clone, Copy)]
enum Slot {
    BookedAt,
    Agency,
    Subject,
    Given,
    Sur,
    Birth,
    Charge,
    Hold,
}

fn first(slot: &mut Option<String>, text: String) {
    if slot.is_none() {
        *slot = Some(text);
    }
}

pub struct NiemBookings<R: BufRead> {
    reader: NsReader<R>,
    buf: Vec<u8>,
    stack: Vec<Element>,
    /// The `structures:id` of the `nc:Person` open at each depth.
    person_at: Vec<(usize, String)>,
    text: String,
    /// Batched (`br-doc:BookingReports`): each `br-ext:BookingReport` is one booking.
    batched: Option<bool>,
    report: Option<Report>,
    count: u64,
    done: bool,
}

impl<R: BufRead> NiemBookings<R> {
    pub fn new(input: R) -> Self {
        let mut reader = NsReader::from_reader(input);
        reader.config_mut().expand_empty_elements = true;
        NiemBookings {
            reader,
            buf: Vec::new(),
            stack: Vec::new(),
            person_at: Vec::new(),
            text: String::new(),
            batched: None,
            report: None,
            count: 0,
            done: false,
        }
    }

    fn at(&self) -> Position {
        Position::Booking(self.count.max(1))
    }

    fn fail(&mut self, message: String) -> Option<Result<RawBooking, Vec<Problem>>> {
        self.done = true;
        Some(Err(vec![Problem::new(self.at(), "xml", message)]))
    }

    /// Whether the open elements end with `path` (innermost last).
    fn ends_with(&self, path: &[(Ns, &str)]) -> bool {
        self.stack.len() >= path.len()
            && self.stack[self.stack.len() - path.len()..]
                .iter()
                .zip(path)
                .all(|(e, (ns, name))| e.ns == *ns && e.name == *name)
    }

    /// The person whose child (at `depth` below it) is open now.
    fn person(&mut self, depth: usize) -> Option<&mut Person> {
        let (at, id) = self.person_at.last()?;
        if *at + depth + 1 != self.stack.len() {
            return None;
        }
        let id = id.clone();
        Some(self.report.as_mut()?.persons.entry(id).or_default())
    }

    fn start(&mut self, ns: Ns, name: String, e: &BytesStart<'_>) -> Result<(), String> {
        let depth = self.stack.len();
        if depth == 0 {
            match (ns, name.as_str()) {
                (Ns::BrDoc, "BookingReport") => {
                    self.batched = Some(false);
                    self.count = 1;
                    self.report = Some(Report::default());
                }
                (Ns::BrDoc, "BookingReports") => self.batched = Some(true),
                _ => {
                    return Err(format!(
                        "`{name}` is not a NIEM booking report (br-doc:BookingReport or br-doc:BookingReports of the OJBC Booking Reporting exchange)"
                    ));
                }
            }
        } else if depth == 1 && self.batched == Some(true) && ns == Ns::BrExt && name == "BookingReport" {
            self.count += 1;
            self.report = Some(Report::default());
        }
        let structures = |reader: &NsReader<R>, local: &str| -> Option<String> {
            e.attributes().flatten().find_map(|a| {
                let (ns, l) = reader.resolver().resolve_attribute(a.key);
                let ok = matches!(ns, ResolveResult::Bound(n) if n.0 == STRUCTURES) && l.as_ref() == local;
                ok.then(|| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.trim().to_string())
                        .ok()
                })
                .flatten()
            })
        };
        if ns == Ns::Nc
            && name == "Person"
            && let Some(id) = structures(&self.reader, "id")
        {
            self.person_at.push((depth, id));
        }
        if ns == Ns::Nc && name == "RoleOfPerson" && self.ends_with(&[(Ns::J, "Booking"), (Ns::J, "BookingSubject")]) {
            let r = structures(&self.reader, "ref");
            if let Some(report) = self.report.as_mut() {
                report.subject_ref = report.subject_ref.take().or(r);
            }
        }
        self.stack.push(Element { ns, name });
        self.text.clear();
        Ok(())
    }

    fn keep(&mut self, slot: Slot, text: String) {
        if let (Slot::Given | Slot::Sur | Slot::Birth, Some(p)) = (slot, self.person(2)) {
            match slot {
                Slot::Given => first(&mut p.given, text),
                Slot::Sur => first(&mut p.sur, text),
                _ => first(&mut p.birth, text),
            }
            return;
        }
        let Some(r) = self.report.as_mut() else { return };
        match slot {
            Slot::BookedAt => first(&mut r.booked_at, text),
            Slot::Agency => first(&mut r.agency_number, text),
            Slot::Subject => first(&mut r.subject_number, text),
            Slot::Charge => r.charges.push(text),
            Slot::Hold => r.hold = Some(r.hold.unwrap_or(false) || matches!(text.as_str(), "true" | "1")),
            Slot::Given | Slot::Sur | Slot::Birth => {}
        }
    }

    /// At the end of an element (still on the stack): keep its text if it is a field we keep.
    fn end(&mut self) -> Option<RawBooking> {
        let text = self.text.trim().to_string();
        let slot = [
            (
                Slot::BookedAt,
                &[(Ns::J, "Booking"), (Ns::Nc, "ActivityDate"), (Ns::Nc, "DateTime")][..],
            ),
            (
                Slot::Agency,
                &[
                    (Ns::J, "BookingAgencyRecordIdentification"),
                    (Ns::Nc, "IdentificationID"),
                ],
            ),
            (
                Slot::Subject,
                &[
                    (Ns::J, "BookingSubject"),
                    (Ns::J, "SubjectIdentification"),
                    (Ns::Nc, "IdentificationID"),
                ],
            ),
            (Slot::Given, &[(Ns::Nc, "PersonName"), (Ns::Nc, "PersonGivenName")]),
            (Slot::Sur, &[(Ns::Nc, "PersonName"), (Ns::Nc, "PersonSurName")]),
            (Slot::Birth, &[(Ns::Nc, "PersonBirthDate"), (Ns::Nc, "Date")]),
            (Slot::Charge, &[(Ns::J, "Charge"), (Ns::J, "ChargeDescriptionText")]),
            (Slot::Hold, &[(Ns::BrExt, "DetentiontImmigrationHoldIndicator")]),
        ]
        .into_iter()
        .find(|(_, path)| self.ends_with(path))
        .map(|(slot, _)| slot);
        if let Some(slot) = slot {
            self.keep(slot, text);
        }
        self.text.clear();
        let depth = self.stack.len() - 1;
        if self.person_at.last().is_some_and(|(d, _)| *d == depth) {
            self.person_at.pop();
        }
        let closes = match self.batched {
            Some(false) => depth == 0,
            Some(true) => depth == 1 && self.ends_with(&[(Ns::BrExt, "BookingReport")]),
            None => false,
        };
        self.stack.pop();
        if closes {
            return self.report.take().map(|r| finish(r, Position::Booking(self.count)));
        }
        None
    }
}

fn finish(mut r: Report, at: Position) -> RawBooking {
    let person = r
        .subject_ref
        .as_ref()
        .and_then(|id| r.persons.remove(id))
        .unwrap_or_default();
    RawBooking {
        at,
        booking_number: r.agency_number.or(r.subject_number).unwrap_or_default(),
        last_name: person.sur.unwrap_or_default(),
        first_name: person.given.unwrap_or_default(),
        date_of_birth: person.birth.unwrap_or_default(),
        booked_at: r.booked_at.unwrap_or_default(),
        charges: r
            .charges
            .into_iter()
            .map(|description| RawCharge {
                at: None,
                description,
                category: String::new(),
            })
            .collect(),
        immigration_hold: Some(r.hold.unwrap_or(false)),
    }
}

fn ns_of(r: &ResolveResult<'_>) -> Ns {
    match r {
        ResolveResult::Bound(n) => match n.0 {
            NC => Ns::Nc,
            J => Ns::J,
            BR_DOC => Ns::BrDoc,
            BR_EXT => Ns::BrExt,
            _ => Ns::Other,
        },
        _ => Ns::Other,
    }
}

impl<R: BufRead> Iterator for NiemBookings<R> {
    type Item = Result<RawBooking, Vec<Problem>>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let event = match self.reader.read_resolved_event_into(&mut buf) {
                Ok((ns, event)) => (ns_of(&ns), event.into_owned()),
                Err(e) => {
                    let at = self.reader.buffer_position();
                    return self.fail(format!("not well-formed XML (at byte {at}): {e}"));
                }
            };
            self.buf = buf;
            match event {
                (ns, Event::Start(e)) => {
                    let name = e.local_name().as_ref().to_string();
                    if let Err(m) = self.start(ns, name, &e) {
                        return self.fail(m);
                    }
                }
                (_, Event::End(_)) => {
                    if let Some(b) = self.end() {
                        return Some(Ok(b));
                    }
                }
                (_, Event::Text(t)) => push(&mut self.text, &t.xml10_content()),
                (_, Event::CData(t)) => push(&mut self.text, &t.into_inner()),
                (_, Event::GeneralRef(r)) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        _ => match r.xml10_content().as_ref() {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            _ => None,
                        },
                    };
                    if let Some(c) = c {
                        push(&mut self.text, c.encode_utf8(&mut [0; 4]));
                    }
                }
                (_, Event::Eof) => {
                    self.done = true;
                    if self.batched.is_none() {
                        return self.fail("the file holds no booking report".into());
                    }
                }
                _ => {}
            }
        }
        None
    }
}

fn push(text: &mut String, s: &str) {
    if text.len() + s.len() <= MAX_TEXT {
        text.push_str(s);
    }
}

#[cfg(test)]
#[path = "niem_tests.rs"]
mod tests;
