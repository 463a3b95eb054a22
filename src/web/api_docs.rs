//! `GET /api/docs`: the API reference for people, rendered on the server from the same OpenAPI
//! document `GET /api/v1/openapi.json` serves (decision 0023): no script, no asset but the
//! app's own stylesheet. Public like the document itself: it shows the contract, no data.

use askama::Template;
use askama_web::WebTemplate;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr, Required};

use crate::web::api::openapi;

/// Words with `code` spans (the document's descriptions use Markdown backticks).
pub type Text = Vec<(bool, String)>;

/// `text` cut at its backticks: (is code, words).
pub fn text(s: &str) -> Text {
    s.replace('\n', " ")
        .split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| (i % 2 == 1, part.to_string()))
        .collect()
}

/// A schema in a few words, and the schema it names (a link on the page).
pub struct Kind {
    /// The few words, an enumeration's words as code.
    pub text: Text,
    pub link: Option<String>,
}

fn kind_of(schema: &RefOr<Schema>) -> Kind {
    let text = text(&kind(schema));
    let link = named(schema);
    Kind { text, link }
}

/// The component a schema refers to, directly or as an array's items.
fn named(schema: &RefOr<Schema>) -> Option<String> {
    match schema {
        RefOr::Ref(r) => r.ref_location.rsplit('/').next().map(str::to_string),
        RefOr::T(Schema::Array(a)) => match &a.items {
            ArrayItems::RefOrSchema(items) => named(items),
            ArrayItems::False => None,
        },
        RefOr::T(Schema::OneOf(o)) => o.items.iter().find_map(named),
        _ => None,
    }
}

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
    pub paragraphs: Vec<Text>,
    pub public: bool,
    pub params: Vec<ParamView>,
    pub body: Option<(String, Kind)>,
    pub responses: Vec<ResponseView>,
}

pub struct ParamView {
    pub name: String,
    pub place: &'static str,
    pub required: bool,
    pub kind: Kind,
    pub description: Text,
}

pub struct ResponseView {
    pub status: String,
    pub description: Text,
    /// Media type and schema, e.g. `application/json` and `BookingJson`.
    pub body: Vec<(String, Kind)>,
}

pub struct SchemaView {
    pub name: String,
    pub description: Text,
    /// The words of an enumeration.
    pub words: Vec<String>,
    pub properties: Vec<PropertyView>,
    /// Flattened types whose properties this one also has.
    pub includes: Vec<String>,
}

pub struct PropertyView {
    pub name: String,
    pub kind: Kind,
    pub required: bool,
    pub description: Text,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_docs.html")]
pub struct ApiDocsPage {
    pub title: String,
    pub version: String,
    pub intro: Text,
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
        intro: text(doc.info.description.as_deref().unwrap_or_default()),
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
        paragraphs: o.description.iter().flat_map(|d| d.split("\n\n")).map(text).collect(),
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
            RefOr::Ref(_) => None,
        }),
        responses: o
            .responses
            .responses
            .iter()
            .filter_map(|(status, r)| match r {
                RefOr::T(r) => Some(ResponseView {
                    status: status.clone(),
                    description: text(&r.description),
                    body: r.content.iter().map(|(media, c)| content(media, c)).collect(),
                }),
                RefOr::Ref(_) => None,
            })
            .collect(),
    }
}

/// `application/json` and `BookingJson`.
fn content(media: &str, c: &RefOr<utoipa::openapi::Content>) -> (String, Kind) {
    let kind = match c {
        RefOr::T(c) => c.schema.as_ref().map(kind_of),
        RefOr::Ref(_) => None,
    };
    let kind = kind.unwrap_or(Kind {
        text: text("any"),
        link: None,
    });
    (media.to_string(), kind)
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
        kind: p.schema.as_ref().map(kind_of).unwrap_or(Kind {
            text: text("any"),
            link: None,
        }),
        description: text(p.description.as_deref().unwrap_or_default()),
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
/// `one of: <backtick>in_custody<backtick>, <backtick>wso_hold<backtick>` (each word as code).
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
                let words: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
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
        description: Text::new(),
        words: Vec::new(),
        properties: Vec::new(),
        includes: Vec::new(),
    };
    let mut parts = vec![schema];
    if let RefOr::T(Schema::AllOf(all)) = schema {
        view.description = text(all.description.as_deref().unwrap_or_default());
        parts = all.items.iter().collect();
    }
    for part in parts {
        match part {
            RefOr::Ref(_) => view.includes.push(kind(part)),
            RefOr::T(Schema::Object(o)) => {
                if let Some(d) = &o.description {
                    view.description = text(d);
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
                        kind: kind_of(s),
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

fn description(schema: &RefOr<Schema>) -> Text {
    let d = match schema {
        RefOr::T(Schema::Object(o)) => o.description.clone(),
        RefOr::T(Schema::Array(a)) => a.description.clone(),
        RefOr::T(Schema::OneOf(o)) => o.description.clone(),
        RefOr::T(Schema::AllOf(o)) => o.description.clone(),
        _ => None,
    };
    text(d.as_deref().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use askama::Template;

    #[test]
    fn the_page_names_each_operation_once_and_spells_out_the_words() {
        let html = super::page(crate::web::api::openapi::document()).render().unwrap();
        if let Ok(path) = std::env::var("WSO_API_DOCS_OUT") {
            std::fs::write(path, &html).unwrap();
        }
        assert_eq!(html.matches("id=\"op-post_bookings_id_service\"").count(), 1);
        assert!(html.contains("<code>wso_hold</code>"));
        assert!(html.contains("Idempotency-Key"));
        assert!(!html.contains("<script"));
    }
}
