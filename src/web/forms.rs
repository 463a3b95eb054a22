//! HTML form plumbing: submitted fields (repeatable names kept), and the state a form is
//! re-rendered with after a refusal: what was typed, and an error per field.

use std::future::Future;

use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::auth::{CurrentUser, session};
use crate::domain::local_time;
use crate::error::{AppError, AppResult, FieldError};

/// A submitted `application/x-www-form-urlencoded` body, in order, names repeated as sent.
/// A local time that happens twice is settled by a companion field `NAME.when` (`earlier` or
/// `later`, offered by the form after the first refusal): its word is carried on NAME's value,
/// where `domain::local_time` reads it.
#[derive(Debug, Default, Clone)]
pub struct FormData(pub Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for FormData {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut pairs = Vec::<(String, String)>::deserialize(d)?;
        let choices: Vec<(String, String)> = pairs
            .iter()
            .filter(|(_, v)| local_time::CHOICES.contains(&v.as_str()))
            .filter_map(|(k, v)| k.strip_suffix(".when").map(|f| (f.to_string(), v.clone())))
            .collect();
        for (field, choice) in choices {
            let already = |v: &str| local_time::typed(v) != v;
            if let Some((_, v)) = pairs
                .iter_mut()
                .find(|(k, v)| *k == field && !v.trim().is_empty() && !already(v))
            {
                v.push(' ');
                v.push_str(&choice);
            }
        }
        Ok(FormData(pairs))
    }
}

impl FormData {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn owned(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    /// Replaces the value of `name` (or adds it).
    pub fn set(&mut self, name: &str, value: String) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.0.push((name.to_string(), value)),
        }
    }
}

/// One form on a page: its name (which form was sent), typed values and errors.
#[derive(Debug, Default, Clone)]
pub struct FormState {
    pub name: String,
    pub data: FormData,
    pub errors: Vec<FieldError>,
}

impl FormState {
    pub fn failed(name: &str, data: FormData, error: AppError) -> Result<Self, AppError> {
        let errors = match error {
            AppError::Validation(errors) => errors,
            AppError::Rule { message, field, .. } => {
                vec![FieldError::new(field.unwrap_or_else(|| "at".into()), message)]
            }
            AppError::Duplicate { field, message, .. } => vec![FieldError::new(field, message)],
            AppError::Conflict { message, .. } | AppError::Forbidden { message, .. } => {
                vec![FieldError::new("form", message)]
            }
            other => return Err(other),
        };
        Ok(Self {
            name: name.into(),
            data,
            errors,
        })
    }

    pub fn is(&self, name: &str) -> bool {
        self.name == name
    }

    /// What was typed in `field` of form `form` (empty for other forms).
    pub fn value(&self, form: &str, field: &str) -> String {
        self.value_or(form, field, "")
    }

    /// Like `value`, with a default when the form was not the one sent.
    pub fn value_or(&self, form: &str, field: &str, default: &str) -> String {
        if self.name == form {
            let v = self.data.get(field).unwrap_or("");
            // Only a time field sent with its choice (`FIELD.when`) carries the choice word.
            if self.data.get(&format!("{field}.when")).is_some() {
                local_time::typed(v).to_string()
            } else {
                v.to_string()
            }
        } else {
            default.to_string()
        }
    }

    /// Whether the field's time happens twice (clocks going back): the form offers the choice.
    pub fn twice(&self, form: &str, field: &str) -> bool {
        self.error(form, field).is_some_and(|m| m.contains(local_time::TWICE))
    }

