//! The API's OpenAPI 3.1 document (decision 0023), built from the code: the request and
//! response types derive `utoipa::ToSchema` (query strings `IntoParams`) where they are defined,
//! and each route of `/api/v1` in `routes.rs` has one [`Op`] in `openapi_ops.rs` naming those
//! types, its roles and the error statuses its handler and services return. Served at
//! `GET /api/v1/openapi.json` (no token) and rendered for people at `GET /api/docs`.

use std::sync::OnceLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, Paths, RefOr, Required,
    ResponseBuilder, Tag,
};
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use crate::domain::Role;

pub use super::openapi_ops::operations;
pub use super::openapi_parts::{document_response, error_meaning, event_stream_response, path_names};
use super::openapi_parts::{error_response, idempotency_key, path_parameter, reference};

/// The name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";

/// One operation of the API while it is described.
pub struct Op {
    pub method: HttpMethod,
    /// Under `/api/v1`, as `routes.rs` spells it (`/bookings/{id}`).
    pub path: &'static str,
    operation: OperationBuilder,
    /// Paragraphs of the description.
    text: Vec<String>,
    schemas: Vec<(String, RefOr<utoipa::openapi::schema::Schema>)>,
    errors: Vec<u16>,
    public: bool,
}

/// `GET path`, `POST path`, `PUT path`: an operation in a tag (the reference's sections).
pub fn op(method: HttpMethod, path: &'static str, tag: &str, summary: &str) -> Op {
    let operation = OperationBuilder::new()
        .tag(tag)
        .summary(Some(summary))
        .operation_id(Some(operation_id(&method, path)));
    Op {
        method,
        path,
        operation,
        text: Vec::new(),
        schemas: Vec::new(),
        errors: Vec::new(),
        public: false,
    }
}

/// `post_bookings_id_service`: unique and stable, from the method and the path.
fn operation_id(method: &HttpMethod, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    format!("{}_{}", method_word(method), words.join("_"))
}

/// `get`, `post`, `put`.
pub fn method_word(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        HttpMethod::Put => "put",
        HttpMethod::Delete => "delete",
        HttpMethod::Patch => "patch",
        HttpMethod::Head => "head",
        HttpMethod::Options => "options",
        HttpMethod::Trace => "trace",
    }
}

impl Op {
    pub fn describe(mut self, text: &str) -> Self {
        self.text.push(text.to_string());
        self
    }

    /// Who may call it (the handler's `require`), said in the description.
    pub fn roles(self, roles: &[Role]) -> Self {
        let words: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        self.describe(&format!("Roles: {}.", words.join(", ")))
    }

    /// No token needed.
    pub fn public(mut self) -> Self {
        self.public = true;
        self
    }

    fn keep<T: ToSchema>(&mut self) {
        self.schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(&mut self.schemas);
    }

