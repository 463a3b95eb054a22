//! The agencies' identity providers as this server knows them (single sign-on,
//! `services::sso`): each one's discovery document and signing keys, kept between sign-ins and
//! fetched again when its configuration changes or a token names a key it does not have; and
//! the OpenID Connect client made from them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use openidconnect::core::CoreClient;
use openidconnect::{ClientId, ClientSecret, IssuerUrl, ProviderMetadataWithLogout as Metadata, RedirectUrl};

use crate::db::sso::Provider;
use crate::domain::sso::{self as rules, Refusal};
use crate::error::{AppError, AppResult};
use crate::secrets::Keyring;

/// Each agency's provider as discovered (its endpoints and signing keys), kept between
/// sign-ins and fetched again when the configuration changes or a token names a key it does not
/// have (the provider rotated its keys).
pub struct Providers {
    pub(super) http: reqwest::Client,
    discovered: Mutex<HashMap<i64, Arc<Discovered>>>,
}

struct Discovered {
    /// The configuration it was discovered for (changed: discover again).
    updated_at: DateTime<Utc>,
    metadata: Metadata,
}

impl Default for Providers {
    fn default() -> Self {
        let tls = crate::services::webhooks::client_tls().expect("TLS with the platform's certificate verifier");
        // No redirects (the OpenID Connect spec's advice for the back channel: a redirect could
        // take the code or the secret elsewhere); a provider that does not answer in 10 s is
        // unreachable.
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(StdDuration::from_secs(10))
            .user_agent(concat!("wso-tracker/", env!("CARGO_PKG_VERSION"), " (sign-in)"))
            .build()
            .expect("an HTTP client");
        Self {
            http,
            discovered: Mutex::default(),
        }
    }
}

impl Providers {
    /// The provider's metadata and keys: kept, or discovered now (`fresh`: discovered now).
    pub(super) async fn metadata(&self, p: &Provider, fresh: bool) -> Result<Metadata, Refusal> {
        if !fresh {
            let kept = self.discovered.lock().ok().and_then(|d| d.get(&p.agency_id).cloned());
            if let Some(d) = kept.filter(|d| d.updated_at == p.updated_at) {
                return Ok(d.metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(p.issuer.clone()).map_err(|_| Refusal::ProviderUnreachable)?;
        let metadata = Metadata::discover_async(issuer, &self.http).await.map_err(|e| {
            tracing::warn!(agency = %p.agency_code, error = %e, "identity provider discovery failed");
            Refusal::ProviderUnreachable
        })?;
        // Every endpoint it names is https:// (or this machine), like its issuer: the code, the
        // client secret and the keys never travel in clear.
        let mut endpoints = vec![metadata.authorization_endpoint().url(), metadata.jwks_uri().url()];
        endpoints.extend(metadata.token_endpoint().map(|e| e.url()));
        endpoints.extend(metadata.userinfo_endpoint().map(|e| e.url()));
        endpoints.extend(
            metadata
                .additional_metadata()
                .end_session_endpoint
                .as_ref()
                .map(|e| e.url()),
        );
        if let Some(bad) = endpoints.into_iter().find(|u| rules::check_issuer(u).is_err()) {
            tracing::warn!(agency = %p.agency_code, endpoint = %bad, "identity provider names a plain-http endpoint");
            return Err(Refusal::ProviderUnreachable);
        }
        if let Ok(mut d) = self.discovered.lock() {
            d.insert(
                p.agency_id,
                Arc::new(Discovered {
                    updated_at: p.updated_at,
                    metadata: metadata.clone(),
                }),
            );
        }
        Ok(metadata)
    }

    /// The end-session endpoint of the agency's provider (RP-initiated logout), where it has one.
    pub async fn end_session(&self, p: &Provider) -> Option<url::Url> {
        let md = self.metadata(p, false).await.ok()?;
        md.additional_metadata()
            .end_session_endpoint
            .as_ref()
            .map(|e| e.url().clone())
    }
}

pub(super) type Client = openidconnect::core::CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The client for the agency's provider, sending people back to `public_url`.
pub(super) fn client(p: &Provider, keys: &Keyring, metadata: Metadata, public_url: &str) -> AppResult<Client> {
    let secret = p.secret(keys)?;
    let path = super::sso::callback_path(&p.agency_code);
    let redirect = RedirectUrl::new(format!("{}{path}", public_url.trim_end_matches('/')))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("redirect URI: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(redirect))
}
