//! The enumerated words of the case. Each word is a contract (API, forms, DB CHECKs).

/// An enum whose values are fixed words: serde, `FromStr`, `Display` (stored as `text`, see
/// `db/encode.rs`).
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $word:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $word)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// Words for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// The API's description (OpenAPI): a string, one of the words.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let words: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    format!("`{s}` is not one of: {}", words.join(", "))
                })
            }
        }
    };
}

word_enum! {
    /// Where a case stands.
    Status {
        InCustody = "in_custody", "in custody";
        WsoHold = "wso_hold", "on a WSO hold";
        IgsaHold = "igsa_hold", "held under the IGSA";
        Transferred = "transferred", "transferred to ICE";
        Released = "released", "released";
    }
}

impl Status {
    /// Transferred or released: nothing more happens to the case.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Transferred | Status::Released)
    }
}

word_enum! {
    /// A case's one next duty (issue 31; `GET /api/v1/duties`, the case page, the dashboards).
    DutyKind {
        RecordReleasePoint = "record_release_point", "Record the point of release";
        ServeWarrant = "serve_warrant", "Serve the warrant";
        NotifyIceOfService = "notify_ice_of_service", "Notify ICE of the service";
        ReportCitizenshipClaim = "report_citizenship_claim", "Report the citizenship claim to ICE";
        TransferOrRelease = "transfer_or_release", "Transfer to ICE or release";
        AnswerComplaint = "answer_complaint", "Send the complaint to ICE";
    }
}

word_enum! {
    ChargeCategory {
        Dwi = "dwi", "DWI";
        Traffic = "traffic", "Traffic";
        Drug = "drug", "Drug";
        Property = "property", "Property";
        Violent = "violent", "Violent";
        SexOffense = "sex_offense", "Sex offense";
        Weapons = "weapons", "Weapons";
        Other = "other", "Other";
    }
}

word_enum! {
    DocumentKind {
        Detainer = "I-247A", "I-247A detainer";
        WarrantOfArrest = "I-200", "I-200 warrant of arrest";
        WarrantOfRemoval = "I-205", "I-205 warrant of removal";
    }
}

impl DocumentKind {
    /// Only warrants can be served; a detainer is a request.
    pub fn is_warrant(self) -> bool {
        !matches!(self, DocumentKind::Detainer)
    }
}

word_enum! {
    /// Why criminal custody ended.
    ReleasePointReason {
        BondPosted = "bond_posted", "bond posted";
        ChargesDismissed = "charges_dismissed", "charges dismissed";
        SentenceComplete = "sentence_complete", "sentence complete";
        Other = "other", "other";
    }
}

word_enum! {
    /// Why a supervisor released a person held on a warrant.
    ReleaseReason {
        ClockExpired = "clock_expired", "48-hour clock expired";
        WarrantWithdrawn = "warrant_withdrawn", "warrant withdrawn";
        Other = "other", "other";
    }
}

word_enum! {
    /// What ICE was told.
    NotificationKind {
        InCustody = "in_custody", "subject in custody";
        ReleaseSoon = "release_soon", "release imminent";
        PostService = "post_service", "warrant served";
    }
}

word_enum! {
    /// What a webhook endpoint may subscribe to (docs/integration.md).
    WebhookEvent {
        BookingCreated = "booking.created", "booking created";
        DocumentRecorded = "document.recorded", "ICE document recorded";
        WarrantServed = "warrant.served", "warrant served";
        CustodyAlert = "custody.alert", "custody alert";
        CustodyTransferred = "custody.transferred", "transferred to ICE";
        CustodyReleased = "custody.released", "released";
        CitizenshipClaimRecorded = "citizenship_claim.recorded", "citizenship claim recorded";
        CitizenshipClaimReported = "citizenship_claim.reported", "citizenship claim reported";
        PickupPlanned = "pickup.planned", "pickup by ICE planned";
    }
}

/// A facility's IANA time zone. Checked when a facility is created; decoded strictly from the
/// database (an unknown zone is an error, never a silent UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone(pub chrono_tz::Tz);

impl Zone {
    /// The zone in words for people, "Eastern time (EST/EDT)" (`Display` is the IANA name).
    pub fn words(&self) -> String {
        crate::domain::local_time::zone_name(self.0)
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name())
    }
}

impl std::str::FromStr for Zone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.parse::<chrono_tz::Tz>()
            .map(Zone)
            .map_err(|_| format!("`{s}` is not an IANA time zone (e.g. America/New_York)"))
    }
}
