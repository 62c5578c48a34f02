//! The web side of learning from sites: polite fetching through the SSRF guard, robots.txt,
//! sitemaps (gzipped too) and sitemap indexes, pages in any charset a browser reads, and the
//! links of a page.
//!
//! Every request goes through [`crate::outbound::client`], so every hop (redirects included)
//! connects only to permitted addresses. One request at a time goes to a host from this
//! process, with a pause between requests (the configured delay, or the site's `Crawl-delay`
//! up to ten seconds).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::Url;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::Result;
use crate::outbound::{self, OutboundPolicy, Redirects, Refused};

/// The product token robots.txt rules are matched against.
pub const ROBOTS_AGENT: &str = "Parlor";
/// The longest `Crawl-delay` honoured; a site asking for more is crawled at this pace.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(10);
/// Sitemap files read per crawl (an index and the sitemaps it lists).
pub const MAX_SITEMAPS: usize = 20;

/// How pages are fetched.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Pause between two requests to one host.
    pub delay: Duration,
    /// How long one request may take, connection to last byte.
    pub timeout: Duration,
    /// Largest body read; a larger page is skipped.
    pub max_bytes: usize,
    /// Redirects followed per request, each checked by the guard.
    pub max_redirects: usize,
}

/// A fetched response body.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the request ended after redirects.
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Sitemaps are at most 50 MB uncompressed (sitemaps.org); a gzipped one inflating beyond this
/// is refused rather than read.
pub const MAX_SITEMAP_BYTES: usize = 50 * 1024 * 1024;

impl Fetched {
    /// Whether the body is a gzip file (`sitemap.xml.gz`), told by its magic bytes and by its
    /// name or type, not by `Content-Encoding` (which the client does not ask for).
    fn is_gzip_file(&self) -> bool {
        let gzip_type = self.content_type.as_deref().is_some_and(|t| t.contains("gzip"));
        self.body.starts_with(&[0x1f, 0x8b]) && (gzip_type || self.url.path().ends_with(".gz"))
    }

    /// Inflates a gzipped body in place, reading at most `max` bytes of output: a gzip bomb
    /// costs `max` bytes of memory and then an error, never more.
    pub fn inflate_gzip(&mut self, max: usize) -> std::result::Result<(), String> {
        use std::io::Read;
        if !self.is_gzip_file() {
            return Ok(());
        }
        let mut out = Vec::new();
        let mut reader = flate2::read::MultiGzDecoder::new(self.body.as_slice()).take(max as u64 + 1);
        reader.read_to_end(&mut out).map_err(|err| format!("{} is not a readable gzip file: {err}", self.url))?;
        if out.len() > max {
            return Err(format!("{} inflates to more than {} MB", self.url, max / (1024 * 1024)));
        }
        self.body = out;
        self.content_type = None;
        Ok(())
    }

    /// The body as text, decoded the way a browser would: a byte order mark, else the charset
    /// of `Content-Type`, else a `<meta charset>` (or `http-equiv`) in the first 1,024 bytes,
    /// else UTF-8 when it is valid and windows-1252 (what "latin1" means on the web) when not.
    pub fn text(&self) -> String {
        let label = |label: String| encoding_rs::Encoding::for_label(label.as_bytes());
        let from_header = self.content_type.as_deref().and_then(charset_parameter).and_then(label);
        // A page that declares UTF-16 in its markup is ASCII-compatible bytes in practice: the
        // HTML standard reads such a declaration as UTF-8. A header that says UTF-16 is obeyed.
        let from_markup = || {
            meta_charset(&self.body[..self.body.len().min(1024)]).and_then(label).map(|encoding| {
                if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                    encoding_rs::UTF_8
                } else {
                    encoding
                }
            })
        };
        let encoding = match (encoding_rs::Encoding::for_bom(&self.body), from_header.or_else(from_markup)) {
            (Some((bom, _)), _) => bom,
            (None, Some(declared)) => declared,
            (None, None) if std::str::from_utf8(&self.body).is_ok() => encoding_rs::UTF_8,
            (None, None) => encoding_rs::WINDOWS_1252,
        };
        encoding.decode(&self.body).0.into_owned()
    }
}

