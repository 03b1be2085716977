//! Signed, chained lines: the form of both files Vigil keeps outside the database (the audit
//! checkpoints and the erasure ledger).
//!
//! A line is `{"<field>":{…},"signature":"…"}`: the signature (Ed25519, hex) is over the exact
//! bytes of the entry object as written, so checking a line needs no canonical re-encoding.
//! Each entry names its sequence number (1 for the first) and the SHA-256 of the line before
//! it, so a line removed, reordered or edited is noticed by whoever holds the public key.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::crypto::{PublicKey, SigningKey, hex};

/// What a signed line carries.
pub trait Entry: Serialize + DeserializeOwned {
    /// The key the entry sits under in its line: `checkpoint`, `erasure`.
    const FIELD: &'static str;
    /// 1 for the first entry, one more for each after it.
    fn seq(&self) -> i64;
    /// The SHA-256 (hex) of the line before, as written; 64 zeros for the first.
    fn prev(&self) -> &str;
}

/// A line that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("is not a line of this file")]
    Malformed,
    #[error("its signature is not one of this key")]
    BadSignature,
}

/// Why a line does not follow the one before it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("{0}")]
    Line(#[from] LineError),
    #[error("is {what} {found} where {what} {expected} belongs")]
    OutOfOrder {
        what: &'static str,
        expected: i64,
        found: i64,
    },
    #[error("does not follow the {what} before it")]
    Unlinked { what: &'static str },
}

/// An entry with its signature, and the line they make.
#[derive(Debug, Clone)]
pub struct Signed<T> {
    pub entry: T,
    text: String,
}

impl<T: Entry> Signed<T> {
    pub fn sign(entry: T, key: &SigningKey) -> Self {
        // The entries are structs of strings and numbers, which always serialise.
        let body = serde_json::to_string(&entry).unwrap_or_default();
        let signature = hex::encode(&key.sign(body.as_bytes()));
        let text = format!(r#"{{"{}":{body},"signature":"{signature}"}}"#, T::FIELD);
        Self { entry, text }
    }

    /// Reads a line and checks its signature under `key`.
    pub fn parse(text: &str, key: &PublicKey) -> Result<Self, LineError> {
        let mut raw: BTreeMap<String, Box<RawValue>> = serde_json::from_str(text).map_err(|_| LineError::Malformed)?;
        let (Some(body), Some(signature)) = (raw.remove(T::FIELD), raw.remove("signature")) else {
            return Err(LineError::Malformed);
        };
        if !raw.is_empty() {
            return Err(LineError::Malformed);
        }
        let entry: T = serde_json::from_str(body.get()).map_err(|_| LineError::Malformed)?;
        let signature: String = serde_json::from_str(signature.get()).map_err(|_| LineError::Malformed)?;
        let signature = hex::decode::<64>(&signature).ok_or(LineError::Malformed)?;
        if !key.verifies(body.get().as_bytes(), &signature) {
            return Err(LineError::BadSignature);
        }
        Ok(Self {
            entry,
            text: text.to_owned(),
        })
    }

    /// The line as written to the file (without its newline).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What the entry after this one names as `prev`.
    pub fn hash(&self) -> String {
        line_hash(&self.text)
    }

    /// The sequence number and `prev` of the entry that follows this one (None: the first).
    pub fn next(this: Option<&Self>) -> (i64, String) {
        match this {
            None => (1, no_previous()),
            Some(before) => (before.entry.seq() + 1, before.hash()),
        }
    }
}

/// Reads `text` as the line after `previous` (None: the first), signed under `key`.
pub fn follow<T: Entry>(previous: Option<&Signed<T>>, text: &str, key: &PublicKey) -> Result<Signed<T>, LinkError> {
    let line = Signed::<T>::parse(text, key)?;
    let (expected, prev) = Signed::next(previous);
    if line.entry.seq() != expected {
        return Err(LinkError::OutOfOrder {
            what: T::FIELD,
            expected,
            found: line.entry.seq(),
        });
    }
    if line.entry.prev() != prev {
        return Err(LinkError::Unlinked { what: T::FIELD });
    }
    Ok(line)
}

/// Reads `texts` as one chain under `key`: the lines up to the first that is not signed by it
/// or does not follow the one before, and that one's number (from 1) with why.
pub fn chain<T: Entry>(texts: &[String], key: &PublicKey) -> (Vec<Signed<T>>, Option<(usize, LinkError)>) {
    let mut lines: Vec<Signed<T>> = Vec::with_capacity(texts.len());
    for (index, text) in texts.iter().enumerate() {
        match follow(lines.last(), text, key) {
            Ok(line) => lines.push(line),
            Err(e) => return (lines, Some((index + 1, e))),
        }
    }
    (lines, None)
}

/// The SHA-256 (hex) of a line as written; what the entry after it names as `prev`.
pub fn line_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes()))
}

/// The `prev` of the first entry.
pub fn no_previous() -> String {
    "0".repeat(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
    struct Note {
        seq: i64,
        prev: String,
    }

    impl Entry for Note {
        const FIELD: &'static str = "note";
        fn seq(&self) -> i64 {
            self.seq
        }
        fn prev(&self) -> &str {
            &self.prev
        }
    }

    #[test]
    fn lines_follow_in_order_and_a_gap_a_swap_or_another_key_is_noticed() {
        let key = SigningKey::generate().unwrap();
        let public = key.public();
        let first = Signed::sign(
            Note {
                seq: 1,
                prev: no_previous(),
            },
            &key,
        );
        let second = Signed::sign(
            Note {
                seq: 2,
                prev: first.hash(),
            },
            &key,
        );
        let third = Signed::sign(
            Note {
                seq: 3,
                prev: second.hash(),
            },
            &key,
        );
        let read = follow::<Note>(None, first.text(), &public).unwrap();
        let read = follow(Some(&read), second.text(), &public).unwrap();
        assert_eq!(read.entry, second.entry);
        assert_eq!(
            follow(Some(&first), third.text(), &public).err(),
            Some(LinkError::OutOfOrder {
                what: "note",
                expected: 2,
                found: 3
            })
        );
        let forked = Signed::sign(
            Note {
                seq: 2,
                prev: no_previous(),
            },
            &key,
        );
        assert_eq!(
            follow(Some(&first), forked.text(), &public).err(),
            Some(LinkError::Unlinked { what: "note" })
        );
        let other = SigningKey::generate().unwrap();
        assert_eq!(
            follow::<Note>(None, first.text(), &other.public()).err(),
            Some(LinkError::Line(LineError::BadSignature))
        );
        // Another kind of line, or one with more fields, is not read as this kind.
        let extra = first.text().replacen('{', r#"{"more":1,"#, 1);
        assert_eq!(Signed::<Note>::parse(&extra, &public).err(), Some(LineError::Malformed));
        let renamed = first.text().replacen("note", "checkpoint", 1);
        assert_eq!(
            Signed::<Note>::parse(&renamed, &public).err(),
            Some(LineError::Malformed)
        );
    }
}
