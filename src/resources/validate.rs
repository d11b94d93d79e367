//! Validators for setting values, used by the resource at plan time. They
//! are Clerk's rules from [`crate::rules`], which `clerk-emulator` enforces
//! too, so plan and apply agree. Each returns a sentence saying what is
//! wrong, for the diagnostic.

pub use crate::rules::{
    email, http_origin, npm_version, origin, sign_in_strategy, SIGN_IN_STRATEGIES,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature every validator keeps.
    type Validator = fn(&str) -> Result<(), String>;

    /// The provider's validators are the shared rules, not copies of them.
    #[test]
    fn validators_are_the_shared_rules() {
        let ours: [Validator; 5] = [origin, http_origin, email, npm_version, sign_in_strategy];
        let shared: [Validator; 5] = [
            crate::rules::origin,
            crate::rules::http_origin,
            crate::rules::email,
            crate::rules::npm_version,
            crate::rules::sign_in_strategy,
        ];
        for (value, expected) in [
            ("http://x:0003000", [false, false, false, false, false]),
            ("a@b.c", [false, false, false, false, false]),
            ("https://example.com", [true, true, false, false, false]),
            ("support@example.com", [false, false, true, false, false]),
            ("otp", [false, false, false, true, true]),
        ] {
            for (i, (ours, shared)) in ours.iter().zip(shared).enumerate() {
                assert_eq!(ours(value), shared(value), "{value}");
                assert_eq!(ours(value).is_ok(), expected[i], "{value} #{i}");
            }
        }
    }
}
