//! cty numbers: arbitrary-precision decimals kept as `i64`, `f64` or exact
//! decimal text, always in one canonical form so derived equality works.
//!
//! A value becomes `Float` only when the shortest text of that `f64` denotes
//! exactly the same decimal as the input. That matches cty's own notion of
//! number equality (compare shortest decimal renderings), so round-tripping
//! a number through this type never changes what Terraform sees.

use std::fmt;

/// Largest decimal exponent accepted in number text.
const MAX_EXPONENT: i64 = 1_000_000_000_000;

/// A cty number.
///
/// Canonical forms, produced by every constructor in this module and by the
/// decoders:
/// * integers in `i64` range are `Int`;
/// * integers above that up to `u64::MAX` are `Big` (plain digits);
/// * other values whose shortest `f64` rendering is exact are `Float`
///   (including ±infinity, never NaN);
/// * everything else (e.g. 2^64, `1e400`, 0.1 with 30 significant digits) is
///   `Big` holding canonical decimal text: plain notation (`"0.1000…01"`,
///   `"18446744073709551616"`) unless that would need more than 32 padding
///   zeros, then scientific (`"1e400"`, `"-5e-1000"`). The text is valid JSON
///   and what cty parses. Build `Big` values with [`Number::parse`] so equal
///   numbers compare equal.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
    Big(String),
}

impl Number {
    /// Parses decimal text (`[+-]digits[.digits][e[+-]digits]`) into its
    /// canonical form. Returns `None` for anything else, including `NaN`,
    /// `inf`, hexadecimal and the empty string.
    pub fn parse(text: &str) -> Option<Number> {
        let decimal = Decimal::parse(text)?;
        if decimal.digits.is_empty() {
            return Some(Number::Int(0));
        }
        if let Some(number) = decimal.as_integer() {
            return Some(number);
        }
        // Rust's float parser accepts a superset of the grammar checked above
        // and rounds correctly however long the input is.
        if let Ok(float) = text.parse::<f64>() {
            if float.is_finite() && Decimal::of_f64(float).as_ref() == Some(&decimal) {
                return Some(Number::Float(float));
            }
        }
        Some(Number::Big(decimal.canonical_text()))
    }

    /// Canonical number for a float: integral values in `i64` range become
    /// `Int`. `None` for NaN, which cty cannot represent.
    pub fn from_f64(float: f64) -> Option<Number> {
        if float.is_nan() {
            return None;
        }
        // Powers of two are exact in f64, so these range tests are exact.
        const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
        const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
        if float.fract() == 0.0 {
            // In range and integral, so the casts are exact.
            if (-TWO_POW_63..TWO_POW_63).contains(&float) {
                return Some(Number::Int(float as i64));
            }
            // Same form as a uint64 of that value would get.
            if (TWO_POW_63..TWO_POW_64).contains(&float) {
                return Some(Number::from_u64(float as u64));
            }
        }
        Some(Number::Float(float))
    }

    /// Canonical number for an unsigned integer: above `i64::MAX` it is kept
    /// as exact decimal text.
    pub fn from_u64(unsigned: u64) -> Number {
        match i64::try_from(unsigned) {
            Ok(signed) => Number::Int(signed),
            Err(_) => Number::Big(unsigned.to_string()),
        }
    }

    /// The value as `i64` if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The nearest `f64` (big values may round, or overflow to infinity).
    pub fn as_f64(&self) -> f64 {
        match self {
            Number::Int(i) => *i as f64,
            Number::Float(f) => *f,
            Number::Big(text) => text.parse::<f64>().unwrap_or(f64::NAN),
        }
    }

    /// Canonical text of a `Big` number, valid for both JSON and cty's
    /// msgpack strings, or `None` if the text is not a number at all
    /// (possible only for hand-built values).
    pub(crate) fn big_wire_text(text: &str) -> Option<String> {
        Decimal::parse(text).map(|decimal| decimal.canonical_text())
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number::Int(i)
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Number {
        Number::Int(i64::from(i))
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Number {
        Number::from_u64(u)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) if x.is_infinite() && *x > 0.0 => f.write_str("+Inf"),
            Number::Float(x) if x.is_infinite() => f.write_str("-Inf"),
            // Debug gives the shortest round-trip text, e.g. `0.1` or `1e20`.
            Number::Float(x) => write!(f, "{x:?}"),
            Number::Big(text) => f.write_str(text),
        }
    }
}

