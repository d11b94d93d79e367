//! The value rules of Clerk's configuration lists, in one place: the
//! provider checks them at plan time and `clerk-emulator` enforces the same
//! functions, so a value that passes `terraform plan` is one the emulated
//! API accepts. From the spec (bapi 2026-05-12): a redirect URL is a full
//! URL with `https://` or a custom scheme (`my-app://callback`); an
//! allow-list identifier is an email address, a phone number or a web3
//! wallet; a block-list identifier may also be an email domain, written
//! `*@example.com`. A domain name is only checked for what is wrong
//! everywhere (a scheme, a path, spaces): whether a port is allowed
//! depends on the instance's environment, which Clerk (and the emulator's
//! own rules) judge.

/// A domain name as Clerk's `/v1/domains` takes it: a host name (with a
/// port on development instances), without scheme, path or spaces. The
/// rest (labels, the port's environment) is Clerk's to judge.
pub fn domain_name(value: &str) -> Result<(), String> {
    let problem = |why: &str| Err(format!("{value:?} is not a valid domain name: {why}"));
    if value.trim().is_empty() {
        return problem("it is empty");
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return problem("it contains a space or a control character");
    }
    if value.contains("://") {
        return problem("give the host name only, without a scheme such as https://");
    }
    if value.contains(['/', '?', '#', '@']) {
        return problem("give the host name only, without a path, query or user");
    }
    Ok(())
}

/// `identifier_type` values Clerk reports.
pub const EMAIL: &str = "email_address";
pub const PHONE: &str = "phone_number";
pub const WEB3: &str = "web3_wallet";

/// A redirect URL: `scheme://rest`, no whitespace.
pub fn redirect_url(value: &str) -> Result<(), String> {
    let problem = |why: &str| Err(format!("{value:?} is not a valid redirect URL: {why}"));
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return problem("it contains a space or a control character");
    }
    let Some((scheme, rest)) = value.split_once("://") else {
        return problem(
            "it must be a full URL starting with https:// or a custom scheme such as my-app://",
        );
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return problem("the scheme before :// must start with a letter and hold only letters, digits, +, - or .");
    }
    if rest.is_empty() {
        return problem("there is nothing after ://");
    }
    if value.len() > 2048 {
        return problem("it is longer than 2048 characters");
    }
    Ok(())
}

fn phone(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn web3_wallet(value: &str) -> bool {
    value
        .strip_prefix("0x")
        .is_some_and(|hex| hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `identifier_type` of an identifier, or why it is none: email
/// address, phone number (E.164, `+` and 7 to 15 digits), web3 wallet
/// (`0x` and 40 hex digits), and with `domains` an email domain
/// (`*@example.com`, typed as an email address).
pub fn identifier_type(value: &str, domains: bool) -> Result<&'static str, String> {
    if value.starts_with('+') {
        return if phone(value) {
            Ok(PHONE)
        } else {
            Err(format!(
                "{value:?} is not a valid phone number: write it in E.164 form, + and 7 to 15 digits"
            ))
        };
    }
    if value.starts_with("0x") && !value.contains('@') {
        return if web3_wallet(value) {
            Ok(WEB3)
        } else {
            Err(format!(
                "{value:?} is not a valid web3 wallet: it must be 0x and 40 hexadecimal digits"
            ))
        };
    }
    if let Some(domain) = value.strip_prefix("*@") {
        if !domains {
            return Err(format!(
                "{value:?} is an email domain, which the allow-list does not take: use an email \
                 address, a phone number or a web3 wallet"
            ));
        }
        return crate::rules::email(&format!("domain@{domain}"))
            .map(|()| EMAIL)
            .map_err(|_| format!("{value:?} is not a valid email domain"));
    }
    let kinds = if domains {
        "an email address, an email domain (*@example.com), a phone number or a web3 wallet"
    } else {
        "an email address, a phone number or a web3 wallet"
    };
    crate::rules::email(value)
        .map(|()| EMAIL)
        .map_err(|why| format!("{why}; an identifier must be {kinds}"))
}

/// An allow-list identifier.
pub fn allowlist_identifier(value: &str) -> Result<(), String> {
    identifier_type(value, false).map(|_| ())
}

/// A block-list identifier.
pub fn blocklist_identifier(value: &str) -> Result<(), String> {
    identifier_type(value, true).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls() {
        for ok in [
            "https://example.com/callback",
            "my-app://oauth-callback",
            "com.example.app://x",
            "http://localhost:3000",
        ] {
            assert!(redirect_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "example.com",
            "https://",
            "https://exa mple.com",
            "1app://x",
            "://x",
        ] {
            assert!(redirect_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn domain_names() {
        for ok in [
            "satellite.example.com",
            "localhost:3001",
            "Docs.Example.com",
        ] {
            assert!(domain_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " ",
            "https://example.com",
            "example.com/app",
            "exa mple.com",
            " example.com",
            "user@example.com",
        ] {
            assert!(domain_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identifiers() {
        let wallet = "0x52908400098527886E0F7030069857D2E4169EE7";
        assert_eq!(identifier_type("a@example.com", false), Ok(EMAIL));
        assert_eq!(identifier_type("+15555550100", false), Ok(PHONE));
        assert_eq!(identifier_type(wallet, false), Ok(WEB3));
        assert_eq!(identifier_type("*@example.com", true), Ok(EMAIL));
        assert!(identifier_type("*@example.com", false).is_err());
        assert!(identifier_type("+0123", false).is_err());
        assert!(identifier_type("+1555abc0100", false).is_err());
        assert!(identifier_type("0x1234", false).is_err());
        assert!(identifier_type("example.com", true).is_err());
        assert!(identifier_type("*@", true).is_err());
        assert!(identifier_type("", true).is_err());
    }
}