/// The `charset` parameter of a media type (`text/html; charset="ISO-8859-1"`).
fn charset_parameter(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches(['"', '\'']).to_owned())
    })
}

/// The charset a page declares in its first bytes: `<meta charset="...">` or
/// `<meta http-equiv="Content-Type" content="text/html; charset=...">`.
fn meta_charset(head: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(at) = rest.find("<meta") {
        rest = &rest[at + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(value) = attribute(tag, "charset") {
            return Some(value.trim().to_owned());
        }
        if let Some(content) = attribute(tag, "content")
            && let Some(charset) = charset_parameter(&format!("x;{}", content.replace(' ', "")))
        {
            return Some(charset);
        }
    }
    None
}

/// Fetches pages politely. One per process; cheap to share.
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    /// When each host may be asked again; holding a host's lock is holding its one slot.
    hosts: std::sync::Mutex<HashMap<String, Arc<Mutex<Instant>>>>,
}

impl Fetcher {
    pub fn new(policy: &OutboundPolicy, settings: FetchSettings) -> Result<Fetcher> {
        let client = outbound::client(policy, settings.timeout, Redirects::Follow(settings.max_redirects))?;
        Ok(Fetcher { client, settings, hosts: std::sync::Mutex::default() })
    }

    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    fn host_slot(&self, url: &Url) -> Arc<Mutex<Instant>> {
        let host = url.host_str().unwrap_or_default().to_owned();
        let mut hosts = self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        hosts.entry(host).or_insert_with(|| Arc::new(Mutex::new(Instant::now()))).clone()
    }

    /// GETs `url`, waiting for the host's turn and leaving `delay` before the next request to
    /// it. The error is a sentence for the owner (why the page could not be fetched).
    pub async fn get(&self, url: &Url, delay: Duration) -> std::result::Result<Fetched, String> {
        let slot = self.host_slot(url);
        let mut next = slot.lock().await;
        tokio::time::sleep_until(*next).await;
        let result = self.get_now(url).await;
        *next = Instant::now() + delay.max(self.settings.delay);
        result
    }

    async fn get_now(&self, url: &Url) -> std::result::Result<Fetched, String> {
        let response = self.client.get(url.clone()).send().await.map_err(|err| describe(&err, url))?;
        let status = response.status().as_u16();
        let final_url = response.url().clone();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.to_ascii_lowercase());
        let max = self.settings.max_bytes;
        if response.content_length().is_some_and(|len| len > max as u64) {
            return Err(too_large(max));
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|err| describe(&err, url))?;
            if body.len() + chunk.len() > max {
                return Err(too_large(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { url: final_url, status, content_type, body })
    }
}

fn too_large(max: usize) -> String {
    format!("the page is larger than {} MB", max / (1024 * 1024))
}

/// Why a request failed, as a sentence for the owner.
fn describe(err: &reqwest::Error, url: &Url) -> String {
    if let Some(refused) = Refused::find(err) {
        return refused.to_string();
    }
    let host = url.host_str().unwrap_or("the site");
    if err.is_timeout() {
        format!("{host} did not answer in time")
    } else if err.is_redirect() {
        format!("{host} redirected too many times")
    } else if err.is_connect() {
        format!("could not connect to {host}")
    } else {
        format!("could not fetch {url}: {err}")
    }
}

/// A site's robots.txt rules for Parlor.
pub struct Robots {
    robot: Option<texting_robots::Robot>,
    disallow_all: bool,
}

impl Robots {
    /// Allows everything (no robots.txt).
    pub fn allow_all() -> Robots {
        Robots { robot: None, disallow_all: false }
    }

    /// Parses a robots.txt file; one that cannot be parsed allows everything, as a missing one does.
    pub fn parse(text: &[u8]) -> Robots {
        Robots { robot: texting_robots::Robot::new(ROBOTS_AGENT, text).ok(), disallow_all: false }
    }

    /// Reads the robots.txt of `url`'s site. A missing file (4xx) allows everything; a server
    /// error disallows everything, as RFC 9309 asks; an unreachable site is an error.
    pub async fn fetch(fetcher: &Fetcher, url: &Url) -> std::result::Result<Robots, String> {
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let fetched = fetcher.get(&robots_url, Duration::ZERO).await?;
        Ok(match fetched.status {
            200..=299 => Robots::parse(&fetched.body),
            400..=499 => Robots::allow_all(),
            _ => Robots { robot: None, disallow_all: true },
        })
    }

