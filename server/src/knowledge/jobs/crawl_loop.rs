//! A crawl job's loop: from its checkpoint, fetch pages and sitemaps through the crawler
//! ([`crate::knowledge::crawl`]), store what they teach and follow their links within the caps,
//! saving the checkpoint after each page.

use std::collections::HashSet;

use reqwest::Url;
use tokio_util::sync::CancellationToken;

use super::{Checkpoint, Claimed, End, JobParams, Worker};
use crate::error::Result;
use crate::ingest::{self, Format};
use crate::knowledge::crawl::{self, Robots};
use crate::knowledge::documents::{self, Prepared};
use crate::knowledge::{SOURCE_COLUMNS, Source};

impl Worker {
    /// Fetches and stores the pages of a job, from its checkpoint on.
    pub(super) async fn crawl(&self, job: &Claimed, stop: &CancellationToken) -> Result<End> {
        let db = &self.inner.db;
        let Some(source) =
            sqlx::query_as::<_, Source>(&format!("SELECT {SOURCE_COLUMNS} FROM knowledge_sources WHERE id = $1"))
                .bind(&job.source_id)
                .fetch_optional(db.pool())
                .await?
        else {
            return Ok(End::Stopped);
        };
        let params: JobParams = serde_json::from_str(&job.params).map_err(anyhow::Error::new)?;
        let mut cp: Checkpoint = job.state.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        let Ok(start) = Url::parse(&params.url) else {
            return Ok(End::Failed(format!("`{}` is not a valid URL", params.url), cp));
        };
        let single = job.kind == "url";
        let max_pages = if single { 1 } else { params.max_pages.clamp(1, self.inner.settings.max_pages.max(1)) };
        let fetcher = &self.inner.fetcher;
        let robots = match Robots::fetch(fetcher, &start).await {
            Ok(robots) => robots,
            Err(reason) => return Ok(End::Failed(reason, cp)),
        };
        let delay = robots.delay();
        if !cp.started {
            cp.started = true;
            cp.queue.push_back((start.to_string(), 0));
            cp.seen.push(start.to_string());
        }
        let mut seen: HashSet<String> = cp.seen.iter().cloned().collect();
        let mut kept: HashSet<String> = cp.kept.iter().cloned().collect();
        let max_fetches = max_pages * 3 + 10;
        let note = |cp: &mut Checkpoint, reason: String| {
            tracing::info!(source_id = %source.id, reason = %reason, "a page was skipped");
            cp.first_error.get_or_insert(reason);
        };
        loop {
            if stop.is_cancelled() {
                return Ok(End::Stopped);
            }
            if kept.len() as u32 >= max_pages || cp.fetches >= max_fetches {
                break;
            }
            let Some((url_text, depth)) = cp.queue.pop_front() else { break };
            let Ok(url) = Url::parse(&url_text) else { continue };
            if !robots.allowed(&url) {
                cp.processed += 1;
                note(&mut cp, format!("robots.txt does not allow fetching {url}"));
                self.checkpoint(job, &cp, max_pages).await?;
                continue;
            }
            cp.fetches += 1;
            let mut fetched = match fetcher.get(&url, delay).await {
                Ok(fetched) if fetched.status < 400 => fetched,
                Ok(fetched) => {
                    cp.processed += 1;
                    note(&mut cp, format!("{url} answered {}", fetched.status));
                    self.checkpoint(job, &cp, max_pages).await?;
                    continue;
                }
                Err(reason) => {
                    cp.processed += 1;
                    note(&mut cp, reason);
                    self.checkpoint(job, &cp, max_pages).await?;
                    continue;
                }
            };
            if !crawl::same_site(&fetched.url, &start) {
                cp.processed += 1;
                note(&mut cp, format!("{url} redirected to another site ({})", fetched.url));
                continue;
            }
            if let Err(reason) = fetched.inflate_gzip(crawl::MAX_SITEMAP_BYTES) {
                cp.processed += 1;
                note(&mut cp, reason);
                self.checkpoint(job, &cp, max_pages).await?;
                continue;
            }
            if !single && crawl::is_sitemap(&fetched) {
                if (cp.sitemaps_read as usize) < crawl::MAX_SITEMAPS {
                    cp.sitemaps_read += 1;
                    let sitemap = crawl::parse_sitemap(&fetched.body);
                    // Sitemaps of an index are read first; the pages they list are not followed further.
                    for link in sitemap.sitemaps.iter().rev() {
                        if let Ok(link) = Url::parse(link).map(crawl::normalize)
                            && crawl::same_site(&link, &start)
                            && seen.insert(link.to_string())
                        {
                            cp.seen.push(link.to_string());
                            cp.queue.push_front((link.to_string(), depth));
                        }
                    }
                    for link in &sitemap.pages {
                        if let Ok(link) = Url::parse(link).map(crawl::normalize)
                            && crawl::same_site(&link, &start)
                            && seen.len() < (max_pages as usize) * 4
                            && seen.insert(link.to_string())
                        {
                            cp.seen.push(link.to_string());
                            cp.queue.push_back((link.to_string(), params.max_depth));
                        }
                    }
                }
                self.checkpoint(job, &cp, max_pages).await?;
                continue;
            }
            cp.processed += 1;
            let file_name = fetched.url.path_segments().and_then(|mut s| s.next_back()).unwrap_or("").to_owned();
            let Some(format) = Format::detect(&file_name, fetched.content_type.as_deref()) else {
                note(
                    &mut cp,
                    format!(
                        "{url} is not a page or document Parlor reads ({})",
                        fetched.content_type.as_deref().unwrap_or("no content type")
                    ),
                );
                self.checkpoint(job, &cp, max_pages).await?;
                continue;
            };
            // Pages are decoded here, where the charset of `Content-Type` is known, and reach the
            // extractor as UTF-8.
            let html = (format == Format::Html).then(|| fetched.text());
            let body = match &html {
                Some(text) => text.clone().into_bytes(),
                None => fetched.body,
            };
            let doc = match ingest::extract_isolated(
                format,
                body,
                Some(fetched.url.to_string()),
                &self.inner.settings.limits,
            )
            .await
            {
                Ok(doc) => doc,
                Err(err) => {
                    note(&mut cp, format!("{url}: {err}"));
                    self.checkpoint(job, &cp, max_pages).await?;
                    continue;
                }
            };
            // The page's own canonical URL, when it is on the site, names it: one page reached by
            // several URLs is learned once.
            let key = doc
                .canonical_url
                .as_deref()
                .and_then(|c| fetched.url.join(c).ok())
                .map(crawl::normalize)
                .filter(|c| crawl::same_site(c, &start))
                .unwrap_or_else(|| crawl::normalize(fetched.url.clone()));
            if !kept.contains(key.as_str()) {
                match Prepared::new(&doc, key.as_str()) {
                    Ok(prepared) => {
                        if single {
                            documents::store_single(db, &source, key.as_str(), &prepared).await?;
                        } else {
                            documents::store_page(db, &source, key.as_str(), &prepared).await?;
                        }
                        kept.insert(key.to_string());
                        cp.kept.push(key.to_string());
                    }
                    Err(err) => note(&mut cp, format!("{url}: {err}")),
                }
            }
            if let Some(html) = html
                && !single
                && depth < params.max_depth
            {
                for link in crawl::links(&html, &fetched.url) {
                    if crawl::same_site(&link, &start)
                        && seen.len() < (max_pages as usize) * 4
                        && seen.insert(link.to_string())
                    {
                        cp.seen.push(link.to_string());
                        cp.queue.push_back((link.to_string(), depth + 1));
                    }
                }
            }
            if !self.checkpoint(job, &cp, max_pages).await? {
                return Ok(End::Stopped);
            }
        }
        if cp.kept.is_empty() {
            let reason = cp.first_error.clone().unwrap_or_else(|| format!("nothing could be learned from {start}"));
            return Ok(End::Failed(reason, cp));
        }
        Ok(End::Done(cp))
    }
}
