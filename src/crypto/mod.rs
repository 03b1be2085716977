//! Everything that touches age: the server's identities, its master recipients, and (as the
//! cases issue lands) per-case keys, sealing and opening.

use std::path::Path;
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("cannot read the identity file: {0}")]
    IdentityFileUnreadable(#[source] std::io::Error),
    #[error("line {line} of the identity file is not an age X25519 identity (AGE-SECRET-KEY-1…)")]
    IdentityInvalid { line: usize },
    #[error("the identity file holds no identity; create one with age-keygen")]
    IdentityFileEmpty,
    #[error("`{0}` is not an age X25519 recipient (age1…)")]
    RecipientInvalid(String),
}

/// The master recipients that case keys are wrapped to: the server's own and offline recovery keys.
#[derive(Clone, Default)]
pub struct Recipients(Vec<age::x25519::Recipient>);

impl Recipients {
    /// Parses a comma- or whitespace-separated list of `age1…` recipients.
    pub fn parse(raw: &str) -> Result<Self, CryptoError> {
        raw.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(|item| {
                age::x25519::Recipient::from_str(item)
                    .map_err(|_| CryptoError::RecipientInvalid(item.to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Recipients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(ToString::to_string))
            .finish()
    }
}

/// Reads an age identity file (as written by `age-keygen`): comment lines start with `#`.
/// Its contents never appear in an error.
pub fn read_identities(path: &Path) -> Result<Vec<age::x25519::Identity>, CryptoError> {
    let text = std::fs::read_to_string(path).map_err(CryptoError::IdentityFileUnreadable)?;
    let identities = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(index, line)| {
            age::x25519::Identity::from_str(line.trim())
                .map_err(|_| CryptoError::IdentityInvalid { line: index + 1 })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if identities.is_empty() {
        return Err(CryptoError::IdentityFileEmpty);
    }
    Ok(identities)
}

/// Checks that an identity file can be read and parsed, without keeping the keys.
pub fn check_identity_file(path: &Path) -> Result<(), CryptoError> {
    read_identities(path).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    fn recipients_parse_comma_and_space_separated() {
        let a = age::x25519::Identity::generate().to_public().to_string();
        let b = age::x25519::Identity::generate().to_public().to_string();
        assert_eq!(Recipients::parse(&format!("{a}, {b}")).unwrap().len(), 2);
        assert_eq!(Recipients::parse(&format!("{a}\n{b},")).unwrap().len(), 2);
    }

    #[test]
    fn a_bad_recipient_is_named() {
        let err = Recipients::parse("age1nope").unwrap_err();
        assert!(err.to_string().contains("age1nope"));
    }

    #[test]
    fn identity_file_errors_never_show_its_contents() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let secret = age::x25519::Identity::generate().to_string();
        let damaged = &secret.expose_secret()[..40];
        std::io::Write::write_all(&mut file, format!("# created: now\n{damaged}\n").as_bytes())
            .unwrap();
        let err = read_identities(file.path()).err().unwrap().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains(damaged));
    }

    #[test]
    fn identity_file_written_by_age_keygen_is_read() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let identity = age::x25519::Identity::generate();
        let text = format!(
            "# created: 2026-11-28T00:00:00Z\n# public key: {}\n{}\n",
            identity.to_public(),
            identity.to_string().expose_secret()
        );
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
        assert_eq!(read_identities(file.path()).unwrap().len(), 1);
    }
}