    pub fn allowed(&self, url: &Url) -> bool {
        !self.disallow_all && self.robot.as_ref().is_none_or(|robot| robot.allowed(url.as_str()))
    }

    /// The pause the site asks for between requests, capped.
    pub fn delay(&self) -> Duration {
        self.robot
            .as_ref()
            .and_then(|robot| robot.delay)
            .filter(|d| d.is_finite() && *d > 0.0)
            .map_or(Duration::ZERO, |d| Duration::from_secs_f32(d).min(MAX_CRAWL_DELAY))
    }

    /// The sitemaps the site lists.
    pub fn sitemaps(&self) -> Vec<String> {
        self.robot.as_ref().map(|robot| robot.sitemaps.clone()).unwrap_or_default()
    }
}

/// What a sitemap file lists: pages, or (an index) more sitemaps.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sitemap {
    pub pages: Vec<String>,
    pub sitemaps: Vec<String>,
}

/// Whether a fetched body is a sitemap (or sitemap index) rather than a page.
pub fn is_sitemap(fetched: &Fetched) -> bool {
    let head = String::from_utf8_lossy(&fetched.body[..fetched.body.len().min(2048)]).to_ascii_lowercase();
    let xml_type = fetched.content_type.as_deref().is_some_and(|ct| ct.contains("xml") && !ct.contains("xhtml"));
    (xml_type || head.trim_start().starts_with("<?xml")) && (head.contains("<urlset") || head.contains("<sitemapindex"))
}

/// Reads the `<loc>` of each `<url>` and `<sitemap>` of a sitemap or sitemap index, as a
/// stream (no tree is built, and entities and DTDs are not expanded).
pub fn parse_sitemap(xml: &[u8]) -> Sitemap {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut sitemap = Sitemap::default();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut loc = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(start)) => {
                path.push(start.local_name().as_ref().to_ascii_lowercase());
                loc.clear();
            }
            Ok(Event::Text(text)) if path.last().is_some_and(|name| name == b"loc") => {
                loc.push_str(&String::from_utf8_lossy(&text));
            }
            Ok(Event::GeneralRef(reference)) if path.last().is_some_and(|name| name == b"loc") => {
                let name: &[u8] = &reference;
                let named = match name {
                    b"amp" => Some('&'),
                    b"lt" => Some('<'),
                    b"gt" => Some('>'),
                    b"quot" => Some('"'),
                    b"apos" => Some('\''),
                    _ => reference.resolve_char_ref().ok().flatten(),
                };
                loc.extend(named);
            }
            Ok(Event::End(_)) => {
                if path.last().is_some_and(|name| name == b"loc") {
                    let found = loc.trim().to_owned();
                    match path.iter().rev().nth(1).map(Vec::as_slice) {
                        Some(b"url") if !found.is_empty() => sitemap.pages.push(found),
                        Some(b"sitemap") if !found.is_empty() => sitemap.sitemaps.push(found),
                        _ => {}
                    }
                    loc.clear();
                }
                path.pop();
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    sitemap
}

/// File endings that are never documents to learn from, so their links are not followed.
const SKIPPED_ENDINGS: &[&str] = &[
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".css", ".js", ".mjs", ".json", ".zip", ".gz", ".tgz",
    ".rar", ".7z", ".mp3", ".mp4", ".webm", ".mov", ".avi", ".woff", ".woff2", ".ttf", ".exe", ".dmg", ".iso", ".xls",
    ".xlsx", ".ppt", ".pptx",
];

