//! `clerk_instance_settings`: Clerk's `PATCH /v1/instance` as a singleton
//! resource, and the `clerk_instance` data source reading the same table.

use super::singleton::setting::{Kind, Setting, Source};
use super::singleton::{Answer, DataSourceInfo, Singleton};
use super::validate;

pub const TYPE_NAME: &str = "clerk_instance_settings";

pub static INSTANCE_SETTINGS: Singleton = Singleton {
    type_name: TYPE_NAME,
    path: "/instance",
    answer: Answer::NoContent,
    subject: "instance settings",
    description: "Manages the settings of the Clerk instance that the provider's secret key \
        belongs to, through Clerk's `PATCH /v1/instance`. Only the settings written in the \
        configuration are managed: a setting left out is never sent and never planned as a \
        change, and `terraform plan` shows exactly what apply sends.\n\n\
        Destroying this resource only removes it from Terraform state; the instance keeps \
        its settings.",
    settings: SETTINGS,
    data_source: Some(DataSourceInfo {
        type_name: "clerk_instance",
        description: "Reads the Clerk instance that the provider's secret key belongs to: its ID, \
            environment, and the current value of every instance setting Clerk lets a client \
            read back. `preferred_sign_in_strategy_when_password_required` is absent because \
            Clerk does not expose the stored override.",
    }),
    payment_required: "Check the instance's plan in the Clerk Dashboard.",
    refusals: &[],
    adjust: None,
};

/// The settings, sorted by name.
pub const SETTINGS: &[Setting] = &[
    Setting::new(
        "allowed_origins",
        Kind::StringSet,
        "Origins, besides the application's own domain, that may call Clerk's Frontend API: \
        needed by browser-like clients such as browser extensions (`chrome-extension://<extension id>`), \
        Electron (`http://localhost:3000` by default) or Capacitor (`capacitor://localhost`). \
        Each entry is an origin, `scheme://host[:port]`, with no path, query or trailing slash. \
        The whole set replaces the instance's list; `[]` empties it.",
    )
    .validate(
        validate::origin,
        "Write each entry as scheme://host[:port], such as \"https://app.example.com\" or \"chrome-extension://<extension id>\", without a path or trailing slash.",
    )
    .read(Source::Instance, "/allowed_origins"),
    Setting::new(
        "clerk_js_version",
        Kind::String,
        "The npm version or range of `@clerk/clerk-js` that Clerk's hosted pages load, \
        such as `\"5\"`, `\"5.14.0\"` or `\"^5.1\"`. `\"\"` removes the pinned version. \
        New instances start with a version already stored (for example `\"5\"`).",
    )
    .validate(
        validate_clerk_js_version,
        "Use an npm version or range of @clerk/clerk-js, such as \"5\" or \"^5.14.0\", or \"\" to remove the pinned version.",
    )
    .read(Source::Environment, "/display_config/clerk_js_version"),
    Setting::new(
        "development_origin",
        Kind::String,
        "The origin of the application during development (an `http://` or `https://` \
        origin such as `http://localhost:3000`), which Clerk uses for redirects and session \
        syncing without third-party cookies. Development instances only: Clerk refuses it on a \
        production instance, and so does `terraform plan` once state shows a production \
        instance. `\"\"` clears it.",
    )
    .validate(
        validate_development_origin,
        "Use an http:// or https:// origin without a path, such as \"http://localhost:3000\", or \"\" to clear it.",
    )
    .development_only()
    .read(Source::PrimaryDomain, "/development_origin"),
    Setting::new(
        "enhanced_email_deliverability",
        Kind::Bool,
        "Whether Clerk sends verification emails from its own shared domain instead of \
        the application's, which can help a domain with a low sending reputation. Only \
        compatible with email codes (OTP).",
    )
    .deprecated(
        "Clerk removed this setting from its Backend API specification in November 2025 and \
         has said it no longer has any effect. Remove it from the configuration.",
    )
    .read(Source::Environment, "/auth_config/enhanced_email_deliverability"),
    Setting::new(
        "hibp",
        Kind::Bool,
        "Whether Clerk checks passwords against the Have I Been Pwned database of breached \
        passwords and refuses those found there.",
    )
    .read_inverted(
        Source::Environment,
        "/user_settings/password_settings/disable_hibp",
    ),
    Setting::new(
        "preferred_sign_in_strategy_when_password_required",
        Kind::String,
        "When the instance requires a password, which sign-in strategy Clerk's components \
        offer first: `\"password\"` or `\"otp\"`. `\"\"` removes the override (Clerk then prefers \
        `password`). Has no effect while passwords are not required.",
    )
    .validate(
        validate::sign_in_strategy,
        "Use \"password\" or \"otp\", or \"\" to remove the override.",
    )
    .write_only(
        "Clerk's Frontend API shows the strategy in effect, not the stored override",
    ),
    Setting::new(
        "support_email",
        Kind::String,
        "The support email address shown to users on Clerk's pages and emails. `\"\"` removes it.",
    )
    .validate(
        validate_support_email,
        "Use a complete email address, such as \"support@example.com\", or \"\" to remove the support email.",
    )
    .read(Source::Environment, "/display_config/support_email"),
    Setting::new(
        "test_mode",
        Kind::Bool,
        "Whether test mode is on, which allows Clerk's test email addresses and phone \
        numbers (for example `+clerk_test` addresses) to sign in with fixed codes. Clerk turns \
        it on by default for development instances.",
    )
    .read(Source::Environment, "/auth_config/test_mode"),
    Setting::new(
        "url_based_session_syncing",
        Kind::Bool,
        "Whether a development instance syncs sessions through the URL instead of \
        third-party cookies, for browsers that block them.",
    )
    .read(Source::Environment, "/auth_config/url_based_session_syncing"),
];

fn validate_support_email(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    validate::email(value)
}

fn validate_clerk_js_version(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    validate::npm_version(value)
}

fn validate_development_origin(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    validate::http_origin(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::singleton::setting::Read;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        let names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), 9);
    }

    #[test]
    fn only_the_strategy_override_is_write_only() {
        let write_only: Vec<&str> = SETTINGS
            .iter()
            .filter(|s| matches!(s.read, Read::WriteOnly(_)))
            .map(|s| s.name)
            .collect();
        assert_eq!(
            write_only,
            ["preferred_sign_in_strategy_when_password_required"]
        );
    }
}
