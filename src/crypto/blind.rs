//! The blind index: "this defender already has a case" without decrypting anything.
//!
//! HMAC-SHA-256, under an index key kept apart from the age identities, over a normalised
//! name: Unicode NFKD with combining marks (diacritics) dropped, recomposed with NFKC,
//! case-folded, punctuation treated as spaces, tokens sorted. "Ana-María López" and
//! "lopez ana maria" give the same index.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::CryptoError;
use crate::domain::Sensitive;

/// The 32-byte HMAC key of the blind index.
#[derive(Clone)]
pub struct IndexKey(Sensitive<[u8; 32]>);

impl std::fmt::Debug for IndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexKey([redacted])")
    }
}

impl IndexKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Sensitive::new(bytes))
    }

    /// A new random key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| CryptoError::Random)?;
        Ok(Self::new(bytes))
    }

    /// Reads the key from its text form: 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        super::hex::decode(text)
            .map(Self::new)
            .ok_or(CryptoError::IndexKeyInvalid)
    }

    pub fn to_hex(&self) -> Sensitive<String> {
        Sensitive::new(super::hex::encode(self.0.expose()))
    }

    /// A keyed hash of `parts` for `purpose` alone (e.g. `idempotency request`), under a key
    /// derived from this one for that purpose (HMAC-SHA-256 twice): what is stored is not a hash
    /// a reader of the database could recompute from guesses, and no two purposes share a key.
    pub fn keyed_hash(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut derive =
            <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose()).expect("HMAC takes a key of any length");
        derive.update(b"vigil derived key v1\0");
        derive.update(purpose.as_bytes());
        let derived = derive.finalize().into_bytes();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&derived).expect("HMAC takes a key of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The index of a name, or None for a name with nothing to index.
    pub fn index(&self, name: &Sensitive<String>) -> Option<[u8; 32]> {
        let normalised = normalise(name.expose());
        if normalised.is_empty() {
            return None;
        }
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose()).ok()?;
        mac.update(b"vigil blind index v1\0");
        mac.update(normalised.as_bytes());
        Some(mac.finalize().into_bytes().into())
    }
}

fn normalise(name: &str) -> String {
    let stripped: String = name.nfkd().filter(|c| !is_combining_mark(*c)).nfkc().collect();
    let folded: String = stripped
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut tokens: Vec<&str> = folded.split_whitespace().collect();
    tokens.sort_unstable();
    tokens.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyed_hash_needs_the_key_and_belongs_to_its_purpose() {
        let key = IndexKey::new([7; 32]);
        let hash = key.keyed_hash("idempotency request", &[b"POST", b"/api/v1/cases", b"{}"]);
        assert_eq!(
            hash,
            key.keyed_hash("idempotency request", &[b"POST", b"/api/v1/cases", b"{}"])
        );
        assert_ne!(
            hash,
            IndexKey::new([8; 32]).keyed_hash("idempotency request", &[b"POST", b"/api/v1/cases", b"{}"])
        );
        assert_ne!(
            hash,
            key.keyed_hash("another purpose", &[b"POST", b"/api/v1/cases", b"{}"])
        );
        // Parts are length-prefixed: moving a byte from one to the next changes the hash.
        assert_ne!(
            hash,
            key.keyed_hash("idempotency request", &[b"POST/", b"api/v1/cases", b"{}"])
        );
    }

    fn name(text: &str) -> Sensitive<String> {
        Sensitive::new(text.to_owned())
    }

    #[test]
    fn spelling_variants_of_one_name_share_an_index() {
        let key = IndexKey::generate().unwrap();
        let a = key.index(&name("Ana-María López")).unwrap();
        for variant in [
            "lopez ana maria",
            "LÓPEZ, Ana María",
            "  Ana   Maria  LOPEZ ",
            "Ａｎａ María López",
        ] {
            assert_eq!(key.index(&name(variant)), Some(a), "{variant}");
        }
        assert_ne!(key.index(&name("Ana López")), Some(a));
        assert_eq!(key.index(&name(" - ")), None);
    }

    #[test]
    fn the_index_depends_on_the_key() {
        let n = name("Ana López");
        assert_ne!(
            IndexKey::generate().unwrap().index(&n),
            IndexKey::generate().unwrap().index(&n)
        );
    }

    #[test]
    fn keys_round_trip_through_hex_and_hide_in_debug() {
        let key = IndexKey::generate().unwrap();
        let again = IndexKey::from_hex(key.to_hex().expose()).unwrap();
        assert_eq!(key.index(&name("x y")), again.index(&name("x y")));
        assert_eq!(format!("{key:?}"), "IndexKey([redacted])");
        assert!(IndexKey::from_hex("zz").is_err());
    }
}