/// The `href`s of a page's `<a>` elements, resolved against the page's URL, without those
/// marked `rel="nofollow"` and those to files that are never documents.
pub fn links(html: &str, base: &Url) -> Vec<Url> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<a") {
        let start = at + found;
        let Some(end) = lower[start..].find('>').map(|e| start + e) else { break };
        at = end;
        let tag = &lower[start + 2..end];
        if !tag.starts_with(|c: char| c.is_ascii_whitespace()) {
            continue;
        }
        if attribute(tag, "rel").is_some_and(|rel| rel.split_ascii_whitespace().any(|r| r == "nofollow")) {
            continue;
        }
        // Attribute values are read from the original text: URLs are case-sensitive.
        let original = &html[start + 2..end];
        let Some(href) = attribute(original, "href") else { continue };
        let href = href.replace("&amp;", "&");
        let Ok(url) = base.join(href.trim()) else { continue };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        let path = url.path().to_ascii_lowercase();
        if SKIPPED_ENDINGS.iter().any(|ending| path.ends_with(ending)) {
            continue;
        }
        out.push(normalize(url));
    }
    out
}

/// The value of attribute `name` in the inside of a tag (`a href="x" rel=y`).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let bytes = tag.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let key_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' && bytes[i] != b'>' {
            i += 1;
        }
        let key = &tag[key_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = "";
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                let value_start = i + 1;
                i = value_start;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
                value = &tag[value_start..i.min(tag.len())];
                i += 1;
            } else {
                let value_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = &tag[value_start..i];
            }
        }
        if key.eq_ignore_ascii_case(name) {
            return Some(value);
        }
        if key.is_empty() {
            i += 1;
        }
    }
    None
}

