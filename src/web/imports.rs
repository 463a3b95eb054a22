//! `/imports`: a supervisor or admin uploads a jail system's CSV or NIEM file, sees what the
//! import would do (a dry run), and confirms. Between the two only the checked fields of the
//! bookings to create are kept (`import_drafts`, an hour), never the file.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;
use crate::db::facilities::Facility;
use crate::domain::import::{Format, SHOWN};
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::imports::{self, Options, Outcome};
use crate::state::AppState;
use crate::web::extract::{Acting, PathId};
use crate::web::layout::Layout;
use crate::web::reports::visible_facilities;

/// The largest upload (the CSRF layer reads it first, with the same limit).
pub const MAX_UPLOAD_BYTES: usize = crate::auth::csrf::MAX_UPLOAD_BYTES + 64 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "imports/form.html")]
pub struct ImportForm {
    layout: Layout,
    facilities: Vec<Facility>,
    errors: Vec<FieldError>,
    facility: String,
    format: String,
    only_hold: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/preview.html")]
pub struct ImportPreview {
    layout: Layout,
    o: Outcome,
    /// Shown: the first errors and conflicts.
    problems: Vec<String>,
    conflicts: Vec<String>,
    /// The draft to confirm (a preview with something to import and nothing invalid).
    draft: Option<i64>,
    /// Confirmed: the import was written.
    done: bool,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    errors: Vec<FieldError>,
    typed: Typed,
) -> AppResult<ImportForm> {
    user.require(Area::Oversight)?;
    Ok(ImportForm {
        layout: Layout::new(state, user, "Import bookings", "imports").await?,
        facilities: visible_facilities(state, user).await?,
        errors,
        facility: typed.facility,
        format: typed.format,
        only_hold: typed.only_hold,
    })
}

#[derive(Default)]
struct Typed {
    facility: String,
    format: String,
    only_hold: bool,
    file_name: String,
    file: Vec<u8>,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<ImportForm> {
    form_page(&state, &user, vec![], Typed::default()).await
}

async fn read_upload(mut multipart: Multipart) -> AppResult<Typed> {
    let too_large = || AppError::field("file", "the file is too large: at most 20 MB");
    let mut typed = Typed::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                typed.file_name = field.file_name().unwrap_or("").to_string();
                typed.file = field.bytes().await.map_err(|_| too_large())?.to_vec();
            }
            "facility" | "format" | "only_immigration_hold" => {
                let value = field.text().await.map_err(|_| too_large())?;
                match name.as_str() {
                    "facility" => typed.facility = value.trim().to_string(),
                    "format" => typed.format = value.trim().to_string(),
                    _ => typed.only_hold = !value.is_empty(),
                }
            }
            _ => {}
        }
    }
    Ok(typed)
}

/// The upload: checked and counted, nothing written; the preview page.
pub async fn upload(State(state): State<AppState>, user: CurrentUser, multipart: Multipart) -> AppResult<Response> {
    user.require(Area::Oversight)?;
    let typed = match read_upload(multipart).await {
        Ok(t) => t,
        Err(AppError::Validation(errors)) => return refused(&state, &user, errors, Typed::default()).await,
        Err(e) => return Err(e),
    };
    let mut errors = Vec::new();
    if typed.file.is_empty() {
        errors.push(FieldError::new(
            "file",
            "choose a CSV or NIEM XML file (it is empty or missing)",
        ));
    }
    let format = match typed.format.as_str() {
        "" | "auto" => Format::guess(&typed.file_name).map_err(|_| {
            FieldError::new(
                "format",
                "cannot tell the format from the file name (.csv or .xml): choose one",
            )
        }),
        f => Format::parse(f).map_err(|m| FieldError::new("format", m)),
    };
    let format = match format {
        Ok(f) => Some(f),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let Some(format) = format.filter(|_| errors.is_empty()) else {
        return refused(&state, &user, errors, typed).await;
    };
    let options = Options {
        format,
        dry_run: true,
        only_immigration_hold: typed.only_hold,
    };
    let mut typed = typed;
    let facility = typed_facility(&state, &user, &typed.facility).await?;
    let rows = imports::read(format, std::io::Cursor::new(std::mem::take(&mut typed.file)));
    let result = imports::preview(&state.db, user.caller(), &facility, rows, options, state.clock.now()).await;
    match result {
        Ok((o, draft)) => Ok(preview_page(&state, &user, o, draft, false).await?.into_response()),
        Err(AppError::Validation(errors)) => refused(&state, &user, errors, typed).await,
        Err(e) => Err(e),
    }
}

/// The facility chosen (the only one the user has, when the form had no choice).
async fn typed_facility(state: &AppState, user: &CurrentUser, typed: &str) -> AppResult<String> {
    if !typed.is_empty() {
        return Ok(typed.to_string());
    }
    Ok(visible_facilities(state, user)
        .await?
        .first()
        .map(|f| f.code.clone())
        .unwrap_or_default())
}

async fn refused(state: &AppState, user: &CurrentUser, errors: Vec<FieldError>, typed: Typed) -> AppResult<Response> {
    let page = form_page(state, user, errors, typed).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn preview_page(
    state: &AppState,
    user: &CurrentUser,
    o: Outcome,
    draft: Option<i64>,
    done: bool,
) -> AppResult<ImportPreview> {
    let title = if done { "Bookings imported" } else { "Import preview" };
    Ok(ImportPreview {
        layout: Layout::new(state, user, title, "imports").await?,
        problems: o.problems.iter().take(SHOWN).cloned().collect(),
        conflicts: o.conflict_list.iter().take(SHOWN).cloned().collect(),
        o,
        draft,
        done,
    })
}

/// The confirmation: the draft's bookings checked again and imported in one transaction.
pub async fn confirm(State(state): State<AppState>, user: CurrentUser, PathId(id): PathId) -> AppResult<ImportPreview> {
    user.require(Area::Oversight)?;
    let o = imports::confirm(&state.db, user.caller(), id, state.clock.now()).await?;
    preview_page(&state, &user, o, None, true).await
}
