//! Which pages may use what: a request from Parlor's own pages (the portal's CSRF check and the
//! widget's origin check both ask), and the [`PublicChatbot`] extractor of the widget's public
//! endpoints, which loads the chatbot named in the path and refuses pages whose origin it does
//! not allow.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::HeaderMap;
use axum::http::header::{self, ORIGIN};
use axum::http::request::Parts;

use crate::chatbots::{self, Chatbot, Settings};
use crate::error::Error;
use crate::state::AppState;

/// Whether the browser says the request comes from a page of the origin it is sent to: by
/// `Sec-Fetch-Site: same-origin` or, from browsers that do not send it, an `Origin` whose host
/// is the one requested.
pub fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) else {
        return false;
    };
    let (Ok(origin), Ok(host)) = (origin.to_str(), host.to_str()) else {
        return false;
    };
    origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .is_some_and(|authority| authority == host)
}

/// Refuses pages whose origin the chatbot does not list (when it lists any), so that a
/// chatbot's widget cannot be embedded on someone else's site. Parlor's own pages (the iframe
/// fallback, which only the listed origins may frame, and the portal's preview) are same-origin
/// requests and always pass.
pub fn check_origin(settings: &Settings, headers: &HeaderMap) -> Result<(), Error> {
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    if settings.allows_origin(origin) || is_same_origin(headers) {
        Ok(())
    } else {
        Err(Error::forbidden(
            crate::error::ORIGIN_NOT_ALLOWED,
            format!("this chatbot's widget may not be used on {}", origin.unwrap_or("a page without an origin")),
        ))
    }
}

/// The chatbot whose public id is the path's `id`, for the widget's endpoints: 404 when there is
/// none, 403 `ORIGIN_NOT_ALLOWED` when the request's page may not use it ([`check_origin`]).
///
/// A handler with a body takes it as `Result<PublicChatbot, Error>` and returns its error after
/// the body's extractor has run, so that a malformed body is refused first, as it always was.
#[derive(Debug, Clone)]
pub struct PublicChatbot(pub Chatbot);

impl FromRequestParts<AppState> for PublicChatbot {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // A path that does not decode is refused as the API's own path extractor refuses it.
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection: PathRejection| Error::BadRequest(rejection.body_text()))?;
        let id = params.into_iter().find_map(|(name, value)| (name == "id").then_some(value)).unwrap_or_default();
        let chatbot = chatbots::get_public_chatbot(&state.db, &id).await?;
        check_origin(&chatbot.settings(), &parts.headers)?;
        Ok(PublicChatbot(chatbot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_origin_fetch_metadata_is_accepted_and_cross_site_is_not() {
        assert!(is_same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        // Fetch metadata wins over a matching Origin: a sibling subdomain is another origin.
        assert!(!is_same_origin(&headers(&[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://parlor.test"),
            ("host", "parlor.test")
        ])));
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_name_the_requested_host() {
        assert!(is_same_origin(&headers(&[("origin", "https://parlor.test:8443"), ("host", "parlor.test:8443")])));
        assert!(!is_same_origin(&headers(&[("origin", "https://evil.test"), ("host", "parlor.test")])));
        assert!(!is_same_origin(&headers(&[("origin", "null"), ("host", "parlor.test")])));
        assert!(!is_same_origin(&headers(&[("host", "parlor.test")])));
    }
}
