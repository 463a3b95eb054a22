//! Reading a server-sent event stream of the board (`benches/streams.rs`, `benches/state.rs`).

/// Opens `url` with `token` and hands each event's name and data line to `on` until the stream
/// ends or `on` returns false.
pub async fn read_events(
    client: reqwest::Client,
    url: String,
    token: String,
    mut on: impl FnMut(Option<&str>, &str) -> bool,
) {
    let mut resp = client.get(url).bearer_auth(token).send().await.expect("stream opens");
    assert_eq!(resp.status(), 200, "stream status");
    let mut buf = String::new();
    while let Ok(Some(bytes)) = resp.chunk().await {
        buf.push_str(std::str::from_utf8(&bytes).expect("utf-8"));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let name = block.lines().find_map(|l| l.strip_prefix("event: "));
            let data = block.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("null");
            if !on(name, data) {
                return;
            }
        }
    }
}