/// A URL as crawled and deduplicated: without its fragment and without tracking parameters
/// (`utm_*`, `gclid`, `fbclid`), which name the same page many ways.
pub fn normalize(mut url: Url) -> Url {
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| !(key.starts_with("utm_") || key == "gclid" || key == "fbclid"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url
}

/// Whether `url` is on the same site as `start` (same host, `www.` aside; http or https).
pub fn same_site(url: &Url, start: &Url) -> bool {
    let host = |u: &Url| u.host_str().map(|h| h.trim_start_matches("www.").to_owned());
    matches!(url.scheme(), "http" | "https") && host(url) == host(start) && url.port() == start.port()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_resolved_deduplicated_by_fragment_and_filtered() {
        let base = Url::parse("https://shop.example/docs/intro").unwrap();
        let html = r#"<p><a href="/docs/a#top">A</a> <A HREF='b?x=1&amp;y=2'>B</A>
            <a rel="nofollow" href="/private">P</a> <a href="mailto:x@y.z">M</a>
            <a href=/logo.png>L</a> <a href="/docs/a?utm_source=x&amp;utm_medium=y">A again</a> <abbr title="x">not a link</abbr> <a class="c" href="guide.pdf">G</a>"#;
        let found: Vec<String> = links(html, &base).into_iter().map(String::from).collect();
        assert_eq!(
            found,
            vec![
                "https://shop.example/docs/a",
                "https://shop.example/docs/b?x=1&y=2",
                "https://shop.example/docs/a",
                "https://shop.example/docs/guide.pdf"
            ]
        );
    }

    #[test]
    fn sitemaps_and_sitemap_indexes_are_read() {
        let urlset = br#"<?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
              <url><loc>https://a.example/one</loc><lastmod>2024-01-01</lastmod></url>
              <url><loc> https://a.example/two?x=1&amp;y=2 </loc></url>
            </urlset>"#;
        assert_eq!(
            parse_sitemap(urlset),
            Sitemap {
                pages: vec!["https://a.example/one".into(), "https://a.example/two?x=1&y=2".into()],
                sitemaps: vec![]
            }
        );
        let index = br#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
              <sitemap><loc>https://a.example/sitemap-1.xml</loc></sitemap></sitemapindex>"#;
        assert_eq!(parse_sitemap(index).sitemaps, vec!["https://a.example/sitemap-1.xml"]);
        assert_eq!(parse_sitemap(b"<not xml"), Sitemap::default());
    }

    fn fetched(url: &str, content_type: Option<&str>, body: Vec<u8>) -> Fetched {
        Fetched { url: Url::parse(url).unwrap(), status: 200, content_type: content_type.map(str::to_owned), body }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn pages_are_decoded_by_byte_order_mark_then_header_then_meta_then_utf8_else_windows_1252() {
        let latin1 = b"<p>Cr\xe8me br\xfbl\xe9e</p>".to_vec();
        let page = fetched("https://a.example/", Some("text/html; charset=\"ISO-8859-1\""), latin1.clone());
        assert_eq!(page.text(), "<p>Crème brûlée</p>");
        // Undeclared and not UTF-8: read as windows-1252, as browsers do.
        assert_eq!(fetched("https://a.example/", Some("text/html"), latin1).text(), "<p>Crème brûlée</p>");
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("<meta charset=\"Shift_JIS\"><p>返品</p>");
        assert_eq!(
            fetched("https://a.example/", None, sjis.into_owned()).text(),
            "<meta charset=\"Shift_JIS\"><p>返品</p>"
        );
        let (koi, _, _) = encoding_rs::KOI8_R
            .encode("<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=koi8-r\">Привет");
        assert!(fetched("https://a.example/", Some("text/html"), koi.into_owned()).text().ends_with("Привет"));
        let mut bom = vec![0xef, 0xbb, 0xbf];
        bom.extend_from_slice("<p>naïve</p>".as_bytes());
        assert_eq!(fetched("https://a.example/", Some("text/html; charset=iso-8859-1"), bom).text(), "<p>naïve</p>");
        assert_eq!(fetched("https://a.example/", None, "<p>déjà</p>".as_bytes().to_vec()).text(), "<p>déjà</p>");
        // A markup declaration of UTF-16 on ASCII-compatible bytes means UTF-8.
        let utf16_claim = "<meta charset=\"utf-16\"><p>é</p>".as_bytes().to_vec();
        assert_eq!(fetched("https://a.example/", None, utf16_claim).text(), "<meta charset=\"utf-16\"><p>é</p>");
        // A header's UTF-16 is obeyed even without a byte order mark.
        let utf16: Vec<u8> = "<p>Grüße</p>".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(fetched("https://a.example/", Some("text/html; charset=utf-16le"), utf16).text(), "<p>Grüße</p>");
    }

    #[test]
    fn a_gzipped_sitemap_is_inflated_within_a_cap_and_other_bodies_are_left_alone() {
        let xml = b"<?xml version=\"1.0\"?><urlset><url><loc>https://a.example/one</loc></url></urlset>";
        let mut map = fetched("https://a.example/sitemap.xml.gz", Some("application/octet-stream"), gzip(xml));
        map.inflate_gzip(1024).unwrap();
        assert_eq!(map.body, xml);
        assert!(is_sitemap(&map));
        let mut bomb = fetched("https://a.example/s.gz", Some("application/gzip"), gzip(&vec![0; 1 << 20]));
        let err = bomb.inflate_gzip(64 * 1024).unwrap_err();
        assert!(err.contains("inflates to more than"), "{err}");
        let mut broken = fetched("https://a.example/s.xml.gz", None, vec![0x1f, 0x8b, 8, 0, 1, 2]);
        assert!(broken.inflate_gzip(1024).unwrap_err().contains("not a readable gzip file"));
        // A page whose first bytes happen to be the magic, served as HTML under another name, is not touched.
        let mut page = fetched("https://a.example/page", Some("text/html"), vec![0x1f, 0x8b, b'x']);
        page.inflate_gzip(1024).unwrap();
        assert_eq!(page.body, vec![0x1f, 0x8b, b'x']);
    }

    #[test]
    fn robots_rules_for_parlor_are_honoured() {
        let robots =
            Robots::parse(b"User-agent: *\nDisallow: /private\nCrawl-delay: 60\nSitemap: https://a.example/s.xml\n");
        assert!(robots.allowed(&Url::parse("https://a.example/docs").unwrap()));
        assert!(!robots.allowed(&Url::parse("https://a.example/private/x").unwrap()));
        assert_eq!(robots.delay(), MAX_CRAWL_DELAY);
        assert_eq!(robots.sitemaps(), vec!["https://a.example/s.xml"]);
    }

    #[test]
    fn same_site_ignores_www_and_scheme_but_not_other_hosts() {
        let start = Url::parse("https://example.com/").unwrap();
        assert!(same_site(&Url::parse("https://www.example.com/a").unwrap(), &start));
        assert!(!same_site(&Url::parse("https://evil.example/a").unwrap(), &start));
        assert!(!same_site(&Url::parse("https://example.com:8443/a").unwrap(), &start));
    }
}
