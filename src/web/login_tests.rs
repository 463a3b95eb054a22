use super::*;

#[test]
fn a_busy_sign_in_is_a_503_that_says_when_to_try_again() {
    let r = refusal(&Outcome::Busy, "the page");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers().get(RETRY_AFTER).unwrap(), "5");
}
