//! Everything that touches age: the server's identities, its master recipients, per-case
//! keys, sealing and opening; and the other keyed hashes: the blind index and API tokens.

mod blind;
pub mod hex;
pub mod keyring;
pub mod signing;
pub mod token;

pub use blind::{BLIND_INDEX_VERSION, BlindIndex, IndexKey};
pub use keyring::{CaseKey, Keyring, NewCaseKey};
pub use signing::{PublicKey, SigningKey};

use std::path::Path;
use std::str::FromStr;

/// The keys a serving process needs: the keyring that wraps and opens case keys, and the
/// blind index's key.
#[derive(Debug, Clone)]
pub struct Keys {
    pub keyring: Keyring,
    pub index: IndexKey,
}

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
    #[error("encryption failed")]
    Encrypt,
    #[error("sealed data is damaged or not age ciphertext")]
    Corrupt,
    #[error("no key of this server opens this data")]
    NoMatchingKey,
    #[error("the system's random number generator failed")]
    Random,
    #[error("the index key is not 64 hexadecimal digits")]
    IndexKeyInvalid,
    #[error("the signing key is not 64 hexadecimal digits")]
    SigningKeyInvalid,
    #[error("the public key is not an Ed25519 key of 64 hexadecimal digits")]
    PublicKeyInvalid,
    #[error("cannot write key file {path}: {source}")]
    KeyFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One `age1…` X25519 recipient; a malformed one is named in the error (a public key is no
/// secret).
pub(crate) fn recipient(text: &str) -> Result<age::x25519::Recipient, CryptoError> {
    age::x25519::Recipient::from_str(text).map_err(|_| CryptoError::RecipientInvalid(text.to_owned()))
}

/// The master recipients that case keys are wrapped to: the server's own and offline recovery keys.
#[derive(Clone, Default)]
pub struct Recipients(Vec<age::x25519::Recipient>);

impl Recipients {
    /// Parses a comma- or whitespace-separated list of `age1…` recipients.
    pub fn parse(raw: &str) -> Result<Self, CryptoError> {
        raw.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(recipient)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &age::x25519::Recipient> {
        self.0.iter()
    }
}

impl std::fmt::Debug for Recipients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(ToString::to_string)).finish()
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
            age::x25519::Identity::from_str(line.trim()).map_err(|_| CryptoError::IdentityInvalid { line: index + 1 })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if identities.is_empty() {
        return Err(CryptoError::IdentityFileEmpty);
    }
    Ok(identities)
}

/// The key line of a key file: its first line that is not blank or a comment (`#`).
fn key_line(path: &Path) -> Result<String, CryptoError> {
    let text = std::fs::read_to_string(path).map_err(CryptoError::IdentityFileUnreadable)?;
    Ok(text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default()
        .to_owned())
}

/// Reads an index key file: 64 hex digits (comment lines start with `#`).
pub fn read_index_key(path: &Path) -> Result<IndexKey, CryptoError> {
    IndexKey::from_hex(&key_line(path)?)
}

/// Where the development keys of the embedded default are.
#[derive(Debug, Clone)]
pub struct DevKeys {
    pub identity: std::path::PathBuf,
    pub index: std::path::PathBuf,
    pub signing: std::path::PathBuf,
    /// Whether any of them was created now.
    pub created: bool,
}

/// The development keys of the embedded default, created on first use under `dir` (mode 0700),
/// each file mode 0600: the age identity, the index key and the audit signing key.
pub fn ensure_dev_keys(dir: &Path) -> Result<DevKeys, CryptoError> {
    use age::secrecy::ExposeSecret;
    use std::os::unix::fs::DirBuilderExt;

    let keys = DevKeys {
        identity: dir.join("identity.txt"),
        index: dir.join("index.key"),
        signing: dir.join("signing.key"),
        created: false,
    };
    let failed = |path: &Path| {
        let path = path.to_owned();
        move |source| CryptoError::KeyFile { path, source }
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(failed(dir))?;
    let mut created = false;
    if !keys.identity.exists() {
        let identity = age::x25519::Identity::generate();
        let text = format!(
            "# Vigil development identity: for a laptop only, never for real cases.\n# public key: {}\n{}\n",
            identity.to_public(),
            identity.to_string().expose_secret()
        );
        write_private(&keys.identity, &text).map_err(failed(&keys.identity))?;
        created = true;
    }
    if !keys.index.exists() {
        let key = IndexKey::generate()?;
        let text = format!("# Vigil development blind-index key.\n{}\n", key.to_hex().expose());
        write_private(&keys.index, &text).map_err(failed(&keys.index))?;
        created = true;
    }
    if !keys.signing.exists() {
        let key = SigningKey::generate()?;
        let text = signing::signing_key_file_text(&key, "Vigil development audit signing key.");
        write_private(&keys.signing, text.expose()).map_err(failed(&keys.signing))?;
        created = true;
    }
    Ok(DevKeys { created, ..keys })
}

/// Writes a file readable by its owner only, in place only once complete.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    let scratch = path.with_extension("new");
    let _ = std::fs::remove_file(&scratch);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&scratch)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&scratch, path)
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
        std::io::Write::write_all(&mut file, format!("# created: now\n{damaged}\n").as_bytes()).unwrap();
        let err = read_identities(file.path()).err().unwrap().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains(damaged));
    }

    #[test]
    fn dev_keys_are_private_and_made_once() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let DevKeys {
            identity,
            index,
            signing,
            created,
        } = ensure_dev_keys(&keys).unwrap();
        assert!(created);
        for path in [&identity, &index, &signing] {
            assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777, 0o700);
        let first = std::fs::read(&identity).unwrap();
        assert!(!ensure_dev_keys(&keys).unwrap().created);
        assert_eq!(std::fs::read(&identity).unwrap(), first);
        assert_eq!(read_identities(&identity).unwrap().len(), 1);
        assert!(read_index_key(&index).is_ok());
        assert!(signing::read_signing_key(&signing).is_ok());
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
