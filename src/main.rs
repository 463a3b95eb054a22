use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = wso_tracker::boot::cli::Cli::parse();
    let filter = || {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("wso_tracker=info,tower_http=info,warn"))
    };
    // `WSO_LOG_FORMAT=json`: one JSON object a line, for a log collector; the request's fields
    // (id, method, route, user id) ride with each line of it. Default: human-readable.
    match std::env::var("WSO_LOG_FORMAT").as_deref() {
        Ok("json") => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
        Ok("text") | Ok("") | Err(_) => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
        Ok(other) => {
            eprintln!("error: WSO_LOG_FORMAT must be json or text, not {other:?}");
            return ExitCode::FAILURE;
        }
    }
    // A panic is one log line (where, and what), never a backtrace per request; the request
    // still gets its 500 (`web::middleware`).
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(at, "panic: {}", what.replace('\n', " "));
    }));
    match wso_tracker::boot::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
