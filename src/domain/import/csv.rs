//! The CSV import: a header row naming the columns (any order, extra columns ignored), one row
//! per charge; consecutive rows with the same booking number are one booking. Read as a
//! stream: one booking in memory at a time (and the numbers seen, to refuse a booking whose
//! rows are not together).

use std::collections::HashMap;
use std::io::Read;

use super::{Position, Problem, RawBooking, RawCharge};

pub const COLUMNS: [&str; 7] = [
    "booking_number",
    "last_name",
    "first_name",
    "date_of_birth",
    "booked_at",
    "charge_description",
    "charge_category",
];

/// Bookings from CSV text (UTF-8, with or without a byte-order mark).
pub struct CsvBookings<R: Read> {
    reader: ::csv::Reader<R>,
    /// Where each of `COLUMNS` is in a row.
    index: [usize; 7],
    pending: Option<RawBooking>,
    /// Booking number → the line it started at.
    seen: HashMap<String, u64>,
    record: ::csv::StringRecord,
    done: bool,
}

impl<R: Read> CsvBookings<R> {
    /// Reads the header; a missing column is a problem at line 1.
    pub fn new(input: R) -> Result<Self, Problem> {
        let mut reader = ::csv::ReaderBuilder::new()
            .flexible(true)
            .trim(::csv::Trim::All)
            .from_reader(input);
        let header = reader
            .headers()
            .map_err(|e| Problem::new(Position::Line(1), "header", format!("not a CSV header: {}", plain(&e))))?
            .clone();
        let names: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = if i == 0 { h.trim_start_matches('\u{feff}') } else { h };
                h.trim().to_ascii_lowercase()
            })
            .collect();
        let mut index = [0; 7];
        let mut missing = Vec::new();
        for (i, column) in COLUMNS.iter().enumerate() {
            match names.iter().position(|n| n == column) {
                Some(p) => index[i] = p,
                None => missing.push(*column),
            }
        }
        if !missing.is_empty() {
            return Err(Problem::new(
                Position::Line(1),
                "header",
                format!("missing column(s): {}", missing.join(", ")),
            ));
        }
        Ok(CsvBookings {
            reader,
            index,
            pending: None,
            seen: HashMap::new(),
            record: ::csv::StringRecord::new(),
            done: false,
        })
    }

    fn cell(&self, column: usize) -> String {
        self.record.get(self.index[column]).unwrap_or("").to_string()
    }
}

