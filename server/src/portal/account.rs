//! The portal's accounts area: sessions in cookies, throttled sign-in, the team.

use parlor_app::api::account::{
    AccountBackend, InviteCreated, InviteInfo, PendingInvite, Team, TeamMember, Viewer, WorkspaceChoice,
};
use parlor_app::api::{PortalError, RequestInfo};

use super::portal_error;
use crate::accounts::{self, Role, Token};
use crate::db::Db;
use crate::error::Error;
use crate::ids::rfc3339;
use crate::ratelimit::{Limited, RateLimiter};
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "parlor_session";

pub struct Accounts {
    db: Db,
    /// `Secure` on the cookie when the portal is served over TLS.
    secure: bool,
    public_url: String,
    mailer: crate::mail::Mailer,
    limiter: RateLimiter,
}

impl Accounts {
    pub fn new(state: &AppState) -> Accounts {
        Accounts {
            db: state.db.clone(),
            secure: state.server_info.public_url.starts_with("https://"),
            public_url: state.server_info.public_url.clone(),
            mailer: state.mailer.clone(),
            limiter: state.limiter.clone(),
        }
    }

    fn cookie(&self, token: &Token) -> String {
        let max_age = accounts::SESSION_DAYS * 24 * 3600;
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}", token.expose())
    }

    fn cleared_cookie(&self) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
    }

    async fn throttle(&self, action: Limited<'_>) -> Result<(), PortalError> {
        self.limiter.enforce(action).await.map(drop).map_err(portal_error)
    }
}

/// The signed-in viewer of a request, or `SignedOut`, with the session's token.
pub async fn signed_in(db: &Db, req: &RequestInfo) -> Result<(accounts::Viewer, Token), PortalError> {
    let token = req.session.as_deref().and_then(Token::presented).ok_or(PortalError::SignedOut)?;
    let viewer = accounts::viewer_for(db, &token).await.map_err(portal_error)?.ok_or(PortalError::SignedOut)?;
    Ok((viewer, token))
}

#[async_trait::async_trait]
impl AccountBackend for Accounts {
    async fn viewer(&self, req: &RequestInfo) -> Result<Option<Viewer>, PortalError> {
        let (viewer, _) = match signed_in(&self.db, req).await {
            Ok(found) => found,
            Err(PortalError::SignedOut) => return Ok(None),
            Err(err) => return Err(err),
        };
        let workspaces = accounts::workspaces_of(&self.db, &viewer.account_id).await.map_err(portal_error)?;
        Ok(Some(Viewer {
            account_id: viewer.account_id,
            email: viewer.email,
            workspace_id: viewer.workspace_id,
            workspace_name: viewer.workspace_name,
            role: viewer.role.as_str().to_owned(),
            workspaces: workspaces
                .into_iter()
                .map(|w| WorkspaceChoice { id: w.workspace_id, name: w.name, role: w.role })
                .collect(),
        }))
    }

    async fn sign_up(
        &self,
        req: &RequestInfo,
        email: String,
        password: String,
        workspace: String,
    ) -> Result<String, PortalError> {
        let ip = req.client_ip.as_deref().unwrap_or("unknown");
        self.throttle(Limited::SignUp { client: ip }).await?;
        let (viewer, token) = accounts::sign_up(&self.db, &email, &password, &workspace).await.map_err(portal_error)?;
        tracing::info!(account_id = %viewer.account_id, workspace_id = %viewer.workspace_id, "account created");
        Ok(self.cookie(&token))
    }

    async fn sign_in(&self, req: &RequestInfo, email: String, password: String) -> Result<String, PortalError> {
        let ip = req.client_ip.as_deref().unwrap_or("unknown");
        self.throttle(Limited::SignInFrom { client: ip }).await?;
        self.throttle(Limited::SignInAs { email: &email }).await?;
        match accounts::sign_in(&self.db, &email, &password).await {
            Ok((viewer, token)) => {
                tracing::info!(account_id = %viewer.account_id, "signed in");
                // Sign-ins are rare enough to carry the clean-up of expired sessions and links.
                if let Err(err) = accounts::purge_expired(&self.db).await {
                    tracing::warn!(error = ?err, "expired sessions could not be purged");
                }
                Ok(self.cookie(&token))
            }
            Err(err @ Error::Unauthorized { .. }) => {
                tracing::info!(client_ip = %ip, "sign-in refused: wrong email or password");
                Err(portal_error(err))
            }
            Err(err) => Err(portal_error(err)),
        }
    }

