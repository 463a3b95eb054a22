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
