//! `clerk_instance_restrictions`: Clerk's `PATCH /v1/instance/restrictions`
//! (who may sign up) as a singleton resource, and the
//! `clerk_instance_restrictions` data source reading the same table.
//!
//! Clerk has no `GET` for this object, and reading it with an empty PATCH
//! would make `terraform plan` a write. The Frontend API environment
//! carries each flag under `user_settings.restrictions.<name>.enabled`
//! (see docs/restrictions-readback.md for the sources), so drift is read
//! from there with drift detection, under the stale-read rule of that
//! edge-cached source. After an apply, Clerk's answer to the PATCH is the
//! state.

use super::singleton::setting::{Kind, Setting, Source};
use super::singleton::{Answer, DataSourceInfo, Singleton};

pub const TYPE_NAME: &str = "clerk_instance_restrictions";

pub static INSTANCE_RESTRICTIONS: Singleton = Singleton {
    type_name: TYPE_NAME,
    path: "/instance/restrictions",
    answer: Answer::Object,
    subject: "instance restrictions",
    description: "Manages the sign-up restrictions of the Clerk instance that the provider's \
        secret key belongs to (allowlist, blocklist, email subaddresses, disposable email \
        domains), through Clerk's `PATCH /v1/instance/restrictions`. Only the restrictions \
        written in the configuration are managed: one left out is never sent and never planned \
        as a change, and `terraform plan` shows exactly what apply sends.\n\n\
        Clerk answers each update with the whole object, which becomes state. Clerk offers no \
        read of this object through the Backend API; with the provider's `drift_detection`, \
        refresh reads the flags from the instance's Frontend API environment.\n\n\
        Destroying this resource only removes it from Terraform state; the instance keeps its \
        restrictions.",
    settings: SETTINGS,
    data_source: Some(DataSourceInfo {
        type_name: TYPE_NAME,
        description: "Reads the sign-up restrictions of the Clerk instance that the provider's \
            secret key belongs to, from its Frontend API environment (the only place Clerk \
            exposes them without a write). Each flag is null when Clerk could not be asked; a \
            warning then says why.",
    }),
    payment_required: "Allowlists, blocklists and the email restrictions are features of \
        Clerk's paid plans: upgrade the instance's plan in the Clerk Dashboard, or remove the \
        setting from the configuration.",
    refusals: &[],
    adjust: None,
};

/// The restrictions, sorted by name.
pub const SETTINGS: &[Setting] = &[
    Setting::new(
        "allowlist",
        Kind::Bool,
        "Whether only identifiers on the instance's allowlist may sign up (and, unless \
        `allowlist_blocklist_disabled_on_sign_in`, sign in).",
    )
    .read(Source::Environment, "/user_settings/restrictions/allowlist/enabled"),
    Setting::new(
        "allowlist_blocklist_disabled_on_sign_in",
        Kind::Bool,
        "Whether the allowlist and blocklist apply to sign-up only, so that existing users \
        can still sign in.",
    )
    .read(
        Source::Environment,
        "/user_settings/restrictions/allowlist_blocklist_disabled_on_sign_in/enabled",
    ),
    Setting::new(
        "block_disposable_email_domains",
        Kind::Bool,
        "Whether sign-ups with email addresses from disposable email providers are refused.",
    )
    .read(
        Source::Environment,
        "/user_settings/restrictions/block_disposable_email_domains/enabled",
    ),
    Setting::new(
        "block_email_subaddresses",
        Kind::Bool,
        "Whether email addresses with a subaddress (`name+tag@example.com`) are refused at sign-up.",
    )
    .read(
        Source::Environment,
        "/user_settings/restrictions/block_email_subaddresses/enabled",
    ),
    Setting::new(
        "blocklist",
        Kind::Bool,
        "Whether identifiers on the instance's blocklist are refused at sign-up (and, unless \
        `allowlist_blocklist_disabled_on_sign_in`, at sign-in).",
    )
    .read(Source::Environment, "/user_settings/restrictions/blocklist/enabled"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_every_flag_is_readable() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(SETTINGS
            .iter()
            .all(|s| s.source() == Some(Source::Environment)));
    }
}
