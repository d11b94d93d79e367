//! The value rules of Clerk's instance settings, in one place. The provider
//! checks them at plan time (through `resources::validate`) and
//! `clerk-emulator` enforces the same functions when it answers
//! `PATCH /v1/instance`, so a value that passes `terraform plan` is one the
//! API accepts, and a value the API refuses is refused at plan already.
//!
//! Each rule returns a sentence saying what is wrong with the value; the
//! emulator puts it in its error body and the provider in its diagnostic.
//! [`CASES`] is the shared table of examples both sides are tested against.

/// `scheme://host[:port]`, with no path, query, fragment or user
/// information. Custom schemes such as `chrome-extension://` and
/// `capacitor://` are origins too. The host is ASCII (internationalised
/// names in punycode), an IPv6 literal goes in brackets, and a port is a
/// number from 1 to 65535 written without leading zeros.
pub fn origin(value: &str) -> Result<(), String> {
    let not = |why: &str| Err(format!("{value:?} is not an origin: {why}"));
    let Some((scheme, authority)) = value.split_once("://") else {
        return not("it has no scheme");
    };
    let mut scheme_chars = scheme.chars();
    let scheme_ok = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return not(&format!("{scheme:?} is not a valid scheme"));
    }
    if let Some(at) = authority.find(['/', '?', '#']) {
        let what = match &authority[at..at + 1] {
            "/" if at + 1 == authority.len() => "it has a trailing slash",
            "/" => "it has a path",
            "?" => "it has a query",
            _ => "it has a fragment",
        };
        return not(what);
    }
    if authority.contains('@') {
        return not("it must not contain user information");
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return not("the IPv6 address has no closing bracket");
        };
        let literal_ok = !inside.is_empty()
            && inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'));
        if !literal_ok {
            return not(&format!("[{inside}] is not an IPv6 address"));
        }
        match after {
            "" => (inside, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (inside, Some(port)),
                None => return not("the host or port is malformed"),
            },
        }
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return not("the host is empty");
        }
        if !host.is_ascii() {
            return not(
                "the host must be ASCII (write an internationalised name in punycode, xn--…)",
            );
        }
        let host_ok = host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '%'));
        if !host_ok {
            return not("the host or port is malformed");
        }
        (host, port)
    };
    debug_assert!(!host.is_empty());
    if let Some(port) = port {
        let port_ok = (1..=5).contains(&port.len())
            && port.bytes().all(|b| b.is_ascii_digit())
            && !port.starts_with('0')
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !port_ok {
            return not(&format!(
                "{port:?} is not a valid port (a number from 1 to 65535, without leading zeros)"
            ));
        }
    }
    Ok(())
}

/// An origin whose scheme is http or https (for `development_origin`).
pub fn http_origin(value: &str) -> Result<(), String> {
    origin(value)?;
    let scheme = value
        .split("://")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!("{value:?} is not an http:// or https:// origin"));
    }
    Ok(())
}

/// An email address as Clerk accepts it: at most 254 characters, no spaces
/// or control characters, one `@`, a local part of 1 to 64 characters, and
/// a domain name (not an address literal such as `[127.0.0.1]`) of ASCII
/// labels of letters, digits and inner hyphens, ending in a top-level domain
/// of two or more letters.
pub fn email(value: &str) -> Result<(), String> {
    email_problem(value).map_or(Ok(()), |why| {
        Err(format!("{value:?} is not a valid email address: {why}"))
    })
}

fn email_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("it is empty".into());
    }
    if value.chars().count() > 254 {
        return Some("it is longer than 254 characters".into());
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains a space or a control character".into());
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Some("it has no @".into());
    };
    if local.is_empty() {
        return Some("there is nothing before the @".into());
    }
    if local.chars().count() > 64 {
        return Some("the part before the @ is longer than 64 characters".into());
    }
    if domain.contains('@') {
        return Some("it has more than one @".into());
    }
    if domain.is_empty() {
        return Some("there is no domain after the @".into());
    }
    if domain.starts_with('[') {
        return Some("the domain is an address literal; use a domain name".into());
    }
    if !domain.is_ascii() {
        return Some(
            "the domain must be ASCII (write an internationalised domain in punycode, xn--…)"
                .into(),
        );
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Some("the domain has no dot".into());
    }
    for label in &labels {
        if label.is_empty() {
            return Some(
                "the domain has an empty label (a leading, trailing or doubled dot)".into(),
            );
        }
        if label.len() > 63 {
            return Some(format!(
                "the domain label {label:?} is longer than 63 characters"
            ));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Some(format!(
                "the domain label {label:?} may hold only letters, digits and hyphens"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!(
                "the domain label {label:?} starts or ends with a hyphen"
            ));
        }
    }
    let tld = labels[labels.len() - 1];
    if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(format!(
            "the top-level domain {tld:?} must be two or more letters"
        ));
    }
    None
}

