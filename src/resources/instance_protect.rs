//! `clerk_instance_protect`: Clerk's `GET`/`PATCH /v1/instance/protect`
//! (Clerk Protect's rules and Specter) as a singleton resource, and the
//! `clerk_instance_protect` data source reading the same table.
//!
//! The Backend API `GET` is authoritative, so refresh always reads it and
//! drift shows without `drift_detection`. `checks_bypassed` is read-only:
//! Clerk reports it but the PATCH does not accept it.

use super::singleton::setting::{Kind, Setting, Source};
use super::singleton::{Answer, DataSourceInfo, Singleton};

pub const TYPE_NAME: &str = "clerk_instance_protect";

pub static INSTANCE_PROTECT: Singleton = Singleton {
    type_name: TYPE_NAME,
    path: "/instance/protect",
    answer: Answer::Object,
    subject: "instance protect settings",
    description: "Manages the Clerk Protect settings of the Clerk instance that the provider's \
        secret key belongs to (custom rules and Specter), through Clerk's \
        `PATCH /v1/instance/protect`. Only the settings written in the configuration are \
        managed: one left out is never sent and never planned as a change, and `terraform plan` \
        shows exactly what apply sends.\n\n\
        Clerk answers each update with the whole object, which becomes state. Refresh reads \
        Clerk's `GET /v1/instance/protect`, so changes made outside Terraform always show.\n\n\
        Destroying this resource only removes it from Terraform state; the instance keeps its \
        settings.",
    settings: SETTINGS,
    data_source: Some(DataSourceInfo {
        type_name: TYPE_NAME,
        description: "Reads the Clerk Protect settings of the Clerk instance that the provider's \
            secret key belongs to, from Clerk's `GET /v1/instance/protect`.",
    }),
    payment_required: "Clerk Protect is a feature of Clerk's paid plans: upgrade the instance's \
        plan in the Clerk Dashboard, or remove the setting from the configuration.",
    refusals: &[],
    adjust: None,
};

/// The settings, sorted by name.
pub const SETTINGS: &[Setting] = &[
    Setting::new(
        "checks_bypassed",
        Kind::Bool,
        "Whether the instance has opted out of Clerk Protect's prerequisite checks, asserting \
        that its setup already meets the requirements. Read-only: Clerk reports it, but its API \
        does not accept it.",
    )
    .read(Source::Own, "/checks_bypassed")
    .computed_only(),
    Setting::new(
        "rules_enabled",
        Kind::Bool,
        "Whether Clerk Protect's rules are evaluated for the instance's sign-ups and sign-ins.",
    )
    .read(Source::Own, "/rules_enabled"),
    Setting::new(
        "specter_enabled",
        Kind::Bool,
        "Whether Specter, Clerk Protect's bot and fraud detection, is on for the instance.",
    )
    .read(Source::Own, "/specter_enabled"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_read_from_the_own_get_and_only_checks_bypassed_is_computed() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(SETTINGS.iter().all(|s| s.source() == Some(Source::Own)));
        let computed: Vec<&str> = SETTINGS
            .iter()
            .filter(|s| s.computed_only)
            .map(|s| s.name)
            .collect();
        assert_eq!(computed, ["checks_bypassed"]);
    }
}
