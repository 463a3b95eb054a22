//! `GET /api/docs`: the API reference for people, rendered on the server from the same OpenAPI
//! document `GET /api/v1/openapi.json` serves (decision 0023): no script, no asset but the
//! app's own stylesheet. Public like the document itself: it shows the contract, no data.

use askama::Template;
use askama_web::WebTemplate;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr, Required};

use crate::web::api::openapi;

pub struct TagView {
    pub name: String,
    pub ops: Vec<OpView>,
}

pub struct OpView {
    /// The `operationId`, the anchor of the operation.
    pub id: String,
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    pub paragraphs: Vec<String>,
    pub public: bool,
    pub params: Vec<ParamView>,
    pub body: Option<String>,
    pub responses: Vec<ResponseView>,
}

pub struct ParamView {
    pub name: String,
    pub place: &'static str,
    pub required: bool,
    pub kind: String,
    pub description: String,
}

pub struct ResponseView {
    pub status: String,
    pub description: String,
    /// Media type and schema, e.g. `application/json: BookingJson`.
    pub body: Vec<String>,
}

pub struct SchemaView {
    pub name: String,
    pub description: String,
    /// The words of an enumeration.
    pub words: Vec<String>,
    pub properties: Vec<PropertyView>,
    /// Flattened types whose properties this one also has.
    pub includes: Vec<String>,
}

pub struct PropertyView {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_docs.html")]
pub struct ApiDocsPage {
    pub title: String,
    pub version: String,
    pub intro: String,
    pub tags: Vec<TagView>,
    pub schemas: Vec<SchemaView>,
}

pub async fn show() -> ApiDocsPage {
    page(openapi::document())
}

/// The page of a document.
pub fn page(doc: &OpenApi) -> ApiDocsPage {
    let mut tags: Vec<TagView> = doc
        .tags
        .iter()
        .flatten()
        .map(|t| TagView {
            name: t.name.clone(),
            ops: Vec::new(),
        })
        .collect();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("get", &item.get),
            ("put", &item.put),
            ("post", &item.post),
            ("delete", &item.delete),
            ("patch", &item.patch),
        ];
        for (method, operation) in methods {
            let Some(operation) = operation else { continue };
            let view = op_view(upper(method), path, operation);
            let tag = operation.tags.iter().flatten().next().cloned().unwrap_or_default();
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(t) => t.ops.push(view),
                None => tags.push(TagView {
                    name: tag,
                    ops: vec![view],
                }),
            }
        }
    }
    let schemas = doc
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .map(|(name, schema)| schema_view(name, schema))
        .collect();
    ApiDocsPage {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        intro: doc.info.description.clone().unwrap_or_default(),
        tags,
        schemas,
    }
}

fn op_view(method: &'static str, path: &str, o: &Operation) -> OpView {
    OpView {
        id: o.operation_id.clone().unwrap_or_default(),
        method,
        path: path.to_string(),
        summary: o.summary.clone().unwrap_or_default(),
        paragraphs: o
            .description
            .iter()
            .flat_map(|d| d.split("\n\n"))
            .map(|p| p.replace('\n', " "))
            .collect(),
        public: o.security.as_ref().is_some_and(|s| s.is_empty()),
        params: o
            .parameters
            .iter()
            .flatten()
            .filter_map(|p| match p {
                RefOr::T(p) => Some(param_view(p)),
                RefOr::Ref(_) => None,
            })
            .collect(),
        body: o.request_body.as_ref().and_then(|b| match b {
            RefOr::T(b) => b.content.iter().next().map(|(media, c)| content(media, c)),
            RefOr::Ref(r) => Some(r.ref_location.clone()),
        }),
        responses: o
            .responses
            .responses
            .iter()
            .filter_map(|(status, r)| match r {
                RefOr::T(r) => Some(ResponseView {
                    status: status.clone(),
                    description: r.description.clone(),
                    body: r.content.iter().map(|(media, c)| content(media, c)).collect(),
                }),
                RefOr::Ref(_) => None,
            })
            .collect(),
    }
}

/// `application/json: BookingJson`.
fn content(media: &str, c: &RefOr<utoipa::openapi::Content>) -> String {
    match c {
        RefOr::T(c) => format!("{media}: {}", c.schema.as_ref().map(kind).unwrap_or_default()),
        RefOr::Ref(r) => format!("{media}: {}", r.ref_location),
    }
}

fn upper(word: &str) -> &'static str {
    ["GET", "POST", "PUT", "DELETE", "PATCH"]
        .into_iter()
        .find(|m| m.eq_ignore_ascii_case(word))
        .unwrap_or("GET")
}

