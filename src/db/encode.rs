//! How domain types are stored: each enumerated word as `text` (the migrations' CHECKs list the
//! same words), a facility's zone as its IANA name. `domain/` stays free of `sqlx`; this is the
//! one place that teaches sqlx its types.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};

use crate::domain::Role;
use crate::domain::alerts::AlertKind;
use crate::domain::types::{
    ChargeCategory, DocumentKind, NotificationKind, ReleasePointReason, ReleaseReason, Status, Zone,
};

/// `text` in, `text` out, through the type's `as_str`/`Display` and `FromStr`.
macro_rules! stored_as_text {
    ($($t:ty),+ $(,)?) => {$(
        impl Type<Postgres> for $t {
            fn type_info() -> PgTypeInfo {
                <&str as Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <&str as Type<Postgres>>::compatible(ty)
            }
        }

        impl PgHasArrayType for $t {
            fn array_type_info() -> PgTypeInfo {
                <&str as PgHasArrayType>::array_type_info()
            }
        }

        impl Encode<'_, Postgres> for $t {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode(&self.to_string(), buf)
            }
        }

        impl<'r> Decode<'r, Postgres> for $t {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                let word = <&str as Decode<Postgres>>::decode(value)?;
                Ok(word.parse::<$t>()?)
            }
        }
    )+};
}

stored_as_text!(
    Role,
    AlertKind,
    Status,
    ChargeCategory,
    DocumentKind,
    ReleasePointReason,
    ReleaseReason,
    NotificationKind,
    Zone,
);

#[cfg(test)]
mod tests {
    use crate::domain::types::{Status, Zone};

    #[test]
    fn zones_and_words_round_trip_through_their_text() {
        let z: Zone = "America/New_York".parse().unwrap();
        assert_eq!(z.to_string().parse::<Zone>().unwrap(), z);
        assert!("Mars/Olympus".parse::<Zone>().is_err());
        for s in Status::ALL {
            assert_eq!(s.to_string().parse::<Status>().unwrap(), *s);
        }
    }
}
