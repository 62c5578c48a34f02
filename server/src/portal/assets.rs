//! The widget's static files: the loader (`/widget.js`) and its bundle (JS glue, WASM and CSS).
//!
//! The bundle's file names are fixed by cargo-leptos, so Parlor versions them by path instead:
//! at start it hashes the bundle and serves it under `/w/{hash}/…` with a year-long, immutable
//! cache, and serves the loader (cached five minutes, so that a new release reaches every site
//! soon) with that path written in. A browser thus fetches the WASM once per release, and never a
//! stale one. `/w/…` without a hash, and an old hash from a loader cached before an upgrade, still
//! get the current files, with the short cache.
//!
//! The versioned bundle is also compressed once with the best settings (brotli 11, gzip 9; see
//! [`Packed`]): the compression layer's fast settings send the WASM about a fifth larger.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

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
    let files = ServeDir::new(&bundle_dir);
    let unversioned = files.clone();
    let packed = Packed::new(bundle_dir, version.clone());
    let versioned = move |UrlPath((hash, file)): UrlPath<(String, String)>, request: Request| {
        let current = hash == version;
        let packed = packed.clone();
        let files = files.clone();
        async move {
            if current {
                if let Some(response) = packed.respond(&file, &request) {
                    return response;
                }
                packed.start();
            }
            serve_file(files, file, request, if current { IMMUTABLE } else { SHORT_CACHE }).await
        }
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

/// The versioned bundle compressed once with the best settings: brotli at quality 11 (the WASM
/// comes out about a fifth smaller than with the compression layer's fast setting) and gzip at
/// level 9. Made in a blocking task on the first request for the bundle, so that start-up, and
/// the tests that never fetch the bundle, pay nothing; until it is ready (about a second of one
/// core), requests are compressed on the fly. Files that no longer hash to the version the
/// server started with are not packed: they are served as they are, like any other file.
#[derive(Clone)]
struct Packed {
    dir: PathBuf,
    version: String,
    started: Arc<AtomicBool>,
    files: Arc<OnceLock<Vec<PackedFile>>>,
}

struct PackedFile {
    name: &'static str,
    content_type: &'static str,
    br: axum::body::Bytes,
    gzip: axum::body::Bytes,
}

impl Packed {
    fn new(dir: PathBuf, version: String) -> Self {
        Packed { dir, version, started: Arc::default(), files: Arc::default() }
    }

    /// Packs the bundle in the background, once.
    fn start(&self) {
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let packed = self.clone();
        tokio::task::spawn_blocking(move || {
            if bundle_version(&packed.dir) != packed.version {
                tracing::warn!("the widget's bundle changed since start-up; it is compressed on the fly");
                return;
            }
            match pack(&packed.dir) {
                Ok(files) => {
                    let _ = packed.files.set(files);
                }
                Err(error) => {
                    tracing::warn!(%error, "could not compress the widget's bundle ahead; it is compressed on the fly");
                }
            }
        });
    }

    /// The packed file for a request that accepts brotli or gzip, if it is ready. A range
    /// request is left to `ServeDir`.
    fn respond(&self, file: &str, request: &Request) -> Option<Response> {
        let packed = self.files.get()?.iter().find(|packed| packed.name == file)?;
        let headers = request.headers();
        if headers.contains_key(header::RANGE) {
            return None;
        }
        let (encoding, body) = if accepts(headers, "br") {
            ("br", packed.br.clone())
        } else if accepts(headers, "gzip") {
            ("gzip", packed.gzip.clone())
        } else {
            return None;
        };
        Some(
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(packed.content_type)),
                    (header::CONTENT_ENCODING, HeaderValue::from_static(encoding)),
                    (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
                    (header::VARY, HeaderValue::from_static("accept-encoding")),
                ],
                body,
            )
                .into_response(),
        )
    }
}

/// Reads and compresses the bundle's files.
fn pack(dir: &Path) -> std::io::Result<Vec<PackedFile>> {
    BUNDLE
        .into_iter()
        .map(|name| {
            let raw = std::fs::read(dir.join(name))?;
            let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 11, 22);
            br.write_all(&raw)?;
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gzip.write_all(&raw)?;
            let content_type = match name.rsplit('.').next() {
                Some("wasm") => "application/wasm",
                Some("css") => "text/css",
                _ => "text/javascript",
            };
            Ok(PackedFile { name, content_type, br: br.into_inner().into(), gzip: gzip.finish()?.into() })
        })
        .collect()
}

/// Whether `Accept-Encoding` accepts `coding` (named, with a non-zero weight).
fn accepts(headers: &axum::http::HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let named = parts.next().is_some_and(|name| name.trim().eq_ignore_ascii_case(coding));
            let refused = parts.any(|param| {
                param.trim().strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0))
            });
            named && !refused
        })
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
    fn accept_encoding_is_read_by_name_and_weight() {
        let with = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert!(accepts(&with("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&with("gzip;q=1.0, br;q=0.5"), "br"));
        assert!(!accepts(&with("gzip, br;q=0"), "br"));
        assert!(!accepts(&with("gzip"), "br"));
        assert!(!accepts(&with("brotli"), "br"));
        assert!(accepts(&with("GZIP"), "gzip"));
    }

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