    async fn sign_out(&self, req: &RequestInfo) -> Result<String, PortalError> {
        if let Some(token) = req.session.as_deref().and_then(Token::presented) {
            accounts::sign_out(&self.db, &token).await.map_err(portal_error)?;
        }
        Ok(self.cleared_cookie())
    }

    async fn switch_workspace(&self, req: &RequestInfo, workspace_id: String) -> Result<(), PortalError> {
        let (viewer, token) = signed_in(&self.db, req).await?;
        accounts::switch_workspace(&self.db, &token, &viewer, &workspace_id).await.map_err(portal_error)
    }

    async fn team(&self, req: &RequestInfo) -> Result<Team, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let members = accounts::members(&self.db, &viewer.workspace_id).await.map_err(portal_error)?;
        let invites = if viewer.role == Role::Owner {
            accounts::pending_invites(&self.db, &viewer.workspace_id).await.map_err(portal_error)?
        } else {
            Vec::new()
        };
        Ok(Team {
            members: members
                .into_iter()
                .map(|m| TeamMember {
                    account_id: m.account_id,
                    email: m.email,
                    role: m.role,
                    joined_at: rfc3339(m.created_at),
                })
                .collect(),
            invites: invites
                .into_iter()
                .map(|i| PendingInvite { id: i.id, email: i.email, role: i.role, expires_at: rfc3339(i.expires_at) })
                .collect(),
        })
    }

    async fn invite(&self, req: &RequestInfo, email: String, role: String) -> Result<InviteCreated, PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        let role = Role::parse(&role).map_err(portal_error)?;
        let (invite, token) = accounts::invite(&self.db, &viewer, &email, role).await.map_err(portal_error)?;
        tracing::info!(invite_id = %invite.id, workspace_id = %viewer.workspace_id, "member invited");
        let url = format!("{}/invite/{}", self.public_url, token.expose());
        let body = format!(
            "{} invited you to join the workspace \"{}\" on Parlor as {}.\n\n\
             Open this link within {} days to accept:\n{url}\n\n\
             If you did not expect this invitation, ignore this e-mail.\n",
            viewer.email,
            viewer.workspace_name,
            invite.role,
            accounts::INVITE_DAYS
        );
        let subject = format!("Join {} on Parlor", viewer.workspace_name);
        // A mail server that fails must not lose the invitation: the owner still gets the link.
        let emailed = match self.mailer.send(&invite.email, &subject, body).await {
            Ok(sent) => sent,
            Err(err) => {
                tracing::warn!(invite_id = %invite.id, error = ?err, "the invitation e-mail could not be sent");
                false
            }
        };
        Ok(InviteCreated { email: invite.email, url, emailed })
    }

    async fn revoke_invite(&self, req: &RequestInfo, id: String) -> Result<(), PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        accounts::revoke_invite(&self.db, &viewer, &id).await.map_err(portal_error)
    }

    async fn remove_member(&self, req: &RequestInfo, account_id: String) -> Result<(), PortalError> {
        let (viewer, _) = signed_in(&self.db, req).await?;
        accounts::remove_member(&self.db, &viewer, &account_id).await.map_err(portal_error)
    }

    async fn invite_info(&self, token: String) -> Result<InviteInfo, PortalError> {
        let token = Token::presented(&token).ok_or_else(|| PortalError::NotFound("invite not found".into()))?;
        let details = accounts::invite_details(&self.db, &token).await.map_err(portal_error)?;
        Ok(InviteInfo {
            workspace_name: details.workspace_name,
            email: details.invite.email,
            role: details.invite.role,
            account_exists: details.account_exists,
        })
    }

    async fn accept_invite(&self, req: &RequestInfo, token: String, password: String) -> Result<String, PortalError> {
        let ip = req.client_ip.as_deref().unwrap_or("unknown");
        // Accepting checks a password, so it shares the sign-in budget of the address.
        self.throttle(Limited::SignInFrom { client: ip }).await?;
        let token = Token::presented(&token).ok_or_else(|| PortalError::NotFound("invite not found".into()))?;
        let (viewer, session) = accounts::accept_invite(&self.db, &token, &password).await.map_err(portal_error)?;
        tracing::info!(account_id = %viewer.account_id, workspace_id = %viewer.workspace_id, "invitation accepted");
        Ok(self.cookie(&session))
    }
}