    pub fn error(&self, form: &str, field: &str) -> Option<&str> {
        if self.name != form {
            return None;
        }
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn errors_of(&self, form: &str) -> &[FieldError] {
        if self.name == form { &self.errors } else { &[] }
    }
}

/// After a form is submitted: on success a flash message and a redirect to `to`; on refusal the
/// page again (drawn by `page`) with the form's errors and what was typed, under the refusal's
/// status code.
pub async fn after_form<T, P, Fut>(
    user: &CurrentUser,
    result: AppResult<T>,
    form: &str,
    data: FormData,
    done: &str,
    to: &str,
    page: impl FnOnce(FormState) -> Fut,
) -> AppResult<Response>
where
    Fut: Future<Output = AppResult<P>>,
    P: IntoResponse,
{
    match result {
        Ok(_) => {
            session::set_flash(&user.session, "success", done).await?;
            Ok(Redirect::to(to).into_response())
        }
        Err(e) => {
            let status = crate::web::error_page::status(&e);
            let form = FormState::failed(form, data, e)?;
            Ok((status, page(form).await?).into_response())
        }
    }
}

/// Numbered pages of a list (100 rows each) for pages whose order is not a keyset: `?page=N`.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// 1-based.
    pub page: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

pub const ROWS_PER_PAGE: i64 = 100;

impl Pager {
    /// The page asked for, from 1.
    pub fn offset(page: Option<i64>) -> (i64, i64) {
        let page = page.unwrap_or(1).max(1);
        (page, (page - 1) * ROWS_PER_PAGE)
    }

    /// Links for page `page` of `path` when `more` rows follow it.
    pub fn new(path: &str, page: i64, more: bool) -> Self {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let link = |n: i64| format!("{path}{joiner}page={n}");
        Pager {
            page,
            prev: (page > 1).then(|| link(page - 1)),
            next: more.then(|| link(page + 1)),
        }
    }

    /// The rows of page `page` of a whole list, and the pager.
    pub fn slice<T>(all: Vec<T>, path: &str, page: Option<i64>) -> (Vec<T>, Pager) {
        let (page, offset) = Self::offset(page);
        let more = all.len() as i64 > offset + ROWS_PER_PAGE;
        let rows = all
            .into_iter()
            .skip(offset as usize)
            .take(ROWS_PER_PAGE as usize)
            .collect();
        (rows, Pager::new(path, page, more))
    }
}

/// For `datetime-local` inputs: the facility's wall-clock time.
pub fn local_input(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `t` as a form's local time to the second, with the choice word when that wall-clock time
/// happens twice (so "now" during the repeated hour is this one, not a question).
pub fn exact_input(t: DateTime<Utc>, tz: Tz) -> String {
    use chrono::TimeZone;
    let local = t.with_timezone(&tz);
    let text = local.format("%Y-%m-%d %H:%M:%S").to_string();
    match tz.from_local_datetime(&local.naive_local()) {
        chrono::LocalResult::Ambiguous(first, _) if first == local => format!("{text} earlier"),
        chrono::LocalResult::Ambiguous(..) => format!("{text} later"),
        _ => text,
    }
}

/// "47 h 30 min", "45 min"; beyond three days "5 d 3 h". A 48-hour clock reads in hours.
pub fn duration_words(seconds: i64) -> String {
    let s = seconds.abs();
    let (h, m) = (s / 3600, (s % 3600) / 60);
    match h {
        0 => format!("{m} min"),
        1..72 => format!("{h} h {m:02} min"),
        _ => format!("{} d {} h", h / 24, h % 24),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_as_words() {
        assert_eq!(super::duration_words(20 * 3600 + 30 * 60), "20 h 30 min");
        assert_eq!(super::duration_words(45 * 60 + 59), "45 min");
        assert_eq!(super::duration_words(-(3600 + 60)), "1 h 01 min");
        assert_eq!(super::duration_words(47 * 3600 + 40 * 60), "47 h 40 min");
        assert_eq!(super::duration_words(5 * 86_400 + 3 * 3600), "5 d 3 h");
    }

    /// The held board keeps a row's drawing while its `domain::stage::Moment` is the same: the
    /// words may change only with whether time is left and with the whole minutes.
    #[test]
    fn the_words_change_only_with_the_whole_minutes_and_the_sign() {
        let now = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        let key = |s: i64| {
            let deadline = now + chrono::Duration::seconds(s);
            let m =
                crate::domain::stage::Moment::at(deadline - chrono::Duration::hours(48), deadline, true, None, now, 0);
            (m.time_left, m.whole_minutes)
        };
        for s in -80 * 3600..80 * 3600 {
            if key(s) == key(s + 1) {
                assert_eq!(super::duration_words(s), super::duration_words(s + 1), "at {s} s");
            }
        }
    }
}