/// A plausible npm version, range or dist-tag for `@clerk/clerk-js`:
/// `5`, `5.14.0`, `^5.1`, `~5.2.x`, `>=5 <6`, `5.0.0-beta.1`, `latest`.
pub fn npm_version(value: &str) -> Result<(), String> {
    let bad = || format!("{value:?} is not an npm version, range or tag");
    if value.len() > 128 || value.trim().is_empty() {
        return Err(bad());
    }
    let is_tag = value.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if is_tag {
        return Ok(());
    }
    for alternative in value.split("||") {
        let alternative = alternative.trim();
        if alternative.is_empty() {
            return Err(bad());
        }
        let parts: Vec<&str> = alternative.split_whitespace().collect();
        // A hyphen range: "1.2 - 2.3".
        if parts.len() == 3 && parts[1] == "-" {
            if !(version(parts[0]) && version(parts[2])) {
                return Err(bad());
            }
            continue;
        }
        for comparator in parts {
            let bare = comparator.trim_start_matches(['^', '~', '>', '<', '=', 'v']);
            if !version(bare) {
                return Err(bad());
            }
        }
    }
    Ok(())
}

/// `major[.minor[.patch]][-prerelease][+build]`, where a part may be a
/// wildcard (`x`, `X`, `*`).
fn version(text: &str) -> bool {
    let (core, build) = text.split_once('+').unwrap_or((text, ""));
    let (core, pre) = core.split_once('-').unwrap_or((core, ""));
    let ident = |s: &str| {
        s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    if (!pre.is_empty() && !ident(pre)) || (!build.is_empty() && !ident(build)) {
        return false;
    }
    if text.contains('+') && build.is_empty() {
        return false;
    }
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() <= 3
        && numbers.iter().all(|n| {
            matches!(*n, "x" | "X" | "*")
                || (!n.is_empty() && n.len() <= 9 && n.chars().all(|c| c.is_ascii_digit()))
        })
}

/// The values Clerk accepts for the password-required strategy override.
pub const SIGN_IN_STRATEGIES: [&str; 3] = ["password", "otp", ""];

/// One of [`SIGN_IN_STRATEGIES`]; `""` clears the override.
pub fn sign_in_strategy(value: &str) -> Result<(), String> {
    if SIGN_IN_STRATEGIES.contains(&value) {
        Ok(())
    } else {
        Err(format!("{value:?} is not a supported strategy"))
    }
}

/// Which rule a [`Case`] is about, named after the setting it guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Each entry of `allowed_origins`.
    Origin,
    /// `development_origin`.
    HttpOrigin,
    /// `support_email`.
    Email,
    /// `preferred_sign_in_strategy_when_password_required`.
    SignInStrategy,
}

impl Rule {
    /// The rule's function.
    pub fn check(self, value: &str) -> Result<(), String> {
        match self {
            Rule::Origin => origin(value),
            Rule::HttpOrigin => http_origin(value),
            Rule::Email => email(value),
            Rule::SignInStrategy => sign_in_strategy(value),
        }
    }
}

/// One example: a value, and `None` if the rule accepts it or `Some(words)`
/// that the refusal must contain.
pub type Case = (Rule, &'static str, Option<&'static str>);

