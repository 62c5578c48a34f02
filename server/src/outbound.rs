//! Every request Parlor makes to a URL that a user chose (webhook receivers, and pages to learn
//! from) goes through this guard against server-side request forgery.
//!
//! The guard refuses loopback, private, link-local, shared, multicast, documentation and other
//! special-purpose addresses, whatever way the URL names them: an IP literal (in any of the
//! spellings URL parsers accept), a host name that resolves to one (checked at connect time
//! by the resolver, so DNS rebinding between a check and the request gains nothing), or a
//! redirect to either. Operators can open chosen ranges (an intranet CRM, or loopback in tests)
//! with `PARLOR_OUTBOUND_ALLOW`. Requests never go through environment proxies.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::error::{Error, Result};

/// Address ranges that are not on the public Internet (IANA special-purpose registries).
const SPECIAL_PURPOSE: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "64:ff9b::/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/23",
    "2001:db8::/32",
    "2002::/16",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

/// Whether `ip` is an address on the public Internet.
pub fn is_public(ip: IpAddr) -> bool {
    // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    !special_purpose().iter().any(|net| net.contains(&ip))
}

fn special_purpose() -> &'static [IpNet] {
    static NETS: std::sync::OnceLock<Vec<IpNet>> = std::sync::OnceLock::new();
    NETS.get_or_init(|| SPECIAL_PURPOSE.iter().map(|net| net.parse().expect("a valid built-in range")).collect())
}

/// Which addresses outbound requests may reach: public ones, and the ranges an operator opened.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allowed: Vec<IpNet>,
}

impl OutboundPolicy {
    /// Parses the comma-separated ranges of `PARLOR_OUTBOUND_ALLOW` (`127.0.0.1/32,10.0.0.0/8`;
    /// a bare address means just that address).
    pub fn parse(list: &str) -> Result<OutboundPolicy> {
        let mut allowed = Vec::new();
        for item in list.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let net = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| Error::Validation(format!("`{item}` in PARLOR_OUTBOUND_ALLOW is not an IP range")))?;
            allowed.push(net);
        }
        Ok(OutboundPolicy { allowed })
    }

    /// Whether a request may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        is_public(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// Checks a URL's form and, when its host is an IP address, the address. Host names are
    /// checked when they resolve (see [`OutboundPolicy::check_resolves`] and the client).
    pub fn check_url(&self, url: &Url) -> std::result::Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::new("the URL must start with http:// or https://"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::new("the URL must not contain a user name or password"));
        }
        match url.host() {
            None => Err(Refused::new("the URL has no host")),
            Some(url::Host::Ipv4(ip)) if !self.permits(IpAddr::V4(ip)) => Err(Refused::private()),
            Some(url::Host::Ipv6(ip)) if !self.permits(IpAddr::V6(ip)) => Err(Refused::private()),
            Some(_) => Ok(()),
        }
    }

    /// Checks a URL a user just gave, resolving its host now, so that a URL that can never be
    /// reached is refused with a clear message when it is saved rather than failing later.
    pub async fn check_resolves(&self, url: &Url) -> std::result::Result<(), Refused> {
        self.check_url(url)?;
        if let Some(url::Host::Domain(host)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                .await
                .map_err(|_| Refused::new(format!("the host `{host}` could not be resolved")))?
                .collect();
            if addrs.is_empty() {
                return Err(Refused::new(format!("the host `{host}` could not be resolved")));
            }
            if !addrs.iter().any(|addr| self.permits(addr.ip())) {
                return Err(Refused::private());
            }
        }
        Ok(())
    }
}

/// Why the guard refused a URL; its message is safe to show to the user who gave the URL.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct Refused(String);

impl Refused {
    fn new(message: impl Into<String>) -> Refused {
        Refused(message.into())
    }

    fn private() -> Refused {
        Refused::new("the URL points to a private or reserved network address, which Parlor does not call")
    }

    /// Finds a refusal in the chain of causes of a request error.
    pub fn find<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
        let mut current = Some(err);
        while let Some(err) = current {
            if let Some(refused) = err.downcast_ref::<Refused>() {
                return Some(refused);
            }
            current = err.source();
        }
        None
    }
}

impl From<Refused> for Error {
    fn from(refused: Refused) -> Self {
        Error::Validation(refused.0)
    }
}