/// A decimal as sign, significant digits and a power of ten:
/// value = digits × 10^exponent. Digits carry no leading or trailing zeros,
/// so equal values have equal representations; zero has no digits.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Decimal> {
        let bytes = text.as_bytes();
        let mut pos = 0;
        let mut negative = false;
        match bytes.first() {
            Some(b'-') => {
                negative = true;
                pos = 1;
            }
            Some(b'+') => pos = 1,
            _ => {}
        }
        let mut digits = Vec::new();
        let int_len = take_digits(bytes, &mut pos, &mut digits);
        let mut frac_len = 0;
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            frac_len = take_digits(bytes, &mut pos, &mut digits);
        }
        if int_len == 0 && frac_len == 0 {
            return None;
        }
        let mut exponent: i64 = 0;
        if matches!(bytes.get(pos), Some(b'e' | b'E')) {
            pos += 1;
            let exp_negative = match bytes.get(pos) {
                Some(b'-') => {
                    pos += 1;
                    true
                }
                Some(b'+') => {
                    pos += 1;
                    false
                }
                _ => false,
            };
            let mut exp_digits = 0;
            while let Some(b) = bytes.get(pos).filter(|b| b.is_ascii_digit()) {
                exponent = exponent * 10 + i64::from(b - b'0');
                // Far beyond anything cty can hold (its binary exponent is
                // 32-bit); refusing keeps the arithmetic below in range.
                if exponent > MAX_EXPONENT {
                    return None;
                }
                exp_digits += 1;
                pos += 1;
            }
            if exp_digits == 0 {
                return None;
            }
            if exp_negative {
                exponent = -exponent;
            }
        }
        if pos != bytes.len() {
            return None;
        }
        // Digit counts are bounded by the input length, far below 2^62.
        exponent = exponent.checked_sub(i64::try_from(frac_len).ok()?)?;
        let leading = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..leading);
        let trailing = digits.iter().rev().take_while(|&&d| d == b'0').count();
        digits.truncate(digits.len() - trailing);
        exponent = exponent.checked_add(i64::try_from(trailing).ok()?)?;
        if digits.is_empty() {
            return Some(Decimal {
                negative: false,
                digits,
                exponent: 0,
            });
        }
        Some(Decimal {
            negative,
            digits,
            exponent,
        })
    }

    /// The decimal denoted by the shortest text that round-trips `float`.
    fn of_f64(float: f64) -> Option<Decimal> {
        Decimal::parse(&format!("{float:e}"))
    }

    /// `Int` for integers in `i64` range, `Big` for larger ones up to
    /// `u64::MAX` (cty sends those as uint64), `None` otherwise.
    fn as_integer(&self) -> Option<Number> {
        let exponent = usize::try_from(self.exponent).ok()?;
        // u64::MAX has 20 digits; anything longer cannot fit.
        if self.digits.len().saturating_add(exponent) > 20 {
            return None;
        }
        let mut magnitude: u128 = 0;
        for d in &self.digits {
            magnitude = magnitude * 10 + u128::from(d - b'0');
        }
        for _ in 0..exponent {
            magnitude *= 10;
        }
        if self.negative {
            let signed = -i128::try_from(magnitude).ok()?;
            i64::try_from(signed).ok().map(Number::Int)
        } else if let Ok(signed) = i64::try_from(magnitude) {
            Some(Number::Int(signed))
        } else {
            u64::try_from(magnitude).ok().map(Number::from_u64)
        }
    }

    /// Canonical text: plain notation unless that needs more than
    /// `MAX_PADDING` zeros, then scientific with one leading digit.
    fn canonical_text(&self) -> String {
        const MAX_PADDING: i64 = 32;
        let digits: String = self.digits.iter().map(|&d| char::from(d)).collect();
        if digits.is_empty() {
            return "0".to_owned();
        }
        let sign = if self.negative { "-" } else { "" };
        let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
        if (0..=MAX_PADDING).contains(&self.exponent) {
            let zeros = "0".repeat(usize::try_from(self.exponent).unwrap_or(0));
            return format!("{sign}{digits}{zeros}");
        }
        if self.exponent < 0 {
            let fraction_len = -self.exponent;
            if fraction_len < len {
                let (int_part, frac_part) = digits.split_at(digits.len() - fraction_len as usize);
                return format!("{sign}{int_part}.{frac_part}");
            }
            if fraction_len - len <= MAX_PADDING {
                let zeros = "0".repeat((fraction_len - len) as usize);
                return format!("{sign}0.{zeros}{digits}");
            }
        }
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        let scientific_exponent = self.exponent + len - 1;
        format!("{sign}{first}{point}{rest}e{scientific_exponent}")
    }
}

