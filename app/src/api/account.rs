//! Accounts, sessions and the team: sign-up, sign-in, sign-out, workspace switching, members
//! and invitations.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::PortalError;
#[cfg(feature = "ssr")]
use super::RequestInfo;

/// The signed-in person, in the workspace their session is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub account_id: String,
    pub email: String,
    pub workspace_id: String,
    pub workspace_name: String,
    /// `owner` or `member`.
    pub role: String,
    /// Every workspace the account belongs to, for the switcher.
    pub workspaces: Vec<WorkspaceChoice>,
}

impl Viewer {
    pub fn is_owner(&self) -> bool {
        self.role == "owner"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceChoice {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// The members and pending invitations of the viewer's workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub members: Vec<TeamMember>,
    pub invites: Vec<PendingInvite>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMember {
    pub account_id: String,
    pub email: String,
    pub role: String,
    /// RFC 3339.
    pub joined_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingInvite {
    pub id: String,
    pub email: String,
    pub role: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// A new invitation: the link is shown once, for the owner to pass on, and e-mailed when the
/// server can send e-mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteCreated {
    pub email: String,
    pub url: String,
    /// Whether the link was e-mailed too (only when the server has a mail server).
    pub emailed: bool,
}

/// What an invitation link offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteInfo {
    pub workspace_name: String,
    pub email: String,
    pub role: String,
    /// Whether the invited email has an account already (then its password is asked for).
    pub account_exists: bool,
}

/// The server's implementation of this area. Methods that open or close a session return the
/// `Set-Cookie` header value to send.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait AccountBackend: Send + Sync + 'static {
    async fn viewer(&self, req: &RequestInfo) -> Result<Option<Viewer>, PortalError>;
    async fn sign_up(
        &self,
        req: &RequestInfo,
        email: String,
        password: String,
        workspace: String,
    ) -> Result<String, PortalError>;
    async fn sign_in(&self, req: &RequestInfo, email: String, password: String) -> Result<String, PortalError>;
    async fn sign_out(&self, req: &RequestInfo) -> Result<String, PortalError>;
    async fn switch_workspace(&self, req: &RequestInfo, workspace_id: String) -> Result<(), PortalError>;
    async fn team(&self, req: &RequestInfo) -> Result<Team, PortalError>;
    async fn invite(&self, req: &RequestInfo, email: String, role: String) -> Result<InviteCreated, PortalError>;
    async fn revoke_invite(&self, req: &RequestInfo, id: String) -> Result<(), PortalError>;
    async fn remove_member(&self, req: &RequestInfo, account_id: String) -> Result<(), PortalError>;
    async fn invite_info(&self, token: String) -> Result<InviteInfo, PortalError>;
    async fn accept_invite(&self, req: &RequestInfo, token: String, password: String) -> Result<String, PortalError>;
}

#[cfg(feature = "ssr")]
fn account() -> Result<(std::sync::Arc<dyn AccountBackend>, RequestInfo), PortalError> {
    super::backend::<dyn AccountBackend>()
}

/// The signed-in person, or `None`.
#[server(prefix = "/portal/fn", endpoint = "viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            service.viewer(&req).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "sign_up")]
pub async fn sign_up(email: String, password: String, workspace: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            let cookie = service.sign_up(&req, email, password, workspace).await?;
            super::set_cookie(&cookie);
            leptos_axum::redirect("/dashboard");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            let cookie = service.sign_in(&req, email, password).await?;
            super::set_cookie(&cookie);
            leptos_axum::redirect("/dashboard");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            let cookie = service.sign_out(&req).await?;
            super::set_cookie(&cookie);
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "switch_workspace")]
pub async fn switch_workspace(workspace_id: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            service.switch_workspace(&req, workspace_id).await?;
            leptos_axum::redirect("/dashboard");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "team")]
pub async fn get_team() -> Result<Team, PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            service.team(&req).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "invite_member")]
pub async fn invite_member(email: String, role: String) -> Result<InviteCreated, PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            service.invite(&req, email, role).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "revoke_invite")]
pub async fn revoke_invite(id: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            service.revoke_invite(&req, id).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "remove_member")]
pub async fn remove_member(account_id: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            service.remove_member(&req, account_id).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "invite_info")]
pub async fn get_invite(token: String) -> Result<InviteInfo, PortalError> {
    super::respond(
        async move {
            let (service, _) = account()?;
            service.invite_info(token).await
        }
        .await,
    )
}

#[server(prefix = "/portal/fn", endpoint = "accept_invite")]
pub async fn accept_invite(token: String, password: String) -> Result<(), PortalError> {
    super::respond(
        async move {
            let (service, req) = account()?;
            let cookie = service.accept_invite(&req, token, password).await?;
            super::set_cookie(&cookie);
            leptos_axum::redirect("/dashboard");
            Ok(())
        }
        .await,
    )
}
