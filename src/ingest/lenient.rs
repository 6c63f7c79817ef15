//! Serde helpers for the numbers OTLP/JSON writers disagree on: int64 as decimal strings or
//! numbers, enums as integers or names.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// A `u64` written as a JSON number or a decimal string (OTLP's int64 rule). Absent or null is 0.
pub fn u64_any<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an unsigned integer or a decimal string")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("must not be negative, got {v}")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            if v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 {
                Ok(v as u64)
            } else {
                Err(E::custom(format!(
                    "must be a whole non-negative number, got {v}"
                )))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            if v.is_empty() {
                return Ok(0);
            }
            v.trim()
                .parse()
                .map_err(|_| E::custom(format!("'{v}' is not a decimal integer")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
            Ok(0)
        }
    }
    d.deserialize_any(V)
}

/// A `u32` count or flag field, number or string.
pub fn u32_any<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u64_any(d)?;
    u32::try_from(v).map_err(|_| de::Error::custom(format!("{v} does not fit in 32 bits")))
}

/// An OTLP enum written as an integer or as its name; names are resolved by `by_name`.
pub fn enum_any<'de, D: Deserializer<'de>>(d: D) -> Result<EnumRepr, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = EnumRepr;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an enum integer or name")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<EnumRepr, E> {
            Ok(EnumRepr::Number(i32::try_from(v).unwrap_or(i32::MAX)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<EnumRepr, E> {
            Ok(EnumRepr::Number(i32::try_from(v).unwrap_or(i32::MAX)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<EnumRepr, E> {
            match v.trim().parse::<i32>() {
                Ok(n) => Ok(EnumRepr::Number(n)),
                Err(_) => Ok(EnumRepr::Name(v.to_owned())),
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<EnumRepr, E> {
            Ok(EnumRepr::Number(0))
        }
    }
    d.deserialize_any(V)
}

/// An enum as written: a number or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumRepr {
    Number(i32),
    Name(String),
}

impl Default for EnumRepr {
    fn default() -> Self {
        Self::Number(0)
    }
}
