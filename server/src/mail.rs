//! Outgoing e-mail (invitations) through the operator's SMTP server, when one is configured.
//!
//! The mail server is the operator's choice in configuration, not a user's, so it is reached
//! directly rather than through the outbound SSRF guard (a relay on the local network is the
//! common case). Without `PARLOR_SMTP_URL` nothing is sent and callers show links instead.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::error::{Error, Result};

/// Sends Parlor's e-mails, or knows that it cannot.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP credentials; only whether there is one is shown.
        f.debug_struct("Mailer").field("configured", &self.transport.is_some()).field("from", &self.from).finish()
    }
}

impl Mailer {
    /// The mailer that the configuration describes; an invalid URL or sender is an error at
    /// start, never at the first invitation.
    pub fn from_config(config: &Config) -> Result<Mailer> {
        let from: Mailbox = config.mail_from.parse().map_err(|_| {
            Error::Validation(format!(
                "PARLOR_MAIL_FROM: {:?} is not an address such as Parlor <parlor@example.com>",
                config.mail_from
            ))
        })?;
        let transport = match &config.smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|_| {
                        Error::Validation(
                            "PARLOR_SMTP_URL is not an SMTP URL such as smtps://user:pass@mail.example.com".into(),
                        )
                    })?
                    .timeout(Some(std::time::Duration::from_secs(15)))
                    .build(),
            ),
        };
        Ok(Mailer { transport, from })
    }

    /// Whether e-mail can be sent at all.
    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends a plain-text e-mail. `Ok(false)` when no mail server is configured.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<bool> {
        let Some(transport) = &self.transport else { return Ok(false) };
        let to: Mailbox = to.parse().map_err(|_| Error::Validation(format!("{to:?} is not an e-mail address")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|err| Error::Internal(anyhow::Error::new(err).context("building an e-mail failed")))?;
        transport.send(message).await.map_err(|err| {
            Error::Internal(anyhow::Error::new(err).context("the mail server did not accept the e-mail"))
        })?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unconfigured_mailer_sends_nothing_and_says_so() {
        let config = Config::with_data_dir(std::env::temp_dir());
        let mailer = Mailer::from_config(&config).unwrap();
        assert!(!mailer.is_configured());
    }

    #[test]
    fn a_bad_sender_or_url_is_refused_at_start() {
        let mut config = Config::with_data_dir(std::env::temp_dir());
        config.mail_from = "not an address".into();
        assert!(Mailer::from_config(&config).is_err());
        let mut config = Config::with_data_dir(std::env::temp_dir());
        config.smtp_url = Some(crate::config::Secret::new("http://mail.example.com"));
        assert!(Mailer::from_config(&config).is_err());
    }

    #[test]
    fn debug_output_never_shows_the_smtp_credentials() {
        let mut config = Config::with_data_dir(std::env::temp_dir());
        config.smtp_url = Some(crate::config::Secret::new("smtps://user:hunter2secret@mail.example.com"));
        let mailer = Mailer::from_config(&config).unwrap();
        assert!(!format!("{mailer:?}").contains("hunter2"));
    }
}
