//! `clerk_oauth_application_settings`: Clerk's `GET`/`PATCH
//! /v1/instance/oauth_application_settings` (how the instance acts as an
//! OAuth authorization server) as a singleton resource, and the
//! `clerk_oauth_application_settings` data source.
//!
//! Clerk resets `default_scopes` to its own defaults on `null`, which a
//! Terraform configuration cannot send: a null attribute means "not
//! managed" here, as everywhere. The docs say how to get the defaults back.

use super::singleton::setting::{Kind, Setting, Source};
use super::singleton::{Answer, DataSourceInfo, Singleton};

pub const TYPE_NAME: &str = "clerk_oauth_application_settings";

pub static OAUTH_APPLICATION_SETTINGS: Singleton = Singleton {
    type_name: TYPE_NAME,
    path: "/instance/oauth_application_settings",
    answer: Answer::Object,
    subject: "OAuth application settings",
    description: "Manages the OAuth application settings of the Clerk instance that the \
        provider's secret key belongs to (dynamic client registration, JWT access tokens, \
        Client ID Metadata Documents, default scopes), through Clerk's \
        `PATCH /v1/instance/oauth_application_settings`. Only the settings written in the \
        configuration are managed: one left out is never sent and never planned as a change, \
        and `terraform plan` shows exactly what apply sends.\n\n\
        Clerk answers each update with the whole object, which becomes state. Refresh reads \
        Clerk's `GET /v1/instance/oauth_application_settings`, so changes made outside \
        Terraform always show.\n\n\
        **Getting Clerk's default scopes back.** Clerk resets `default_scopes` to its own \
        defaults only when it is sent as `null`, and a Terraform configuration cannot send \
        that: a `default_scopes` left out of the configuration is not managed, never sent, and \
        stays as it is. To return to the defaults, remove `default_scopes` from the \
        configuration, then send `{\"default_scopes\": null}` once to Clerk's \
        `PATCH /v1/instance/oauth_application_settings` with the instance's secret key (for \
        example with `curl`). The next refresh reads Clerk's defaults into state, the plan stays \
        empty, and the data source shows them.\n\n\
        Destroying this resource only removes it from Terraform state; the instance keeps its \
        settings.",
    settings: SETTINGS,
    data_source: Some(DataSourceInfo {
        type_name: TYPE_NAME,
        description: "Reads the OAuth application settings of the Clerk instance that the \
            provider's secret key belongs to, from Clerk's \
            `GET /v1/instance/oauth_application_settings`.",
    }),
    payment_required: "Check the instance's plan in the Clerk Dashboard.",
    refusals: &[],
    adjust: None,
};

/// The settings, sorted by name.
pub const SETTINGS: &[Setting] = &[
    Setting::new(
        "client_id_metadata_documents_advertised",
        Kind::Bool,
        "Whether the instance advertises support for Client ID Metadata Documents (CIMD) in \
        its OAuth authorization server metadata.",
    )
    .read(Source::Own, "/client_id_metadata_documents_advertised"),
    Setting::new(
        "client_id_metadata_documents_block_implicitly_allowed_clients",
        Kind::Bool,
        "Whether recorded implicitly allowed CIMD clients are refused on later client lookups. \
        Explicitly allowed clients are still accepted, and access tokens already issued are not \
        revoked.",
    )
    .read(
        Source::Own,
        "/client_id_metadata_documents_block_implicitly_allowed_clients",
    ),
    Setting::new(
        "client_id_metadata_documents_only_allow_pre_registered_clients",
        Kind::Bool,
        "Whether new, unknown CIMD clients are refused. Clients already connected and \
        pre-registered ones are still admitted; deleting a client makes it unknown again.",
    )
    .read(
        Source::Own,
        "/client_id_metadata_documents_only_allow_pre_registered_clients",
    ),
    Setting::new(
        "default_scopes",
        Kind::StringSet,
        "The scopes OAuth applications get by default. The whole set replaces the instance's \
        scopes; `[]` empties it. Removing it from the configuration leaves the scopes as they \
        are; see above for getting Clerk's defaults back.",
    )
    .read(Source::Own, "/default_scopes"),
    Setting::new(
        "dynamic_oauth_client_registration",
        Kind::Bool,
        "Whether OAuth clients may register themselves (dynamic client registration, RFC 7591).",
    )
    .read(Source::Own, "/dynamic_oauth_client_registration"),
    Setting::new(
        "oauth_jwt_access_tokens",
        Kind::Bool,
        "Whether OAuth access tokens are JWTs (`false`: opaque tokens).",
    )
    .read(Source::Own, "/oauth_jwt_access_tokens"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_every_setting_is_read_from_the_own_get() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), 6);
        assert!(SETTINGS
            .iter()
            .all(|s| s.source() == Some(Source::Own) && !s.computed_only));
    }
}