    /// The JSON request body (required).
    pub fn body<T: ToSchema>(mut self) -> Self {
        self.keep::<T>();
        let body = RequestBodyBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(reference::<T>())).build(),
            )
            .required(Some(Required::True))
            .build();
        self.operation = self.operation.request_body(Some(body));
        self.errors.extend([400, 422]);
        self
    }

    /// The answer on success: `T` as JSON.
    pub fn ok<T: ToSchema>(self, status: u16, what: &str) -> Self {
        let schema = reference::<T>();
        self.answer::<T>(status, what, schema, false)
    }

    /// The answer on success: an array of `T`; `paged`: with `Link: <…>; rel="next"` when more follow.
    pub fn list<T: ToSchema>(self, what: &str, paged: bool) -> Self {
        let array = utoipa::openapi::schema::ArrayBuilder::new()
            .items(reference::<T>())
            .build();
        self.answer::<T>(200, what, array.into(), paged)
    }

    fn answer<T: ToSchema>(
        mut self,
        status: u16,
        what: &str,
        schema: RefOr<utoipa::openapi::schema::Schema>,
        paged: bool,
    ) -> Self {
        self.keep::<T>();
        let mut response = ResponseBuilder::new()
            .description(what)
            .content("application/json", ContentBuilder::new().schema(Some(schema)).build());
        if paged {
            let link = utoipa::openapi::HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some("`<…?after=ID&limit=N>; rel=\"next\"` when more follow"))
                .build();
            response = response.header("Link", link);
        }
        self.operation = self.operation.response(status.to_string(), response.build());
        self
    }

    /// Any other answer on success, e.g. an event stream.
    pub fn answer_raw(mut self, status: u16, response: utoipa::openapi::Response) -> Self {
        self.operation = self.operation.response(status.to_string(), response);
        self
    }

    /// The query parameters of `P` (the handler's query type), only those named in `only` when given.
    pub fn query<P: IntoParams>(mut self, only: &[&str]) -> Self {
        for p in P::into_params(|| Some(ParameterIn::Query)) {
            if only.is_empty() || only.contains(&p.name.as_str()) {
                self.operation = self.operation.parameter(p);
            }
        }
        self.errors.extend([400, 422]);
        self
    }

    /// The error statuses the handler and its services return (401 is added unless public).
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend(statuses);
        self
    }

    /// The finished operation, and the schemas it names.
    pub fn build(self) -> (Operation, Vec<(String, RefOr<utoipa::openapi::schema::Schema>)>) {
        let mut operation = self.operation;
        if !self.text.is_empty() {
            operation = operation.description(Some(self.text.join("\n\n")));
        }
        for name in path_names(self.path) {
            operation = operation.parameter(path_parameter(name));
        }
        if self.method == HttpMethod::Post {
            operation = operation.parameter(idempotency_key());
        }
        let mut errors = self.errors;
        if !path_names(self.path).is_empty() {
            // A path segment with a control character is refused before routing (issue 26, 12).
            errors.extend([400, 404]);
        }
        if self.method == HttpMethod::Post {
            errors.push(409); // idempotency_key_in_progress
        }
        if self.public {
            operation = operation.securities(Some(Vec::<SecurityRequirement>::new()));
        } else {
            errors.extend([401, 503]);
        }
        if self.method == HttpMethod::Post {
            errors.push(422);
        }
        errors.sort_unstable();
        errors.dedup();
        for status in errors {
            operation = operation.response(status.to_string(), error_response(status));
        }
        (operation.build(), self.schemas)
    }
}

/// The whole document (built once).
pub fn document() -> &'static OpenApi {
    static DOC: OnceLock<OpenApi> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> OpenApi {
    let mut paths = Paths::new();
    let mut error = Vec::new();
    ErrorBody::schemas(&mut error);
    let mut components = ComponentsBuilder::new()
        .schema_from::<ErrorBody>()
        .schemas_from_iter(error)
        .security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token: `wso-tracker token create USERNAME`"))
                    .build(),
            ),
        );
    let mut tags: Vec<String> = Vec::new();
    for op in operations() {
        let (method, path) = (op.method.clone(), format!("/api/v1{}", op.path));
        let (operation, schemas) = op.build();
        for tag in operation.tags.iter().flatten() {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        for (name, schema) in schemas {
            components = components.schema(name, schema);
        }
        match paths.paths.get_mut(&path) {
            Some(item) => item.merge_operations(PathItem::new(method, operation)),
            None => {
                paths.paths.insert(path, PathItem::new(method, operation));
            }
        }
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("wso-tracker API")
                .version("1")
                .description(Some(
                    "The JSON API of wso-tracker, the jail's case tracker for ICE's Warrant Service Officer \
                     program: the integration contract for jail management systems and ICE-side tools. \
                     Times are RFC 3339 with an offset; every error is `{\"error\": {\"code\", \"message\", \
                     \"field\"?, \"errors\"?}}`.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .security(Some([SecurityRequirement::new::<&str, [&str; 0], &str>(BEARER, [])]))
        .tags(Some(tags.into_iter().map(Tag::new)))
        .build()
}

/// `GET /api/v1/openapi.json`: the document, no token needed.
pub async fn openapi_json() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(|| document().to_pretty_json().expect("the document serialises"));
    ([(CONTENT_TYPE, "application/json")], body.as_str()).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_is_openapi_3_1_and_names_only_schemas_it_holds() {
        let json = serde_json::to_value(super::document()).unwrap();
        if let Ok(path) = std::env::var("WSO_OPENAPI_OUT") {
            std::fs::write(path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
        }
        assert_eq!(json["openapi"], "3.1.0");
        let text = json.to_string();
        let schemas = json["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "{name} is referenced but not in components");
        }
    }
}