/// The csv crate's error without its own position (we give the line ourselves).
fn plain(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

impl<R: Read> Iterator for CsvBookings<R> {
    type Item = Result<RawBooking, Vec<Problem>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return self.pending.take().map(Ok);
            }
            // The line the next record starts on (a read failure has no position of its own).
            let line = self.reader.position().line();
            match self.reader.read_record(&mut self.record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let line = self.record.position().map_or(line, |p| p.line());
                    if self.record.iter().all(str::is_empty) {
                        continue;
                    }
                    let number = self.cell(0);
                    let charge = RawCharge {
                        at: Some(Position::Line(line)),
                        description: self.cell(5),
                        category: self.cell(6),
                    };
                    if let Some(p) = self.pending.as_mut().filter(|p| p.booking_number == number) {
                        p.charges.push(charge);
                        let differs: Vec<&str> = [
                            (1, &p.last_name),
                            (2, &p.first_name),
                            (3, &p.date_of_birth),
                            (4, &p.booked_at),
                        ]
                        .into_iter()
                        .filter(|(c, v)| self.record.get(self.index[*c]).unwrap_or("") != v.as_str())
                        .map(|(c, _)| COLUMNS[c])
                        .collect();
                        if let Some(field) = differs.first() {
                            let Position::Line(first) = p.at else { unreachable!() };
                            let message = format!("differs from line {first}, the first row of booking {number}");
                            return Some(Err(vec![Problem::new(Position::Line(line), field, message)]));
                        }
                        continue;
                    }
                    if let Some(first) = self.seen.get(&number).filter(|_| !number.is_empty()) {
                        let message = format!(
                            "booking {number} already began at line {first}: the rows of one booking must be together"
                        );
                        return Some(Err(vec![Problem::new(Position::Line(line), "booking_number", message)]));
                    }
                    self.seen.insert(number.clone(), line);
                    let started = RawBooking {
                        at: Position::Line(line),
                        booking_number: number,
                        last_name: self.cell(1),
                        first_name: self.cell(2),
                        date_of_birth: self.cell(3),
                        booked_at: self.cell(4),
                        charges: vec![charge],
                        immigration_hold: None,
                    };
                    if let Some(done) = self.pending.replace(started) {
                        return Some(Ok(done));
                    }
                }
                Err(e) => {
                    let at = e.position().map_or(line, |p| p.line());
                    if !matches!(e.kind(), ::csv::ErrorKind::Utf8 { .. }) {
                        self.done = true;
                    }
                    return Some(Err(vec![Problem::new(Position::Line(at), "row", plain(&e))]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Result<RawBooking, Vec<Problem>>> {
        CsvBookings::new(text.as_bytes()).unwrap().collect()
    }

    #[test]
    fn rows_of_one_booking_are_its_charges_and_a_bom_is_ignored() {
        let text = "\u{feff}last_name,booking_number,first_name,date_of_birth,booked_at,charge_description,charge_category,bed\n\
                    Doe,B-1,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi,7\n\
                    Doe,B-1,Jane,1990-04-30,2026-11-20 08:00,Speeding,traffic,7\n\
                    Roe,B-2,Rick,1980-01-01,2026-11-21T10:00:00Z,Theft,,\n";
        let out = read(text);
        assert_eq!(out.len(), 2);
        let first = out[0].as_ref().unwrap();
        assert_eq!((first.booking_number.as_str(), first.charges.len()), ("B-1", 2));
        assert_eq!(first.charges[1].at, Some(Position::Line(3)));
        let second = out[1].as_ref().unwrap();
        assert_eq!(
            (second.at, second.charges[0].category.as_str()),
            (Position::Line(4), "")
        );
    }

    #[test]
    fn a_missing_column_is_named_and_scattered_rows_are_refused() {
        let e = CsvBookings::new("booking_number,last_name\n".as_bytes()).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("line 1: header: missing column(s): first_name"),
            "{e}"
        );
        let text = "booking_number,last_name,first_name,date_of_birth,booked_at,charge_description,charge_category\n\
                    B-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n\
                    B-2,Roe,Rick,1980-01-01,2026-11-20 08:00,DWI,dwi\n\
                    B-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n";
        let out = read(text);
        let problem = out.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert_eq!(problem[0].at, Position::Line(4));
        assert_eq!(problem[0].field, "booking_number");
    }

    #[test]
    fn rows_of_one_booking_must_agree_and_text_must_be_utf8() {
        let text = "booking_number,last_name,first_name,date_of_birth,booked_at,charge_description,charge_category\n\
                    B-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n\
                    B-1,Doe,Janet,1990-04-30,2026-11-20 08:00,Speeding,traffic\n";
        let problem = read(text).into_iter().find_map(Result::err).unwrap();
        assert_eq!(
            problem[0].to_string(),
            "line 3: first_name: differs from line 2, the first row of booking B-1"
        );
        let mut bytes =
            b"booking_number,last_name,first_name,date_of_birth,booked_at,charge_description,charge_category\n"
                .to_vec();
        bytes.extend_from_slice(b"B-1,N\xfa\xf1ez,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n");
        let out: Vec<_> = CsvBookings::new(&bytes[..]).unwrap().collect();
        let problem = out.into_iter().find_map(Result::err).unwrap();
        assert_eq!(problem[0].to_string(), "line 2: row: not UTF-8 text");
    }

    /// Bytes, then a read failure (a file on a network share that goes away).
    struct Failing(std::io::Cursor<Vec<u8>>);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::other("the share went away")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_row_that_is_not_utf8_is_refused_and_the_rows_after_it_are_still_read() {
        let mut bytes =
            b"booking_number,last_name,first_name,date_of_birth,booked_at,charge_description,charge_category
"
            .to_vec();
        bytes.extend_from_slice(b"B-1,N\xfa\xf1ez,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n");
        bytes.extend_from_slice(b"B-2,Roe,Rick,1980-01-01,2026-11-20 08:00,DWI,dwi\n");
        let out: Vec<_> = CsvBookings::new(&bytes[..]).unwrap().collect();
        assert!(out[0].is_err());
        let read: Vec<&str> = out
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|b| b.booking_number.as_str())
            .collect();
        assert_eq!(read, ["B-2"], "one bad row does not end the file");
    }

    #[test]
    fn a_read_failure_ends_the_file_at_the_line_it_stopped_on() {
        let text = "booking_number,last_name,first_name,date_of_birth,booked_at,charge_description,charge_category\n\
                    B-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n";
        let out: Vec<_> = CsvBookings::new(Failing(std::io::Cursor::new(text.as_bytes().to_vec())))
            .unwrap()
            .collect();
        let problems: Vec<String> = out
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|p| p[0].to_string())
            .collect();
        assert_eq!(problems, ["line 3: row: the share went away"], "{out:?}");
        assert_eq!(
            out.len(),
            2,
            "the failure, B-1 (read whole before it), then nothing more"
        );
    }
}