/// Resolves host names and drops the addresses the policy does not permit; a name with no
/// permitted address fails to resolve with [`Refused`].
#[derive(Debug, Clone)]
struct GuardedResolver {
    policy: Arc<OutboundPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found.into_iter().filter(|addr| policy.permits(addr.ip())).collect();
            if permitted.is_empty() {
                return Err(Box::new(Refused::private()) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

/// How a guarded client treats redirects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Return 3xx answers as they are (webhook deliveries: a redirect is a failure).
    Refuse,
    /// Follow up to this many, each checked by the guard (fetching pages).
    Follow(usize),
}

/// A client builder whose every connection passes the guard (no proxies, guarded resolver,
/// redirects refused); callers add their timeouts.
pub fn builder(policy: &OutboundPolicy) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver { policy: Arc::new(policy.clone()) }))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Parlor/", env!("CARGO_PKG_VERSION")))
}

/// Builds an HTTP client whose every connection passes the guard.
pub fn client(policy: &OutboundPolicy, timeout: Duration, redirects: Redirects) -> Result<reqwest::Client> {
    let mut builder = builder(policy).timeout(timeout).connect_timeout(timeout.min(Duration::from_secs(10)));
    if let Redirects::Follow(max) = redirects {
        let policy = policy.clone();
        builder = builder.redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= max {
                return attempt.error(Refused::new(format!("more than {max} redirects")));
            }
            match policy.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(refused) => attempt.error(refused),
            }
        }));
    }
    builder
        .build()
        .map_err(|err| Error::Internal(anyhow::Error::new(err).context("cannot build the outbound HTTP client")))
}

/// Parses a URL a user is saving and checks it with the guard, resolving its host now.
pub async fn check_user_url(policy: &OutboundPolicy, text: &str) -> Result<Url> {
    let url = parse_url(policy, text)?;
    policy.check_resolves(&url).await?;
    Ok(url)
}

/// Parses a URL a user gave and checks it with the guard (without resolving it).
pub fn parse_url(policy: &OutboundPolicy, text: &str) -> Result<Url> {
    let url =
        Url::parse(text.trim()).map_err(|err| Error::Validation(format!("`{text}` is not a valid URL: {err}")))?;
    policy.check_url(&url)?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        parse_url(&OutboundPolicy::default(), text).is_err()
    }

    #[test]
    fn loopback_private_and_metadata_addresses_are_refused_in_every_spelling() {
        for url in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://0.0.0.0:8080/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://224.0.0.1/",
        ] {
            assert!(refused(url), "{url} should be refused");
        }
    }

    #[test]
    fn public_addresses_and_host_names_pass_the_form_check() {
        for url in ["https://93.184.215.14/", "https://example.com/hook", "http://[2606:4700::1111]/"] {
            assert!(!refused(url), "{url} should pass");
        }
    }

    #[test]
    fn other_schemes_and_credentials_in_urls_are_refused() {
        assert!(refused("file:///etc/passwd"));
        assert!(refused("gopher://example.com/"));
        assert!(refused("https://user:pass@example.com/"));
        assert!(refused("not a url"));
    }

    #[test]
    fn an_operator_can_open_a_chosen_range() {
        let policy = OutboundPolicy::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        assert!(parse_url(&policy, "http://127.0.0.1:9000/").is_ok());
        assert!(parse_url(&policy, "http://10.9.9.9/").is_ok());
        assert!(parse_url(&policy, "http://127.0.0.2/").is_err());
        assert!(OutboundPolicy::parse("not-a-range").is_err());
    }

    #[tokio::test]
    async fn a_host_name_that_resolves_to_loopback_is_refused_when_saved_and_when_called() {
        let policy = OutboundPolicy::default();
        let url = Url::parse("http://localhost:9/").unwrap();
        assert!(policy.check_resolves(&url).await.is_err());

        let client = client(&policy, Duration::from_secs(5), Redirects::Refuse).unwrap();
        let err = client.get(url).send().await.unwrap_err();
        assert!(Refused::find(&err).is_some(), "the refusal is found in {err:?}");
    }

    #[tokio::test]
    async fn a_redirect_to_a_private_address_is_not_followed() {
        use axum::response::Redirect;
        use axum::routing::get;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/start", get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }));
        tokio::spawn(async move { axum::serve(listener, app).await });

        // Loopback is opened for the test server itself, the metadata address is not.
        let policy = OutboundPolicy::parse("127.0.0.1/32").unwrap();
        let client = client(&policy, Duration::from_secs(5), Redirects::Follow(3)).unwrap();
        let err = client.get(format!("http://{addr}/start")).send().await.unwrap_err();
        assert!(Refused::find(&err).is_some(), "the refusal is found in {err:?}");
    }
}
