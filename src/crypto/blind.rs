//! The blind index: "this defender already has a case" without decrypting anything.
//!
//! HMAC-SHA-256, under a key derived from the index key (kept apart from the age identities)
//! and the case's delegation, so that one name gives unrelated values in two delegations; over
//! a normalised name: Unicode NFKD with combining marks (diacritics) dropped, case-folded, then
//! the Unicode TR39 skeleton (unicode-security), which removes default-ignorable code points
//! (zero-width spaces and joiners, soft hyphens, word joiners) and folds confusables (a
//! Cyrillic "а", a Greek "Ο") to one prototype. Two values are kept: `parts`, the name's parts
//! split at every space, hyphen or punctuation and sorted ("Ana-María López" = "lopez ana
//! maria"), and `joined`, the parts run together in their order ("Ana-María López" =
//! "AnaMaría López"). A case with either value in common with another is a possible duplicate.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::CryptoError;
use crate::domain::{DelegationCode, Sensitive};

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

    /// The index of a defender's name in `delegation`, or None for a name with nothing to index.
    pub fn index(&self, delegation: &DelegationCode, name: &Sensitive<String>) -> Option<BlindIndex> {
        let parts = name_parts(name.expose());
        if parts.is_empty() {
            return None;
        }
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose()).ok()?;
        derive.update(b"vigil blind index v2\0");
        derive.update(delegation.as_str().as_bytes());
        let key = derive.finalize().into_bytes();
        let value = |form: &[u8], text: &str| -> Option<[u8; 32]> {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).ok()?;
            mac.update(form);
            mac.update(text.as_bytes());
            Some(mac.finalize().into_bytes().into())
        };
        let joined = parts.concat();
        let mut sorted = parts;
        sorted.sort_unstable();
        Some(BlindIndex {
            parts: value(b"parts\0", &sorted.join(" "))?,
            joined: value(b"joined\0", &joined)?,
        })
    }
}

/// The version of the blind index written now; `vigil keys reindex` brings older cases to it.
pub const BLIND_INDEX_VERSION: i16 = 2;

/// The two values of a name's blind index (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlindIndex {
    pub parts: [u8; 32],
    pub joined: [u8; 32],
}

/// A name's parts, normalised: compatibility forms and diacritics gone, lower case, the TR39
/// skeleton (no default-ignorable code point, confusables folded), split at anything that is
/// not a letter or a digit.
fn name_parts(name: &str) -> Vec<String> {
    let lower: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    // The skeleton's prototypes may be capitals or carry marks again: fold once more.
    let skeleton: String = unicode_security::skeleton(&lower)
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    skeleton.split_whitespace().map(str::to_owned).collect()
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

    fn kenya() -> DelegationCode {
        DelegationCode::new("EUD_KE")
    }

    /// Whether two spellings are taken for the same defender: either value in common.
    fn same(key: &IndexKey, a: &str, b: &str) -> bool {
        match (key.index(&kenya(), &name(a)), key.index(&kenya(), &name(b))) {
            (Some(a), Some(b)) => a.parts == b.parts || a.joined == b.joined,
            _ => false,
        }
    }

    #[test]
    fn spelling_variants_of_one_name_share_an_index() {
        let key = IndexKey::generate().unwrap();
        for variant in [
            "lopez ana maria",
            "LÓPEZ, Ana María",
            "  Ana   Maria  LOPEZ ",
            "Ａｎａ María López",
            "Ana María López",
            "Ana.María López",
        ] {
            assert!(same(&key, "Ana-María López", variant), "{variant}");
        }
        assert!(!same(&key, "Ana-María López", "Ana López"));
        assert_eq!(key.index(&kenya(), &name(" - ")), None);
    }

    #[test]
    fn invisible_characters_confusable_letters_and_a_dropped_hyphen_do_not_dodge_the_index() {
        let key = IndexKey::generate().unwrap();
        for (what, variant) in [
            ("a zero-width space", "Ana-Ma\u{200B}ría López"),
            ("a zero-width joiner", "Ana-María Ló\u{200D}pez"),
            ("a soft hyphen", "Ana-Ma\u{AD}ría López"),
            ("a word joiner", "Ana-María L\u{2060}ópez"),
            ("a Cyrillic а", "An\u{430}-María López"),
            ("a Greek Ο", "Ana-María L\u{39F}pez"),
            ("the hyphen dropped", "AnaMaría López"),
            ("the hyphen dropped, in lower case", "Anamaria Lopez"),
        ] {
            assert!(same(&key, "Ana-María López", variant), "{what}: {variant:?}");
        }
        assert!(!same(&key, "Ana-María López", "Ana-Mario López"));
    }

    #[test]
    fn the_index_depends_on_the_key_and_on_the_delegation() {
        let n = name("Ana López");
        let key = IndexKey::generate().unwrap();
        assert_ne!(
            key.index(&kenya(), &n),
            IndexKey::generate().unwrap().index(&kenya(), &n)
        );
        let elsewhere = key.index(&DelegationCode::new("EUD_UG"), &n).unwrap();
        let here = key.index(&kenya(), &n).unwrap();
        assert_ne!(here.parts, elsewhere.parts);
        assert_ne!(here.joined, elsewhere.joined);
    }

    #[test]
    fn keys_round_trip_through_hex_and_hide_in_debug() {
        let key = IndexKey::generate().unwrap();
        let again = IndexKey::from_hex(key.to_hex().expose()).unwrap();
        assert_eq!(key.index(&kenya(), &name("x y")), again.index(&kenya(), &name("x y")));
        assert_eq!(format!("{key:?}"), "IndexKey([redacted])");
        assert!(IndexKey::from_hex("zz").is_err());
    }
}