/// The shared table: the provider's plan-time check and the emulator's
/// `PATCH /v1/instance` must both accept exactly the `None` rows.
pub const CASES: &[Case] = &[
    (Rule::Origin, "https://example.com", None),
    (Rule::Origin, "http://localhost:3000", None),
    (
        Rule::Origin,
        "chrome-extension://mnhbilbfebpbokpjjamapdecdgieldho",
        None,
    ),
    (Rule::Origin, "capacitor://localhost", None),
    (Rule::Origin, "my-app://localhost", None),
    (Rule::Origin, "http://127.0.0.1:8080", None),
    (Rule::Origin, "http://[::1]:3000", None),
    (Rule::Origin, "https://a-b.example.co.uk:443", None),
    (Rule::Origin, "http://x:65535", None),
    (Rule::Origin, "https://example.com/", Some("trailing slash")),
    (Rule::Origin, "https://example.com/app", Some("a path")),
    (Rule::Origin, "https://example.com?x=1", Some("a query")),
    (Rule::Origin, "https://example.com#top", Some("a fragment")),
    (Rule::Origin, "example.com", Some("no scheme")),
    (Rule::Origin, "https://", Some("host is empty")),
    (Rule::Origin, "https://:3000", Some("host is empty")),
    (
        Rule::Origin,
        "https://user@example.com",
        Some("user information"),
    ),
    (
        Rule::Origin,
        "https://example.com:99999",
        Some("not a valid port"),
    ),
    (
        Rule::Origin,
        "https://example.com:",
        Some("not a valid port"),
    ),
    (Rule::Origin, "http://x:0003000", Some("not a valid port")),
    (Rule::Origin, "http://x:0", Some("not a valid port")),
    (Rule::Origin, "http://x:+80", Some("not a valid port")),
    (Rule::Origin, "http://x:80:81", Some("not a valid port")),
    (
        Rule::Origin,
        "1http://example.com",
        Some("not a valid scheme"),
    ),
    (Rule::Origin, "https://exa mple.com", Some("malformed")),
    (Rule::Origin, "https://exämple.com", Some("ASCII")),
    (Rule::Origin, "https://[::1", Some("closing bracket")),
    (Rule::Origin, "https://[zz]:1", Some("not an IPv6 address")),
    (Rule::HttpOrigin, "http://localhost:3000", None),
    (Rule::HttpOrigin, "HTTPS://example.com", None),
    (
        Rule::HttpOrigin,
        "capacitor://localhost",
        Some("not an http"),
    ),
    (Rule::HttpOrigin, "ftp://x.example", Some("not an http")),
    (
        Rule::HttpOrigin,
        "http://x:0003000",
        Some("not a valid port"),
    ),
    (Rule::HttpOrigin, "localhost:3000", Some("no scheme")),
    (Rule::Email, "support@example.com", None),
    (Rule::Email, "first.last+tag@sub.example.io", None),
    (Rule::Email, "a@b.co", None),
    (Rule::Email, "a@b.c", Some("top-level domain \"c\"")),
    (Rule::Email, "a@example.c0", Some("top-level domain")),
    (Rule::Email, "user@exämple.com", Some("ASCII")),
    (
        Rule::Email,
        "a@-example.com",
        Some("starts or ends with a hyphen"),
    ),
    (
        Rule::Email,
        "a@example-.com",
        Some("starts or ends with a hyphen"),
    ),
    (Rule::Email, "a@[127.0.0.1]", Some("address literal")),
    (
        Rule::Email,
        "a@exa_mple.com",
        Some("letters, digits and hyphens"),
    ),
    (Rule::Email, "support", Some("no @")),
    (Rule::Email, "support@", Some("no domain")),
    (Rule::Email, "@example.com", Some("nothing before the @")),
    (Rule::Email, "a@b", Some("no dot")),
    (Rule::Email, "a b@example.com", Some("space")),
    (Rule::Email, "a@@example.com", Some("more than one @")),
    (Rule::Email, "a@example..com", Some("empty label")),
    (Rule::Email, "a@.example.com", Some("empty label")),
    (Rule::SignInStrategy, "password", None),
    (Rule::SignInStrategy, "otp", None),
    (
        Rule::SignInStrategy,
        "passkey",
        Some("not a supported strategy"),
    ),
    (
        Rule::SignInStrategy,
        "OTP",
        Some("not a supported strategy"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_table_holds() {
        for (rule, value, refusal) in CASES {
            match (rule.check(value), refusal) {
                (Ok(()), None) => {}
                (Err(error), Some(words)) => {
                    assert!(error.contains(words), "{rule:?} {value:?}: {error}")
                }
                (result, _) => panic!("{rule:?} {value:?}: {result:?}, expected {refusal:?}"),
            }
        }
    }

    #[test]
    fn long_emails_and_labels() {
        let local = "a".repeat(65);
        assert!(email(&format!("{local}@example.com")).is_err());
        let label = "a".repeat(64);
        assert!(email(&format!("a@{label}.com")).is_err());
        let long = format!("a@{}.com", vec!["abc"; 70].join("."));
        assert!(email(&long).unwrap_err().contains("254"));
    }

    #[test]
    fn npm_versions() {
        for ok in [
            "5",
            "5.14.0",
            "^5.1",
            "~5.2.x",
            ">=5 <6",
            "5.0.0-beta.1",
            "latest",
            "5.x",
            "*",
            "1.2 - 2.3",
            "^4 || ^5",
            "v5.1.0",
            "5.0.0+build.7",
        ] {
            assert!(npm_version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "Five", "fi ve", "5..1", "^", "5.1.2.3", "5 ||", "Latest", "5.0.0+", "5;rm",
        ] {
            assert!(npm_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_strategy_clears() {
        assert!(sign_in_strategy("").is_ok());
    }
}
