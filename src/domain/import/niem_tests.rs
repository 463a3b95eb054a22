//! The NIEM reader on small documents (the OJBC samples are read by tests/it/imports.rs).
use super::*;

const BATCH: &str = r#"<?xml version="1.0"?>
<x:BookingReports xmlns:x="http://ojbc.org/IEPD/Exchange/BookingReport/1.0" xmlns:e="http://ojbc.org/IEPD/Extensions/BookingReportExtension/1.0"
  xmlns:j="http://release.niem.gov/niem/domains/jxdm/5.1/" xmlns:n="http://release.niem.gov/niem/niem-core/3.0/" xmlns:s="http://release.niem.gov/niem/structures/3.0/">
 <e:BookingReport>
  <j:Booking><n:ActivityDate><n:DateTime>2026-11-20T08:00:00</n:DateTime></n:ActivityDate>
   <j:BookingSubject><n:RoleOfPerson s:ref="P1"/><j:SubjectIdentification><n:IdentificationID>S-1</n:IdentificationID></j:SubjectIdentification></j:BookingSubject></j:Booking>
  <j:Charge><j:ChargeDescriptionText>Theft &amp; fraud</j:ChargeDescriptionText></j:Charge>
  <n:Person s:id="P1"><n:PersonBirthDate><n:Date>1980-01-02</n:Date></n:PersonBirthDate>
   <n:PersonName><n:PersonGivenName>Ann</n:PersonGivenName><n:PersonSurName>Lee</n:PersonSurName></n:PersonName>
   <n:PersonSSNIdentification><n:IdentificationID>123-45-6789</n:IdentificationID></n:PersonSSNIdentification></n:Person>
  <j:Detention><e:DetentiontImmigrationHoldIndicator>true</e:DetentiontImmigrationHoldIndicator></j:Detention>
 </e:BookingReport>
 <e:BookingReport><j:Booking><j:BookingAgencyRecordIdentification><n:IdentificationID>A-2</n:IdentificationID></j:BookingAgencyRecordIdentification></j:Booking></e:BookingReport>
</x:BookingReports>"#;

#[test]
fn a_batch_is_read_by_namespace_whatever_the_prefixes() {
    let out: Vec<_> = NiemBookings::new(BATCH.as_bytes()).collect();
    assert_eq!(out.len(), 2);
    let a = out[0].as_ref().unwrap();
    assert_eq!(
        (a.booking_number.as_str(), a.last_name.as_str(), a.first_name.as_str()),
        ("S-1", "Lee", "Ann")
    );
    assert_eq!(
        (a.date_of_birth.as_str(), a.booked_at.as_str()),
        ("1980-01-02", "2026-11-20T08:00:00")
    );
    assert_eq!(a.charges[0].description, "Theft & fraud");
    assert_eq!((a.at, a.immigration_hold), (Position::Booking(1), Some(true)));
    let b = out[1].as_ref().unwrap();
    assert_eq!(
        (b.booking_number.as_str(), b.at, b.immigration_hold),
        ("A-2", Position::Booking(2), Some(false))
    );
}

#[test]
fn other_documents_are_refused() {
    let out: Vec<_> = NiemBookings::new("<html><body/></html>".as_bytes()).collect();
    assert!(
        out[0].as_ref().unwrap_err()[0]
            .message
            .contains("not a NIEM booking report")
    );
    let out: Vec<_> = NiemBookings::new("<a><b></a>".as_bytes()).collect();
    assert_eq!(out[0].as_ref().unwrap_err()[0].field, "xml");
}

