//! The parts every operation of the OpenAPI document shares (`openapi.rs`): path parameters,
//! the `Idempotency-Key` header, the error answers.

use utoipa::ToSchema;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};

use super::error::ErrorBody;

pub fn reference<T: ToSchema>() -> RefOr<utoipa::openapi::schema::Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// `{id}` and `{doc_id}` of `/bookings/{id}/documents/{doc_id}`.
pub fn path_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

pub fn path_parameter(name: &str) -> Parameter {
    let text = matches!(name, "username" | "code");
    let schema = if text {
        ObjectBuilder::new().schema_type(Type::String).min_length(Some(1))
    } else {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
    };
    let description = match name {
        "username" => "the officer's username",
        "code" => "the facility's code",
        "doc_id" => "the document's id",
        "claim_id" => "the claim's id",
        _ => "the record's id (a number; anything else is not found)",
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// Every POST takes an optional `Idempotency-Key`: the same key with the same body gives the
/// first answer again; with a different body, 422 `idempotency_key_reused`.
pub fn idempotency_key() -> Parameter {
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "1 to 255 printable ASCII characters. A retry with the same key and body gets the first \
             answer again and changes nothing; the same key with a different body is refused with \
             422 `idempotency_key_reused`; while the first request with the key still runs, 409 \
             `idempotency_key_in_progress`. Only successes are kept, for at least 24 hours, and \
             replayed only while the account's role and facilities are unchanged (else 403 \
             `idempotency_caller_changed`); a kept answer holds no secret shown once.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[\\x20-\\x7E]+$")),
        ))
        .build()
}

/// What each error status means on this API.
pub fn error_meaning(status: u16) -> &'static str {
    match status {
        400 => {
            "Malformed request: the body is not a JSON object, or a value (body or query) has the wrong JSON type (`bad_request`, naming `field`), or the path holds a control character (`bad_request`)"
        }
        401 => {
            "No valid `Authorization: Bearer TOKEN`: missing, unknown, expired or revoked token, or a disabled or locked account (`unauthorized`)"
        }
        403 => {
            "The caller's role does not allow this, or the body or query names a facility the caller is not assigned to (`forbidden`, or a rule's own code)"
        }
        404 => {
            "No such record, or a case, complaint or officer the caller may not know exists (another facility's): the same answer either way (`not_found`)"
        }
        409 => {
            "The case or record is not in a state that allows this, or a unique value is taken (a rule's code, e.g. `duplicate_booking_number` on its `field`), or a request with the same `Idempotency-Key` still runs (`idempotency_key_in_progress`)"
        }
        422 => {
            "Well-formed but refused: `validation_failed` (every field error in `errors`, the first also in `field`), a rule's own code, or `idempotency_key_reused`"
        }
        429 => {
            "The caller holds too much at once: `too_many_streams` (the account already has `WSO_STREAMS_PER_USER` board streams open on this server); retry after the `Retry-After` seconds"
        }
        503 => {
            "The database cannot take the request now (a restart or failover: `database_unavailable`; read-only: `database_read_only`): nothing was written; retry after the `Retry-After` seconds"
        }
        _ => "Error",
    }
}

pub fn error_response(status: u16) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(error_meaning(status))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(reference::<ErrorBody>())).build(),
        )
        .build()
}

/// The answer of `GET /openapi.json`.
pub fn document_response() -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description("An OpenAPI 3.1 document")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                .build(),
        )
        .build()
}

/// The answer of `GET /transfers/pending/events`.
pub fn event_stream_response() -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description("An endless stream of server-sent events (see the description)")
        .content(
            "text/event-stream",
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        )
        .build()
}
