//! The audit signing key: Ed25519 (ed25519-dalek), kept in a file beside the age identity and
//! never in the database. It signs the audit checkpoints; anyone with its public key checks
//! them, offline.

use std::path::Path;

use ed25519_dalek::{Signer, Verifier};

use super::{CryptoError, hex};
use crate::domain::Sensitive;

/// The key that signs checkpoints.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(public {})", self.public())
    }
}

/// The public half: what an auditor holds to check checkpoints and proofs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl SigningKey {
    /// A new random key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|_| CryptoError::Random)?;
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The key from its text form: the 32-byte seed as 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        hex::decode::<32>(text)
            .map(|seed| Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
            .ok_or(CryptoError::SigningKeyInvalid)
    }

    /// The seed as 64 hex digits, for the key file.
    pub fn to_hex(&self) -> Sensitive<String> {
        Sensitive::new(hex::encode(self.0.as_bytes()))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The signature of `message`, 64 bytes.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl PublicKey {
    /// The public key from its text form: 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        hex::decode::<32>(text)
            .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
            .map(Self)
            .ok_or(CryptoError::PublicKeyInvalid)
    }

    /// Whether `signature` is this key's signature of `message` (strict verification: no
    /// malleable or small-order forms).
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.0.verify_strict(message, &signature).is_ok() && self.0.verify(message, &signature).is_ok()
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0.as_bytes()))
    }
}

/// Reads a signing key file: 64 hex digits (comment lines start with `#`). Its contents never
/// appear in an error.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, CryptoError> {
    SigningKey::from_hex(&super::key_line(path)?)
}

/// The text of a new signing key file, naming its public key in a comment.
pub fn signing_key_file_text(key: &SigningKey, what: &str) -> Sensitive<String> {
    Sensitive::new(format!(
        "# {what}\n# public key: {}\n{}\n",
        key.public(),
        key.to_hex().expose()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_under_its_key_only_and_for_its_message_only() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let signature = key.sign(b"checkpoint 1");
        assert!(key.public().verifies(b"checkpoint 1", &signature));
        assert!(!key.public().verifies(b"checkpoint 2", &signature));
        assert!(!other.public().verifies(b"checkpoint 1", &signature));
        assert!(!key.public().verifies(b"checkpoint 1", &signature[..63]));
    }

    #[test]
    fn keys_round_trip_through_their_text_and_errors_show_none_of_it() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_hex(key.to_hex().expose()).unwrap();
        assert_eq!(again.public(), key.public());
        assert_eq!(PublicKey::from_hex(&key.public().to_string()).unwrap(), key.public());
        let text = key.to_hex();
        let damaged = &text.expose()[..63];
        let error = SigningKey::from_hex(damaged).err().unwrap().to_string();
        assert!(!error.contains(damaged));
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), signing_key_file_text(&key, "test").expose()).unwrap();
        assert_eq!(read_signing_key(file.path()).unwrap().public(), key.public());
    }
}