/// Appends ASCII digits starting at `pos`, returning how many were taken.
fn take_digits(bytes: &[u8], pos: &mut usize, digits: &mut Vec<u8>) -> usize {
    let start = *pos;
    while let Some(&b) = bytes.get(*pos).filter(|b| b.is_ascii_digit()) {
        digits.push(b);
        *pos += 1;
    }
    *pos - start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_picks_the_canonical_form() {
        assert_eq!(Number::parse("42"), Some(Number::Int(42)));
        assert_eq!(Number::parse("-0"), Some(Number::Int(0)));
        assert_eq!(Number::parse("+7"), Some(Number::Int(7)));
        assert_eq!(Number::parse("3.000"), Some(Number::Int(3)));
        assert_eq!(Number::parse("4e2"), Some(Number::Int(400)));
        assert_eq!(Number::parse("12500e-2"), Some(Number::Int(125)));
        assert_eq!(
            Number::parse("-9223372036854775808"),
            Some(Number::Int(i64::MIN))
        );
        assert_eq!(
            Number::parse("9223372036854775808"),
            Some(Number::Big("9223372036854775808".into()))
        );
        assert_eq!(Number::parse("0.1"), Some(Number::Float(0.1)));
        assert_eq!(Number::parse(".5"), Some(Number::Float(0.5)));
        assert_eq!(Number::parse("1e20"), Some(Number::Float(1e20)));
        assert_eq!(Number::parse("-2.5E-3"), Some(Number::Float(-0.0025)));
        assert_eq!(
            Number::parse("0.100000000000000000000000000001"),
            Some(Number::Big("0.100000000000000000000000000001".into()))
        );
        // 2^64 is an exact f64, but its shortest rendering is a different
        // decimal, so only exact text preserves it.
        assert_eq!(
            Number::parse("18446744073709551616"),
            Some(Number::Big("18446744073709551616".into()))
        );
        assert_eq!(Number::parse("1e400"), Some(Number::Big("1e400".into())));
        assert_eq!(Number::parse("1e-400"), Some(Number::Big("1e-400".into())));
        // Non-JSON spellings are rewritten so the text stays valid JSON.
        assert_eq!(Number::parse("+001e400"), Some(Number::Big("1e400".into())));
        assert_eq!(
            Number::parse("-.5e-999"),
            Some(Number::Big("-5e-1000".into()))
        );
    }

    #[test]
    fn parse_rejects_non_numbers() {
        for text in [
            "",
            "-",
            "+",
            ".",
            "e5",
            "1e",
            "1e+",
            "abc",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "0x10",
            " 1",
            "1 ",
            "1.2.3",
            "1e5e5",
            "--1",
            "1_000",
        ] {
            assert_eq!(Number::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn absurd_exponents_are_rejected_not_overflowed() {
        assert_eq!(Number::parse(&format!("1e{}", "9".repeat(40))), None);
        assert_eq!(Number::parse(&format!("1e-{}", "9".repeat(40))), None);
        assert_eq!(
            Number::parse("1e999999999999"),
            Some(Number::Big("1e999999999999".into()))
        );
    }

    #[test]
    fn big_text_is_canonical() {
        let big = |text: &str| match Number::parse(text) {
            Some(Number::Big(canonical)) => canonical,
            other => panic!("{text} parsed as {other:?}"),
        };
        assert_eq!(big("1e+400"), "1e400");
        assert_eq!(big("10e399"), "1e400");
        assert_eq!(big("-1.25E402"), "-1.25e402");
        assert_eq!(big("1.8446744073709551616e19"), "18446744073709551616");
        assert_eq!(
            big("123456789012345678901234567890"),
            "123456789012345678901234567890"
        );
        assert_eq!(
            big("123456789012345678901234567890e5"),
            "12345678901234567890123456789000000"
        );
        assert_eq!(big("12345678901234567890.5"), "12345678901234567890.5");
        // 1.234567890123456789e-36: 35 zeros of padding would be needed.
        assert_eq!(
            big("0.000000000000000000000000000000000001234567890123456789"),
            "1.234567890123456789e-36"
        );
        assert_eq!(
            big("0.00000000000000000000000000000001234567890123456789"),
            "0.00000000000000000000000000000001234567890123456789"
        );
        assert_eq!(big("1.5e-400"), "1.5e-400");
        // Plain up to 32 zeros of padding, then scientific.
        assert_eq!(
            big("12345678901234567890123456789e32"),
            format!("12345678901234567890123456789{}", "0".repeat(32))
        );
        assert_eq!(
            big("12345678901234567890123456789e33"),
            "1.2345678901234567890123456789e61"
        );
    }

    #[test]
    fn from_f64_normalises_integral_values() {
        assert_eq!(Number::from_f64(3.0), Some(Number::Int(3)));
        assert_eq!(Number::from_f64(-0.0), Some(Number::Int(0)));
        assert_eq!(
            Number::from_f64(-9_223_372_036_854_775_808.0),
            Some(Number::Int(i64::MIN))
        );
        assert_eq!(
            Number::from_f64(9_223_372_036_854_775_808.0),
            Some(Number::Big("9223372036854775808".into()))
        );
        assert_eq!(
            Number::from_f64(1e19),
            Some(Number::Big("10000000000000000000".into()))
        );
        assert_eq!(Number::from_f64(1e20), Some(Number::Float(1e20)));
        assert_eq!(Number::from_f64(0.5), Some(Number::Float(0.5)));
        assert_eq!(
            Number::from_f64(f64::INFINITY),
            Some(Number::Float(f64::INFINITY))
        );
        assert_eq!(Number::from_f64(f64::NAN), None);
    }

    #[test]
    fn display_is_decimal_text() {
        assert_eq!(Number::Int(-5).to_string(), "-5");
        assert_eq!(Number::Float(0.1).to_string(), "0.1");
        assert_eq!(Number::Float(f64::NEG_INFINITY).to_string(), "-Inf");
        assert_eq!(Number::Big("1e400".into()).to_string(), "1e400");
    }
}