/// One booking report as the whole document (br-doc:BookingReport at the root), its person one
/// level higher than in a batch; a structures attribute before the id, and a child of the
/// booking subject pointing at another person before the subject's own role.
const SINGLE: &str = r#"<?xml version="1.0"?>
<x:BookingReport xmlns:x="http://ojbc.org/IEPD/Exchange/BookingReport/1.0" xmlns:e="http://ojbc.org/IEPD/Extensions/BookingReportExtension/1.0"
  xmlns:j="http://release.niem.gov/niem/domains/jxdm/5.1/" xmlns:n="http://release.niem.gov/niem/niem-core/3.0/" xmlns:s="http://release.niem.gov/niem/structures/3.0/"
  xmlns:o="http://example.org/other">
 <j:Booking><n:ActivityDate><n:DateTime>2026-11-21T09:30:00</n:DateTime></n:ActivityDate>
  <j:BookingSubject><n:PersonAugmentation s:ref="P2"/><n:RoleOfPerson s:ref="P1"/>
   <j:SubjectIdentification><n:IdentificationID>S-7</n:IdentificationID></j:SubjectIdentification></j:BookingSubject></j:Booking>
 <j:Charge><j:ChargeDescriptionText>Trespass</j:ChargeDescriptionText></j:Charge>
 <n:Person s:metadata="M1" o:id="P2" s:id="P1"><n:PersonBirthDate><n:Date>1975-05-06</n:Date></n:PersonBirthDate>
  <n:PersonName><n:PersonGivenName>Bo</n:PersonGivenName><n:PersonSurName>Diaz</n:PersonSurName></n:PersonName></n:Person>
 <n:Person s:id="P2"><n:PersonName><n:PersonGivenName>Cy</n:PersonGivenName><n:PersonSurName>Other</n:PersonSurName></n:PersonName></n:Person>
</x:BookingReport>"#;

#[test]
fn a_single_report_is_one_booking_with_its_own_person() {
    let out: Vec<_> = NiemBookings::new(SINGLE.as_bytes()).collect();
    assert_eq!(out.len(), 1, "one booking, read to the end of the document");
    let a = out[0].as_ref().unwrap();
    assert_eq!(a.at, Position::Booking(1));
    assert_eq!(
        (a.booking_number.as_str(), a.booked_at.as_str()),
        ("S-7", "2026-11-21T09:30:00")
    );
    // The subject is the person the role points at (not the other child's), found by its
    // structures id (not another attribute of the structures or another namespace).
    assert_eq!(
        (a.last_name.as_str(), a.first_name.as_str(), a.date_of_birth.as_str()),
        ("Diaz", "Bo", "1975-05-06")
    );
    assert_eq!(a.charges.len(), 1);
    assert_eq!(a.charges[0].description, "Trespass");
}

#[test]
fn only_a_batch_s_reports_start_a_booking() {
    // A batch with another element beside its reports: the reports are still the first and
    // second bookings.
    let with_header = BATCH.replace(
        r#"xmlns:s="http://release.niem.gov/niem/structures/3.0/">"#,
        r#"xmlns:s="http://release.niem.gov/niem/structures/3.0/"><e:ReportHeader>x</e:ReportHeader>"#,
    );
    assert_ne!(with_header, BATCH, "the header was put in");
    let out: Vec<_> = NiemBookings::new(with_header.as_bytes()).collect();
    assert_eq!(out.len(), 2);
    let ats: Vec<Position> = out.iter().map(|b| b.as_ref().unwrap().at).collect();
    assert_eq!(ats, [Position::Booking(1), Position::Booking(2)]);
    assert_eq!(out[0].as_ref().unwrap().last_name, "Lee");
}

#[test]
fn entities_character_references_and_cdata_are_read_as_text() {
    let doc = SINGLE
        .replace(
            "<n:PersonGivenName>Bo</n:PersonGivenName>",
            "<n:PersonGivenName>&lt;B&gt; &quot;&#66;o&quot; &apos;&#x42;&apos;</n:PersonGivenName>",
        )
        .replace(
            "<j:ChargeDescriptionText>Trespass</j:ChargeDescriptionText>",
            "<j:ChargeDescriptionText><![CDATA[Trespass <2nd>]]></j:ChargeDescriptionText>",
        );
    let out: Vec<_> = NiemBookings::new(doc.as_bytes()).collect();
    let a = out[0].as_ref().unwrap();
    assert_eq!(a.first_name, r#"<B> "Bo" 'B'"#);
    assert_eq!(a.charges[0].description, "Trespass <2nd>");
}

#[test]
fn a_text_longer_than_the_limit_is_not_kept() {
    let long = "x".repeat(MAX_TEXT + 1);
    let doc = SINGLE.replace(
        "<j:ChargeDescriptionText>Trespass</j:ChargeDescriptionText>",
        &format!("<j:ChargeDescriptionText>{long}</j:ChargeDescriptionText>"),
    );
    let out: Vec<_> = NiemBookings::new(doc.as_bytes()).collect();
    let a = out[0].as_ref().unwrap();
    assert!(
        a.charges[0].description.len() <= MAX_TEXT,
        "kept {} bytes",
        a.charges[0].description.len()
    );
}
