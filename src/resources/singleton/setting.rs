//! The table of Clerk instance settings this resource manages.
//!
//! One row per setting drives the schema, the conversion from Terraform
//! values, validation, the PATCH body and the read-back, so adding a setting
//! is one new row. Descriptions are written here once; the registry docs
//! are generated from them.

use crate::resources::validate;

/// The Terraform type of a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    String,
    /// A set of strings: Clerk returns list settings in arbitrary order.
    StringSet,
}

impl Kind {
    pub fn value_type(self) -> crate::value::Type {
        use crate::value::Type;
        match self {
            Kind::Bool => Type::Bool,
            Kind::String => Type::String,
            Kind::StringSet => Type::set(Type::String),
        }
    }
}

/// Where Clerk lets a setting's stored value be read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readback {
    /// Backend API `GET /v1/instance`, always read on refresh.
    Instance,
    /// Backend API `GET /v1/domains` (primary domain); with drift detection.
    Domains,
    /// Frontend API `GET /v1/environment`; with drift detection.
    Environment,
    /// Not readable anywhere: state keeps what was last applied.
    WriteOnly,
}

/// Checks one known value and says what is wrong with it.
pub type Validator = fn(&str) -> Result<(), String>;

pub struct Setting {
    /// Attribute name and JSON key in `PATCH /v1/instance`: the same word.
    pub name: &'static str,
    pub kind: Kind,
    /// Markdown, shown by Terraform and in the generated docs.
    pub description: &'static str,
    pub deprecated: Option<&'static str>,
    /// Checks one known string value (each element, for a set).
    pub validate: Option<Validator>,
    /// What to do when validation fails, for the diagnostic.
    pub fix: &'static str,
    pub readback: Readback,
    /// Where the read-back value comes from, for the docs.
    pub readback_source: &'static str,
}

pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "allowed_origins",
        kind: Kind::StringSet,
        description: "Origins, besides the application's own domain, that may call Clerk's Frontend API: \
            needed by browser-like clients such as browser extensions (`chrome-extension://<extension id>`), \
            Electron (`http://localhost:3000` by default) or Capacitor (`capacitor://localhost`). \
            Each entry is an origin, `scheme://host[:port]`, with no path, query or trailing slash. \
            The whole set replaces the instance's list; `[]` empties it.",
        deprecated: None,
        validate: Some(validate::origin),
        fix: "Write each entry as scheme://host[:port], such as \"https://app.example.com\" or \"chrome-extension://<extension id>\", without a path or trailing slash.",
        readback: Readback::Instance,
        readback_source: "Backend API `GET /v1/instance` → `allowed_origins`",
    },
    Setting {
        name: "clerk_js_version",
        kind: Kind::String,
        description: "The npm version or range of `@clerk/clerk-js` that Clerk's hosted pages load, \
            such as `\"5\"`, `\"5.14.0\"` or `\"^5.1\"`. `\"\"` removes the pinned version. \
            New instances start with a version already stored (for example `\"5\"`).",
        deprecated: None,
        validate: Some(validate_clerk_js_version),
        fix: "Use an npm version or range of @clerk/clerk-js, such as \"5\" or \"^5.14.0\", or \"\" to remove the pinned version.",
        readback: Readback::Environment,
        readback_source: "Frontend API `GET /v1/environment` → `display_config.clerk_js_version`",
    },
    Setting {
        name: "development_origin",
        kind: Kind::String,
        description: "The origin of the application during development (an `http://` or `https://` \
            origin such as `http://localhost:3000`), which Clerk uses for redirects and session \
            syncing without third-party cookies. Development instances only: Clerk refuses it on a \
            production instance. `\"\"` clears it.",
        deprecated: None,
        validate: Some(validate_development_origin),
        fix: "Use an http:// or https:// origin without a path, such as \"http://localhost:3000\", or \"\" to clear it.",
        readback: Readback::Domains,
        readback_source: "Backend API `GET /v1/domains` → primary domain's `development_origin`",
    },
    Setting {
        name: "enhanced_email_deliverability",
        kind: Kind::Bool,
        description: "Whether Clerk sends verification emails from its own shared domain instead of \
            the application's, which can help a domain with a low sending reputation. Only \
            compatible with email codes (OTP).",
        deprecated: Some(
            "Clerk removed this setting from its Backend API specification in November 2025 and \
             has said it no longer has any effect. Remove it from the configuration.",
        ),
        validate: None,
        fix: "",
        readback: Readback::Environment,
        readback_source: "Frontend API `GET /v1/environment` → `auth_config.enhanced_email_deliverability`",
    },
    Setting {
        name: "hibp",
        kind: Kind::Bool,
        description: "Whether Clerk checks passwords against the Have I Been Pwned database of breached \
            passwords and refuses those found there.",
        deprecated: None,
        validate: None,
        fix: "",
        readback: Readback::Environment,
        readback_source: "Frontend API `GET /v1/environment` → `user_settings.password_settings.disable_hibp`, inverted",
    },
    Setting {
        name: "preferred_sign_in_strategy_when_password_required",
        kind: Kind::String,
        description: "When the instance requires a password, which sign-in strategy Clerk's components \
            offer first: `\"password\"` or `\"otp\"`. `\"\"` removes the override (Clerk then prefers \
            `password`). Has no effect while passwords are not required.",
        deprecated: None,
        validate: Some(validate::sign_in_strategy),
        fix: "Use \"password\" or \"otp\", or \"\" to remove the override.",
        readback: Readback::WriteOnly,
        readback_source: "cannot be read back: Clerk's Frontend API shows the strategy in effect, not the stored override",
    },
    Setting {
        name: "support_email",
        kind: Kind::String,
        description: "The support email address shown to users on Clerk's pages and emails. `\"\"` removes it.",
        deprecated: None,
        validate: Some(validate_support_email),
        fix: "Use a complete email address, such as \"support@example.com\", or \"\" to remove the support email.",
        readback: Readback::Environment,
        readback_source: "Frontend API `GET /v1/environment` → `display_config.support_email`",
    },
    Setting {
        name: "test_mode",
        kind: Kind::Bool,
        description: "Whether test mode is on, which allows Clerk's test email addresses and phone \
            numbers (for example `+clerk_test` addresses) to sign in with fixed codes. Clerk turns \
            it on by default for development instances.",
        deprecated: None,
        validate: None,
        fix: "",
        readback: Readback::Environment,
        readback_source: "Frontend API `GET /v1/environment` → `auth_config.test_mode`",
    },
    Setting {
        name: "url_based_session_syncing",
        kind: Kind::Bool,
        description: "Whether a development instance syncs sessions through the URL instead of \
            third-party cookies, for browsers that block them.",
        deprecated: None,
        validate: None,
        fix: "",
        readback: Readback::Environment,
        readback_source: "Frontend API `GET /v1/environment` → `auth_config.url_based_session_syncing`",
    },
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

pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            .filter(|s| s.readback == Readback::WriteOnly)
            .map(|s| s.name)
            .collect();
        assert_eq!(
            write_only,
            ["preferred_sign_in_strategy_when_password_required"]
        );
    }
}