fn param_view(p: &Parameter) -> ParamView {
    ParamView {
        name: p.name.clone(),
        place: match p.parameter_in {
            ParameterIn::Path => "path",
            ParameterIn::Query => "query",
            ParameterIn::Header => "header",
            _ => "cookie",
        },
        required: matches!(p.required, Required::True),
        kind: p.schema.as_ref().map(kind).unwrap_or_default(),
        description: p.description.clone().unwrap_or_default(),
    }
}

fn type_word(t: &Type) -> &'static str {
    match t {
        Type::String => "string",
        Type::Integer => "integer",
        Type::Number => "number",
        Type::Boolean => "boolean",
        Type::Array => "array",
        Type::Object => "object",
        Type::Null => "null",
    }
}

fn types(t: &SchemaType) -> String {
    match t {
        SchemaType::Type(t) => type_word(t).to_string(),
        SchemaType::Array(list) => list.iter().map(type_word).collect::<Vec<_>>().join(" or "),
        SchemaType::AnyValue => "any JSON value".to_string(),
    }
}

/// A schema in a few words: `BookingJson`, `string (date-time) or null`, `array of Claim`,
/// `one of: in_custody, wso_hold`.
pub fn kind(schema: &RefOr<Schema>) -> String {
    match schema {
        RefOr::Ref(r) => r.ref_location.rsplit('/').next().unwrap_or_default().to_string(),
        RefOr::T(Schema::Object(o)) => {
            let mut text = types(&o.schema_type);
            if let Some(words) = &o.enum_values {
                let words: Vec<String> = words
                    .iter()
                    .map(|w| w.as_str().unwrap_or_default().to_string())
                    .collect();
                text = format!("one of: {}", words.join(", "));
            }
            if let Some(format) = &o.format {
                let format = serde_json::to_value(format).unwrap_or_default();
                text = format!("{text} ({})", format.as_str().unwrap_or_default());
            }
            if let Some(extra) = &o.additional_properties {
                let values = match extra.as_ref() {
                    AdditionalProperties::RefOr(s) => kind(s),
                    AdditionalProperties::FreeForm(_) => "any value".into(),
                };
                text = format!("map of {values}");
            }
            text
        }
        RefOr::T(Schema::Array(a)) => match &a.items {
            ArrayItems::RefOrSchema(items) => format!("array of {}", kind(items)),
            ArrayItems::False => "array".into(),
        },
        RefOr::T(Schema::OneOf(o)) => o.items.iter().map(kind).collect::<Vec<_>>().join(" or "),
        RefOr::T(Schema::AllOf(o)) => o.items.iter().map(kind).collect::<Vec<_>>().join(" and "),
        RefOr::T(Schema::AnyOf(o)) => o.items.iter().map(kind).collect::<Vec<_>>().join(" or "),
        RefOr::T(_) => "any JSON value".into(),
    }
}

fn schema_view(name: &str, schema: &RefOr<Schema>) -> SchemaView {
    let mut view = SchemaView {
        name: name.to_string(),
        description: String::new(),
        words: Vec::new(),
        properties: Vec::new(),
        includes: Vec::new(),
    };
    let mut parts = vec![schema];
    if let RefOr::T(Schema::AllOf(all)) = schema {
        view.description = all.description.clone().unwrap_or_default();
        parts = all.items.iter().collect();
    }
    for part in parts {
        match part {
            RefOr::Ref(_) => view.includes.push(kind(part)),
            RefOr::T(Schema::Object(o)) => {
                if let Some(d) = &o.description {
                    view.description = d.replace('\n', " ");
                }
                if let Some(words) = &o.enum_values {
                    view.words = words
                        .iter()
                        .map(|w| w.as_str().unwrap_or_default().to_string())
                        .collect();
                }
                for (prop, s) in &o.properties {
                    view.properties.push(PropertyView {
                        name: prop.clone(),
                        kind: kind(s),
                        required: o.required.contains(prop),
                        description: description(s),
                    });
                }
            }
            RefOr::T(_) => {}
        }
    }
    view
}

fn description(schema: &RefOr<Schema>) -> String {
    let d = match schema {
        RefOr::T(Schema::Object(o)) => o.description.clone(),
        RefOr::T(Schema::Array(a)) => a.description.clone(),
        RefOr::T(Schema::OneOf(o)) => o.description.clone(),
        RefOr::T(Schema::AllOf(o)) => o.description.clone(),
        _ => None,
    };
    d.unwrap_or_default().replace('\n', " ")
}
