//! Validators for setting values, shared by the resource and the emulator's
//! tests. Each returns a sentence saying what is wrong, for the diagnostic.

/// `scheme://host[:port]`, with no path, query or fragment. Custom schemes
/// such as `chrome-extension://` and `capacitor://` are origins too.
pub fn origin(value: &str) -> Result<(), String> {
    let Some((scheme, authority)) = value.split_once("://") else {
        return Err(format!("{value:?} is not an origin: it has no scheme"));
    };
    let mut scheme_chars = scheme.chars();
    let scheme_ok = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(format!(
            "{value:?} is not an origin: {scheme:?} is not a valid scheme"
        ));
    }
    if let Some(at) = authority.find(['/', '?', '#']) {
        let what = match &authority[at..at + 1] {
            "/" if at + 1 == authority.len() => "a trailing slash",
            "/" => "a path",
            "?" => "a query",
            _ => "a fragment",
        };
        return Err(format!("{value:?} is not an origin: it has {what}"));
    }
    if authority.contains('@') {
        return Err(format!(
            "{value:?} is not an origin: it must not contain user information"
        ));
    }
    let (host, port) = split_host_port(authority)
        .ok_or_else(|| format!("{value:?} is not an origin: the host or port is malformed"))?;
    if host.is_empty() {
        return Err(format!("{value:?} is not an origin: the host is empty"));
    }
    if let Some(port) = port {
        match port.parse::<u32>() {
            Ok(1..=65535) if !port.starts_with('+') => {}
            _ => {
                return Err(format!(
                    "{value:?} is not an origin: {port:?} is not a valid port"
                ))
            }
        }
    }
    Ok(())
}

/// Splits `host[:port]`, keeping bracketed IPv6 literals whole.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let valid = !inside.is_empty()
            && inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if !valid {
            return None;
        }
        return match after {
            "" => Some((&authority[..inside.len() + 2], None)),
            _ => Some((
                &authority[..inside.len() + 2],
                Some(after.strip_prefix(':')?),
            )),
        };
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let valid = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '%'));
    valid.then_some((host, port))
}

/// An origin whose scheme is http or https.
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

/// A plausible email address: one `@`, a non-empty local part and a dotted
/// domain, no spaces. Clerk does the full check; this catches typos at plan.
pub fn email(value: &str) -> Result<(), String> {
    let plausible = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
    if plausible {
        Ok(())
    } else {
        Err(format!("{value:?} is not a valid email address"))
    }
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

pub fn sign_in_strategy(value: &str) -> Result<(), String> {
    if SIGN_IN_STRATEGIES.contains(&value) {
        Ok(())
    } else {
        Err(format!("{value:?} is not a supported strategy"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for ok in [
            "https://example.com",
            "http://localhost:3000",
            "chrome-extension://mnhbilbfebpbokpjjamapdecdgieldho",
            "capacitor://localhost",
            "my-app://localhost",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
            "https://sub.domain.example.co.uk",
        ] {
            assert_eq!(origin(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("https://example.com/", "trailing slash"),
            ("https://example.com/app", "a path"),
            ("https://example.com?x=1", "a query"),
            ("https://example.com#top", "a fragment"),
            ("example.com", "no scheme"),
            ("https://", "host is empty"),
            ("https://user@example.com", "user information"),
            ("https://example.com:99999", "not a valid port"),
            ("https://example.com:", "not a valid port"),
            ("1http://example.com", "not a valid scheme"),
            ("https://exa mple.com", "malformed"),
        ] {
            let error = origin(bad).expect_err(bad);
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn development_origin_must_be_http() {
        assert!(http_origin("http://localhost:3000").is_ok());
        assert!(http_origin("HTTPS://example.com").is_ok());
        assert!(http_origin("capacitor://localhost").is_err());
        assert!(http_origin("https://example.com/path").is_err());
    }

    #[test]
    fn emails() {
        for ok in ["support@example.com", "a.b+c@sub.example.org"] {
            assert!(email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "support",
            "support@",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
            "a@example..com",
            "a@.example.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
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
    fn strategies() {
        assert!(sign_in_strategy("password").is_ok());
        assert!(sign_in_strategy("otp").is_ok());
        assert!(sign_in_strategy("").is_ok());
        assert!(sign_in_strategy("passkey").is_err());
        assert!(sign_in_strategy("OTP").is_err());
    }
}
