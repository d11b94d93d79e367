//! Validated base URLs for Clerk's Backend API and Frontend API.
//!
//! Both are normalised to end in `/v1` without a trailing slash, so request
//! paths can be appended with a plain `format!`. Plain `http` is refused
//! except for loopback hosts (local emulators), because the Backend API
//! request carries the secret key.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use reqwest::Url;

/// Clerk's production Backend API, as users usually write it.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";

/// A validated Backend API base URL such as `https://api.clerk.com/v1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiUrl(String);

impl ApiUrl {
    /// Parses and normalises a Backend API URL; see the module docs for the
    /// rules. The error is a short sentence naming the problem.
    pub fn parse(s: &str) -> Result<ApiUrl, String> {
        parse_base(s, "API URL").map(ApiUrl)
    }

    /// The normalised base, ending in `/v1`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ApiUrl {
    fn default() -> ApiUrl {
        ApiUrl(format!("{DEFAULT_API_URL}/v1"))
    }
}

impl fmt::Display for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// True for hosts that never leave the machine: 127.0.0.0/8, ::1, localhost.
pub(crate) fn is_loopback(url: &Url) -> bool {
    // `host_str` gives IPv6 literals in brackets; the `url` crate has already
    // normalised IPv4 forms such as `127.1` to dotted quads.
    let Some(host) = url.host_str() else {
        return false;
    };
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return ip.is_loopback();
    }
    host.eq_ignore_ascii_case("localhost")
}

/// Shared rules for Backend and Frontend API base URLs; `what` names the
/// setting in error messages.
pub(crate) fn parse_base(s: &str, what: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(format!("The {what} is empty."));
    }
    let mut url = Url::parse(s).map_err(|e| format!("The {what} is not a valid URL ({e})."))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            if !is_loopback(&url) {
                return Err(format!(
                    "The {what} uses http:// for a host that is not loopback; use https:// \
                     so that the secret key does not travel in clear text."
                ));
            }
        }
        other => {
            return Err(format!(
                "The {what} has the scheme \"{other}\"; only https:// is supported."
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("The {what} has no host."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "The {what} must not contain a user name or password."
        ));
    }
    if url.query().is_some() {
        return Err(format!("The {what} must not contain a query string."));
    }
    if url.fragment().is_some() {
        return Err(format!("The {what} must not contain a fragment."));
    }
    let path = url.path().trim_end_matches('/');
    let path = if path.ends_with("/v1") {
        path.to_owned()
    } else {
        format!("{path}/v1")
    };
    url.set_path(&path);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_normalise_to_v1() {
        for (input, want) in [
            ("https://api.clerk.com", "https://api.clerk.com/v1"),
            ("https://api.clerk.com/", "https://api.clerk.com/v1"),
            ("https://api.clerk.com/v1", "https://api.clerk.com/v1"),
            ("https://api.clerk.com/v1/", "https://api.clerk.com/v1"),
            ("  https://api.clerk.com/v1//  ", "https://api.clerk.com/v1"),
            ("HTTPS://API.Clerk.COM", "https://api.clerk.com/v1"),
            ("https://api.clerk.com:443/v1", "https://api.clerk.com/v1"),
            (
                "https://api.clerk.com:8443",
                "https://api.clerk.com:8443/v1",
            ),
            (
                "https://proxy.example/clerk",
                "https://proxy.example/clerk/v1",
            ),
            (
                "https://proxy.example/clerk/",
                "https://proxy.example/clerk/v1",
            ),
            (
                "https://proxy.example/clerk/v1",
                "https://proxy.example/clerk/v1",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1"),
            ("http://127.1.2.3/", "http://127.1.2.3/v1"),
            ("http://localhost:3000/v1", "http://localhost:3000/v1"),
            ("http://LOCALHOST", "http://localhost/v1"),
            ("http://[::1]:9000", "http://[::1]:9000/v1"),
        ] {
            let got = ApiUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got.as_str(), want, "input {input}");
        }
    }

    #[test]
    fn refused_forms_name_the_problem() {
        for (input, needle) in [
            ("", "empty"),
            ("   ", "empty"),
            ("api.clerk.com", "not a valid URL"),
            ("/v1", "not a valid URL"),
            ("http://example.com", "clear text"),
            ("http://api.clerk.com/v1", "clear text"),
            ("http://10.0.0.1", "clear text"),
            ("http://[::2]", "clear text"),
            ("http://localhost.example.com", "clear text"),
            ("ftp://api.clerk.com", "scheme"),
            ("file:///etc/passwd", "scheme"),
            ("https://user:pw@api.clerk.com", "user name or password"),
            ("https://user@api.clerk.com", "user name or password"),
            ("https://api.clerk.com/v1?x=1", "query"),
            ("https://api.clerk.com/v1?", "query"),
            ("https://api.clerk.com/v1#frag", "fragment"),
        ] {
            let err = ApiUrl::parse(input).expect_err(input);
            assert!(err.contains(needle), "{input}: {err}");
            assert!(err.ends_with('.'), "{input}: {err}");
        }
    }

    #[test]
    fn default_is_clerk() {
        assert_eq!(ApiUrl::default().as_str(), "https://api.clerk.com/v1");
        assert_eq!(ApiUrl::parse(DEFAULT_API_URL).unwrap(), ApiUrl::default());
    }
}
