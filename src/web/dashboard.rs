use askama::Template;
use askama_web::WebTemplate;

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::web::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
}

pub async fn show(user: CurrentUser) -> AppResult<DashboardPage> {
    Ok(DashboardPage {
        layout: Layout::new(&user, "Dashboard", "dashboard").await?,
    })
}
