//! `clerk_instance_communication`: Clerk's `GET`/`PATCH
//! /v1/instance/communication` (the SMS country blocklist) as a singleton
//! resource, and the `clerk_instance_communication` data source.
//!
//! Clerk silently drops codes it does not treat as SMS countries. The
//! engine takes Clerk's answer as state and, when the kept list differs
//! from the one sent, fails the apply with an error naming the dropped
//! codes, instead of Terraform's "inconsistent result".

use super::singleton::setting::{Kind, Setting, Source};
use super::singleton::{Answer, DataSourceInfo, Singleton};

pub const TYPE_NAME: &str = "clerk_instance_communication";

/// The most codes Clerk accepts in one list.
pub const MAX_BLOCKED_COUNTRY_CODES: usize = 250;

pub static INSTANCE_COMMUNICATION: Singleton = Singleton {
    type_name: TYPE_NAME,
    path: "/instance/communication",
    answer: Answer::Object,
    subject: "instance communication settings",
    description: "Manages the SMS communication settings of the Clerk instance that the \
        provider's secret key belongs to (the countries SMS messages are never sent to), \
        through Clerk's `PATCH /v1/instance/communication`. Only the settings written in the \
        configuration are managed: one left out is never sent and never planned as a change, \
        and `terraform plan` shows exactly what apply sends.\n\n\
        Clerk answers each update with the whole object, which becomes state. Clerk silently \
        drops country codes it does not treat as SMS countries; apply then fails with an error \
        naming the dropped codes, and state holds what Clerk kept. Refresh reads Clerk's \
        `GET /v1/instance/communication`, so changes made outside Terraform always show.\n\n\
        Destroying this resource only removes it from Terraform state; the instance keeps its \
        settings.",
    settings: SETTINGS,
    data_source: Some(DataSourceInfo {
        type_name: TYPE_NAME,
        description: "Reads the SMS communication settings of the Clerk instance that the \
            provider's secret key belongs to, from Clerk's `GET /v1/instance/communication`.",
    }),
    payment_required: "Check the instance's plan in the Clerk Dashboard.",
    refusals: &[],
    adjust: None,
};

/// The settings, sorted by name.
pub const SETTINGS: &[Setting] = &[Setting::new(
    "blocked_country_codes",
    Kind::StringSet,
    "ISO 3166-1 alpha-2 codes (two uppercase letters, such as `\"RU\"`) of the countries \
    Clerk never sends SMS messages to, at most 250. The whole set replaces the instance's \
    list; `[]` empties it. Clerk silently drops codes it does not treat as SMS countries: \
    apply then fails naming them, so remove them from the configuration.",
)
.validate(
    country_code,
    "Write each entry as an ISO 3166-1 alpha-2 country code in uppercase, such as \"US\" or \"RU\".",
)
.max_items(MAX_BLOCKED_COUNTRY_CODES)
.read(Source::Own, "/blocked_country_codes")];

/// Clerk's `^[A-Z]{2}$`.
fn country_code(value: &str) -> Result<(), String> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a country code: Clerk accepts two uppercase letters (ISO 3166-1 alpha-2)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_two_uppercase_letters() {
        for good in ["US", "RU", "ZZ"] {
            assert!(country_code(good).is_ok(), "{good}");
        }
        for bad in ["us", "USA", "U", "", "U1", "ÜS", "U S"] {
            assert!(country_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_list_is_read_from_the_own_get_and_capped() {
        assert_eq!(SETTINGS[0].source(), Some(Source::Own));
        assert_eq!(SETTINGS[0].max_items, Some(250));
    }
}
