//! Typed trace and span ids: fixed-size byte arrays shown as lowercase hex.
//!
//! A trace id can never be passed where a span id is expected. All-zero ids are invalid (OTLP
//! treats them as absent), so parsing rejects them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("expected {expected} hex characters, got {got}")]
    Length { expected: usize, got: usize },
    #[error("'{0}' is not a hex character")]
    NotHex(char),
    #[error("an all-zero id is invalid")]
    AllZero,
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], IdError> {
    let bytes = s.as_bytes();
    if bytes.len() != N * 2 {
        return Err(IdError::Length {
            expected: N * 2,
            got: s.chars().count(),
        });
    }
    let mut out = [0u8; N];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = hex_value(pair[0]).ok_or_else(|| IdError::NotHex(pair[0] as char))?;
        let lo = hex_value(pair[1]).ok_or_else(|| IdError::NotHex(pair[1] as char))?;
        out[i] = (hi << 4) | lo;
    }
    if out.iter().all(|b| *b == 0) {
        return Err(IdError::AllZero);
    }
    Ok(out)
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 32];
    for (i, b) in bytes.iter().enumerate() {
        buf[2 * i] = DIGITS[(b >> 4) as usize];
        buf[2 * i + 1] = DIGITS[(b & 0xf) as usize];
    }
    // The buffer holds only ASCII hex digits.
    f.write_str(std::str::from_utf8(&buf[..bytes.len() * 2]).unwrap_or_default())
}

macro_rules! id_type {
    ($name:ident, $len:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// Builds an id from raw bytes; `None` for a wrong length or an all-zero id.
            pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
                let arr: [u8; $len] = bytes.try_into().ok()?;
                (arr.iter().any(|b| *b != 0)).then_some(Self(arr))
            }

            /// Lowercase hex form.
            pub fn to_hex(&self) -> String {
                self.to_string()
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                parse_hex::<$len>(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(f, &self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    TraceId,
    16,
    "A 16-byte trace id, shown as 32 lowercase hex characters."
);
id_type!(
    SpanId,
    8,
    "An 8-byte span id, shown as 16 lowercase hex characters."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_hex_in_any_case() {
        let t: TraceId = "5B8EFFF798038103D269B633813FC60C".parse().unwrap();
        assert_eq!(t.to_string(), "5b8efff798038103d269b633813fc60c");
        let s: SpanId = "eee19b7ec3c1b174".parse().unwrap();
        assert_eq!(s.to_hex(), "eee19b7ec3c1b174");
    }

    #[test]
    fn bad_ids_say_what_is_wrong() {
        assert_eq!(
            "abc".parse::<SpanId>(),
            Err(IdError::Length {
                expected: 16,
                got: 3
            })
        );
        assert_eq!("zz".repeat(8).parse::<SpanId>(), Err(IdError::NotHex('z')));
        assert_eq!("0".repeat(16).parse::<SpanId>(), Err(IdError::AllZero));
    }
}
