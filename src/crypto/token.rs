//! API tokens: random, shown once, stored as a SHA-256 hash, checked in constant time.
//!
//! A token reads `vgl_<prefix>_<secret>`: the prefix (8 hex digits) finds the row without
//! revealing the secret; the 64 hex digits of secret carry 256 bits of randomness.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::CryptoError;
use crate::domain::Sensitive;

/// A new token: give `token` to its user once, store `prefix` and `hash`.
#[derive(Debug)]
pub struct NewToken {
    pub token: Sensitive<String>,
    pub prefix: String,
    pub hash: [u8; 32],
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn generate() -> Result<NewToken, CryptoError> {
    let mut prefix = [0u8; 4];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut prefix).map_err(|_| CryptoError::Random)?;
    getrandom::fill(&mut secret).map_err(|_| CryptoError::Random)?;
    let prefix = hex(&prefix);
    let token = format!("vgl_{prefix}_{}", hex(&secret));
    let hash = hash(&token);
    Ok(NewToken {
        token: Sensitive::new(token),
        prefix,
        hash,
    })
}

/// 32 random bytes in hex: a browser session's secret or a form's CSRF token.
pub fn random_secret() -> Result<String, CryptoError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|_| CryptoError::Random)?;
    Ok(hex(&secret))
}

pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The prefix of a well-formed token, for finding its row.
pub fn prefix_of(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("vgl_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let well_formed = prefix.len() == 8
        && secret.len() == 64
        && prefix
            .chars()
            .chain(secret.chars())
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
    well_formed.then_some(prefix)
}

/// Whether `token` hashes to `stored`, in time that does not depend on where they differ.
pub fn matches(token: &str, stored: &[u8]) -> bool {
    hash(token).ct_eq(stored).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_its_hash_and_nothing_else() {
        let new = generate().unwrap();
        assert_eq!(prefix_of(new.token.expose()), Some(new.prefix.as_str()));
        assert!(matches(new.token.expose(), &new.hash));
        let other = generate().unwrap();
        assert!(!matches(other.token.expose(), &new.hash));
        assert!(!matches(new.token.expose(), &new.hash[..31]));
    }

    #[test]
    fn malformed_tokens_have_no_prefix() {
        for bad in [
            "",
            "vgl_",
            "vgl_abcd1234",
            "Bearer x",
            "vgl_ABCD1234_00",
            &format!("vgl_abcd123_{}", "0".repeat(64)),
        ] {
            assert_eq!(prefix_of(bad), None, "{bad}");
        }
    }
}
