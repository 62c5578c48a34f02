//! The widget's static files: the loader (`/widget.js`) and its bundle (JS glue, WASM and CSS).
//!
//! The bundle's file names are fixed by cargo-leptos, so Parlor versions them by path instead:
//! at start it hashes the bundle and serves it under `/w/{hash}/…` with a year-long, immutable
//! cache, and serves the loader (cached five minutes, so that a new release reaches every site
//! soon) with that path written in. A browser thus fetches the WASM once per release, and never a
//! stale one. `/w/…` without a hash, and an old hash from a loader cached before an upgrade, still
//! get the current files, with the short cache.

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::config::Config;
use crate::state::AppState;

/// The bundle's files, in the order they are hashed.
const BUNDLE: [&str; 3] = ["parlor-widget.js", "parlor-widget.wasm", "parlor-widget.css"];
/// What the loader's source names the bundle by; replaced by the versioned path.
const UNVERSIONED: &str = "/w/parlor-widget.";

const SHORT_CACHE: &str = "public, max-age=300";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The first 12 hex digits of SHA-256 over the bundle's files (a missing file counts as empty):
/// a new build gives a new path.
pub fn bundle_version(bundle_dir: &Path) -> String {
    let mut hasher = Sha256::new();
    for name in BUNDLE {
        let bytes = std::fs::read(bundle_dir.join(name)).unwrap_or_default();
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    hasher.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The loader's source with the bundle's path versioned.
pub fn versioned_loader(source: &str, version: &str) -> String {
    source.replace(UNVERSIONED, &format!("/w/{version}/parlor-widget."))
}

/// `/widget.js` and `/w/…`, compressed with brotli or gzip as the browser accepts (the WASM
/// shrinks to about a fifth).
pub fn routes(config: &Config) -> Router<AppState> {
    let bundle_dir = config.widget_dir.join("w");
    let version = bundle_version(&bundle_dir);
    // Read once: the loader changes only with a new build, which means a restart.
    let loader = std::fs::read_to_string(config.site_dir.join("widget.js"))
        .ok()
        .map(|source| versioned_loader(&source, &version));
    let serve_loader = move || {
        let loader = loader.clone();
        async move {
            match loader {
                Some(source) => (
                    [
                        (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
                        (header::CACHE_CONTROL, HeaderValue::from_static(SHORT_CACHE)),
                    ],
                    source,
                )
                    .into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    };
    let files = ServeDir::new(bundle_dir);
    let unversioned = files.clone();
    let versioned = move |UrlPath((hash, file)): UrlPath<(String, String)>, request: Request| {
        let policy = if hash == version { IMMUTABLE } else { SHORT_CACHE };
        serve_file(files.clone(), file, request, policy)
    };
    Router::new()
        .route("/widget.js", get(serve_loader))
        .route("/w/{hash}/{file}", get(versioned))
        .route(
            "/w/{file}",
            get(move |UrlPath(file): UrlPath<String>, request: Request| {
                serve_file(unversioned.clone(), file, request, SHORT_CACHE)
            }),
        )
        .layer(CompressionLayer::new().br(true).gzip(true))
}

/// The portal's bundle (`/pkg/parlor.wasm`, `.js`, `.css`), compressed. Its names stay the same
/// from build to build, so a browser keeps it but asks each time whether it changed, and an
/// unchanged file answers 304 (`Last-Modified`) instead of megabytes.
pub fn portal_bundle(options: &leptos::config::LeptosOptions) -> Router<AppState> {
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let files = tower::ServiceBuilder::new()
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            |response: &axum::http::Response<tower_http::services::fs::ServeFileSystemResponseBody>| {
                let kept = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
                kept.then(|| axum::http::HeaderValue::from_static("no-cache"))
            },
        ))
        .service(ServeDir::new(dir));
    Router::new().fallback_service(files)
}

/// One file of the bundle, looked up by its name alone (`ServeDir` refuses `..` and the like),
/// with the cache policy when it is found; errors are not cached.
async fn serve_file(files: ServeDir, file: String, request: Request, policy: &'static str) -> Response {
    let (mut parts, body) = request.into_parts();
    parts.uri = match format!("/{file}").parse() {
        Ok(uri) => uri,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = match files.oneshot(Request::from_parts(parts, body)).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    if response.status().is_success() {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loader_names_the_bundle_by_its_version() {
        let source = r#"import(o+"/w/parlor-widget.js");f(o+"/w/parlor-widget.wasm");g(o+"/w/parlor-widget.css")"#;
        assert_eq!(
            versioned_loader(source, "abc123"),
            r#"import(o+"/w/abc123/parlor-widget.js");f(o+"/w/abc123/parlor-widget.wasm");g(o+"/w/abc123/parlor-widget.css")"#
        );
    }

    #[test]
    fn a_new_build_gets_a_new_version() {
        let dir = tempfile::tempdir().expect("temp dir");
        let empty = bundle_version(dir.path());
        assert_eq!(empty.len(), 12);
        std::fs::write(dir.path().join("parlor-widget.wasm"), b"\0asm one").expect("write");
        let one = bundle_version(dir.path());
        std::fs::write(dir.path().join("parlor-widget.wasm"), b"\0asm two").expect("write");
        let two = bundle_version(dir.path());
        assert!(empty != one && one != two, "{empty} {one} {two}");
        assert_eq!(two, bundle_version(dir.path()), "the same files give the same version");
    }
}
