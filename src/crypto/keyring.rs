//! Per-case keys wrapped to the master recipients, and sealing and opening case data.
//!
//! Each case gets its own X25519 identity. Its secret is age-encrypted to every master
//! recipient (the server's own and offline recovery keys) and kept in `case_keys.wrapped`;
//! its public half (an `age1…` recipient) is kept in clear, so sealing new data needs no
//! decryption. Deleting the wrapped key makes the case's data unreadable everywhere.

use std::io::{Read, Write};
use std::str::FromStr;

use age::secrecy::ExposeSecret;

use sha2::Digest;

use super::CryptoError;
use crate::domain::Sensitive;

/// The server's identities (to open case keys) and the master recipients (to wrap them).
#[derive(Clone)]
pub struct Keyring {
    identities: Vec<age::x25519::Identity>,
    masters: Vec<age::x25519::Recipient>,
    /// Shared by the clones of this keyring.
    cache: Option<std::sync::Arc<KeyCache>>,
}

/// How long an unwrapped case key is kept (see [`KeyCache`]).
pub const CASE_KEY_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60);

/// Unwrapped case keys kept for a short while, so that the requests of a working session do
/// not each pay the X25519 operation that unwraps their case's key (a third of a case read's
/// cryptography). Bounded in number and in age; an evicted or expired key is dropped, and
/// age's identity zeroises its secret when dropped. Keyed by a hash of the wrapped key, so a
/// rotated or deleted key row (erasure) is never answered from the cache: the row is read
/// from the database on every request, and without it there is nothing to look up.
///
/// Why it is on by default: the identity that unwraps every case key lives in this process's
/// memory for as long as it runs; a few hundred unwrapped case keys for a minute add nothing
/// that a reader of that memory would not already have. `VIGIL_CASE_KEY_CACHE=0` turns it off.
struct KeyCache {
    capacity: usize,
    lifetime: std::time::Duration,
    entries: std::sync::Mutex<std::collections::HashMap<[u8; 32], (std::time::Instant, CaseKey)>>,
}

impl KeyCache {
    fn get(&self, id: &[u8; 32]) -> Option<CaseKey> {
        let entries = self.entries.lock().ok()?;
        let (since, key) = entries.get(id)?;
        (since.elapsed() < self.lifetime).then(|| key.clone())
    }

    fn put(&self, id: [u8; 32], key: CaseKey) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= self.capacity {
            let lifetime = self.lifetime;
            entries.retain(|_, (since, _)| since.elapsed() < lifetime);
        }
        if entries.len() >= self.capacity
            && let Some(oldest) = entries.iter().min_by_key(|(_, (since, _))| *since).map(|(id, _)| *id)
        {
            entries.remove(&oldest);
        }
        entries.insert(id, (std::time::Instant::now(), key));
    }
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("identities", &self.identities.len())
            .field("masters", &self.wrapped_for())
            .finish()
    }
}

/// A new case's key, ready to store.
#[derive(Debug, Clone)]
pub struct NewCaseKey {
    /// The public half: seal to this.
    pub recipient: String,
    /// The secret, age-encrypted to every master recipient.
    pub wrapped: Vec<u8>,
    /// The master recipients it is wrapped to, comma-separated.
    pub wrapped_for: String,
}

/// An unwrapped case key, for opening that case's data. Never logged, never stored. It is
/// age's own X25519 identity: every stanza is opened by the age crate, none by Vigil's code.
#[derive(Clone)]
pub struct CaseKey(age::x25519::Identity);

impl std::fmt::Debug for CaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CaseKey([redacted])")
    }
}

impl Keyring {
    /// `identities` are the server's own; their public halves are master recipients, and so
    /// is every one of `extra` (offline recovery keys).
    pub fn new(identities: Vec<age::x25519::Identity>, extra: &super::Recipients) -> Result<Self, CryptoError> {
        if identities.is_empty() {
            return Err(CryptoError::IdentityFileEmpty);
        }
        let mut masters: Vec<age::x25519::Recipient> = identities.iter().map(|i| i.to_public()).collect();
        for recipient in extra.iter() {
            if !masters.iter().any(|m| m.to_string() == recipient.to_string()) {
                masters.push(recipient.clone());
            }
        }
        Ok(Self {
            identities,
            masters,
            cache: None,
        })
    }

    /// Keeps up to `capacity` unwrapped case keys for `lifetime` each (see [`KeyCache`]);
    /// 0 keeps none.
    pub fn with_cache(mut self, capacity: usize, lifetime: std::time::Duration) -> Self {
        self.cache = (capacity > 0).then(|| {
            std::sync::Arc::new(KeyCache {
                capacity,
                lifetime,
                entries: Default::default(),
            })
        });
        self
    }

    /// The master recipients, comma-separated, as stored beside each wrapped key.
    pub fn wrapped_for(&self) -> String {
        self.masters
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Makes a fresh key for a new case.
    pub fn new_case_key(&self) -> Result<NewCaseKey, CryptoError> {
        let identity = age::x25519::Identity::generate();
        let secret = identity.to_string();
        let wrapped = encrypt(
            self.masters.iter().map(|m| m as &dyn age::Recipient),
            secret.expose_secret().as_bytes(),
        )?;
        Ok(NewCaseKey {
            recipient: identity.to_public().to_string(),
            wrapped,
            wrapped_for: self.wrapped_for(),
        })
    }

    /// Unwraps a case key with the server's identities (or takes it from the cache).
    pub fn open_case_key(&self, wrapped: &[u8]) -> Result<CaseKey, CryptoError> {
        let Some(cache) = &self.cache else {
            return self.unwrap_case_key(wrapped);
        };
        let id: [u8; 32] = sha2::Sha256::digest(wrapped).into();
        if let Some(key) = cache.get(&id) {
            return Ok(key);
        }
        let key = self.unwrap_case_key(wrapped)?;
        cache.put(id, key.clone());
        Ok(key)
    }

    /// Drops a case's unwrapped key from the cache (erasure).
    pub fn forget_case_key(&self, wrapped: &[u8]) {
        if let Some(cache) = &self.cache
            && let Ok(mut entries) = cache.entries.lock()
        {
            let id: [u8; 32] = sha2::Sha256::digest(wrapped).into();
            entries.remove(&id);
        }
    }

    fn unwrap_case_key(&self, wrapped: &[u8]) -> Result<CaseKey, CryptoError> {
        let secret = decrypt(self.identities.iter().map(|i| i as &dyn age::Identity), wrapped)?;
        let text = std::str::from_utf8(secret.expose()).map_err(|_| CryptoError::Corrupt)?;
        age::x25519::Identity::from_str(text.trim())
            .map(CaseKey)
            .map_err(|_| CryptoError::Corrupt)
    }

    /// Re-wraps a case key to this keyring's master recipients (rotation).
    pub fn rewrap(&self, wrapped: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let secret = decrypt(self.identities.iter().map(|i| i as &dyn age::Identity), wrapped)?;
        encrypt(self.masters.iter().map(|m| m as &dyn age::Recipient), secret.expose())
    }
}

/// A fresh key for one thing sealed apart from any case (a form kept for a browser): its
/// secret, to hand to whoever alone may open it, and its public half, to [`seal`] to. An age
/// X25519 identity, as a case's key is.
pub fn one_time_key() -> (Sensitive<String>, String) {
    let identity = age::x25519::Identity::generate();
    let secret = Sensitive::new(identity.to_string().expose_secret().to_owned());
    (secret, identity.to_public().to_string())
}

/// Opens what was sealed to a [`one_time_key`] with its secret.
pub fn open_with_secret(secret: &str, ciphertext: &[u8]) -> Result<Sensitive<Vec<u8>>, CryptoError> {
    let identity = age::x25519::Identity::from_str(secret).map_err(|_| CryptoError::Corrupt)?;
    decrypt(std::iter::once(&identity as &dyn age::Identity), ciphertext)
}

/// Seals `plaintext` to a case's recipient; needs no secret.
pub fn seal(case_recipient: &str, plaintext: &Sensitive<Vec<u8>>) -> Result<Vec<u8>, CryptoError> {
    let recipient = super::recipient(case_recipient)?;
    encrypt(std::iter::once(&recipient as &dyn age::Recipient), plaintext.expose())
}

/// A writer that seals what is written to it to one recipient, in age's streaming format
/// (64 KiB chunks, each authenticated), and writes the ciphertext to `out` as it goes: nothing is
/// held whole. [`SealingWriter::finish`] writes the last chunk; a stream cut before it is
/// refused by `age -d` as truncated.
pub fn sealing_writer<W: Write>(recipient: &str, out: W) -> Result<SealingWriter<W>, CryptoError> {
    let recipient = super::recipient(recipient)?;
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .map_err(|_| CryptoError::Encrypt)?;
    let inner = encryptor.wrap_output(out).map_err(|_| CryptoError::Encrypt)?;
    Ok(SealingWriter { inner })
}

/// See [`sealing_writer`].
pub struct SealingWriter<W: Write> {
    inner: age::stream::StreamWriter<W>,
}

impl<W: Write> Write for SealingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> SealingWriter<W> {
    /// Writes the last chunk, and gives `out` back.
    pub fn finish(self) -> std::io::Result<W> {
        self.inner.finish()
    }
}

/// A reader of what `input` (age's format, sealed to the case) holds, opened as it is read:
/// each 64 KiB chunk is authenticated before any of it is given, so a changed byte is a read
/// error, and a stream cut short is one at its end.
pub fn opening_reader<R: Read>(key: &CaseKey, input: R) -> Result<OpeningReader<R>, CryptoError> {
    let decryptor = age::Decryptor::new(input).map_err(|_| CryptoError::Corrupt)?;
    let inner = decryptor
        .decrypt(std::iter::once(&key.0 as &dyn age::Identity))
        .map_err(|_| CryptoError::NoMatchingKey)?;
    Ok(OpeningReader { inner })
}

/// See [`opening_reader`].
pub struct OpeningReader<R: Read> {
    inner: age::stream::StreamReader<R>,
}

impl<R: Read> Read for OpeningReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

/// Seals a JSON value to a case's recipient.
pub fn seal_json(case_recipient: &str, value: &Sensitive<serde_json::Value>) -> Result<Vec<u8>, CryptoError> {
    let bytes = serde_json::to_vec(value.expose()).map_err(|_| CryptoError::Corrupt)?;
    seal(case_recipient, &Sensitive::new(bytes))
}

/// Opens data sealed to a case.
pub fn open(key: &CaseKey, ciphertext: &[u8]) -> Result<Sensitive<Vec<u8>>, CryptoError> {
    decrypt(std::iter::once(&key.0 as &dyn age::Identity), ciphertext)
}

pub fn open_json(key: &CaseKey, ciphertext: &[u8]) -> Result<Sensitive<serde_json::Value>, CryptoError> {
    let bytes = open(key, ciphertext)?;
    serde_json::from_slice(bytes.expose())
        .map(Sensitive::new)
        .map_err(|_| CryptoError::Corrupt)
}

fn encrypt<'a>(
    recipients: impl Iterator<Item = &'a dyn age::Recipient>,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let encryptor = age::Encryptor::with_recipients(recipients).map_err(|_| CryptoError::Encrypt)?;
    let mut sealed = Vec::with_capacity(plaintext.len() + 256);
    let mut writer = encryptor.wrap_output(&mut sealed).map_err(|_| CryptoError::Encrypt)?;
    writer.write_all(plaintext).map_err(|_| CryptoError::Encrypt)?;
    writer.finish().map_err(|_| CryptoError::Encrypt)?;
    Ok(sealed)
}

fn decrypt<'a>(
    identities: impl Iterator<Item = &'a dyn age::Identity>,
    ciphertext: &[u8],
) -> Result<Sensitive<Vec<u8>>, CryptoError> {
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|_| CryptoError::Corrupt)?;
    let mut reader = decryptor.decrypt(identities).map_err(|_| CryptoError::NoMatchingKey)?;
    let mut plaintext = Vec::new();
    reader.read_to_end(&mut plaintext).map_err(|_| CryptoError::Corrupt)?;
    Ok(Sensitive::new(plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Recipients;

    #[test]
    fn a_one_time_key_opens_what_was_sealed_to_it_and_nothing_else_does() {
        let (secret, recipient) = one_time_key();
        let sealed = seal(&recipient, &Sensitive::new(b"typed".to_vec())).unwrap();
        assert_eq!(open_with_secret(secret.expose(), &sealed).unwrap().expose(), b"typed");
        let (other, _) = one_time_key();
        assert!(matches!(
            open_with_secret(other.expose(), &sealed),
            Err(CryptoError::NoMatchingKey)
        ));
        assert!(open_with_secret("not a key", &sealed).is_err());
        assert!(!String::from_utf8_lossy(&sealed).contains("typed"));
    }

    #[test]
    fn the_case_key_cache_is_bounded_and_short_lived_and_opens_the_same() {
        let keyring = Keyring::new(vec![age::x25519::Identity::generate()], &Recipients::default())
            .unwrap()
            .with_cache(2, CASE_KEY_LIFETIME);
        let keys: Vec<NewCaseKey> = (0..3).map(|_| keyring.new_case_key().unwrap()).collect();
        let sealed = seal(&keys[0].recipient, &Sensitive::new(b"note".to_vec())).unwrap();
        for _ in 0..2 {
            let key = keyring.open_case_key(&keys[0].wrapped).unwrap();
            assert_eq!(open(&key, &sealed).unwrap().expose(), b"note");
        }
        for key in &keys {
            keyring.open_case_key(&key.wrapped).unwrap();
        }
        let cache = keyring.cache.as_ref().unwrap();
        assert_eq!(
            cache.entries.lock().unwrap().len(),
            2,
            "more keys kept than the capacity"
        );

        let expired = Keyring::new(vec![age::x25519::Identity::generate()], &Recipients::default())
            .unwrap()
            .with_cache(8, std::time::Duration::ZERO);
        let key = expired.new_case_key().unwrap();
        expired.open_case_key(&key.wrapped).unwrap();
        let id: [u8; 32] = sha2::Sha256::digest(&key.wrapped).into();
        assert!(
            expired.cache.as_ref().unwrap().get(&id).is_none(),
            "an expired key was served"
        );
        let off = Keyring::new(vec![age::x25519::Identity::generate()], &Recipients::default())
            .unwrap()
            .with_cache(0, CASE_KEY_LIFETIME);
        assert!(off.cache.is_none());
    }

    fn keyring_with_recovery() -> (Keyring, age::x25519::Identity) {
        let recovery = age::x25519::Identity::generate();
        let extra = Recipients::parse(&recovery.to_public().to_string()).unwrap();
        (
            Keyring::new(vec![age::x25519::Identity::generate()], &extra).unwrap(),
            recovery,
        )
    }

    #[test]
    fn case_data_round_trips_through_a_wrapped_case_key() {
        let (keyring, _) = keyring_with_recovery();
        let key = keyring.new_case_key().unwrap();
        let sealed = seal_json(
            &key.recipient,
            &Sensitive::new(serde_json::json!({"defender_name": "Ana"})),
        )
        .unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("Ana"));
        let opened = open_json(&keyring.open_case_key(&key.wrapped).unwrap(), &sealed).unwrap();
        assert_eq!(opened.expose()["defender_name"], "Ana");
    }

    #[test]
    fn a_recovery_identity_alone_opens_a_case() {
        let (keyring, recovery) = keyring_with_recovery();
        let key = keyring.new_case_key().unwrap();
        let sealed = seal(&key.recipient, &Sensitive::new(b"narrative".to_vec())).unwrap();
        let recovery_only = Keyring::new(vec![recovery], &Recipients::default()).unwrap();
        let case_key = recovery_only.open_case_key(&key.wrapped).unwrap();
        assert_eq!(open(&case_key, &sealed).unwrap().expose(), b"narrative");
    }

    #[test]
    fn another_server_cannot_open_a_case_key() {
        let (keyring, _) = keyring_with_recovery();
        let key = keyring.new_case_key().unwrap();
        let stranger = Keyring::new(vec![age::x25519::Identity::generate()], &Recipients::default()).unwrap();
        assert!(matches!(
            stranger.open_case_key(&key.wrapped),
            Err(CryptoError::NoMatchingKey)
        ));
    }

    #[test]
    fn rewrapping_moves_a_case_key_to_new_masters() {
        let (old, _) = keyring_with_recovery();
        let key = old.new_case_key().unwrap();
        let new_identity = age::x25519::Identity::generate();
        let both = Keyring::new(
            vec![old.identities[0].clone()],
            &Recipients::parse(&new_identity.to_public().to_string()).unwrap(),
        )
        .unwrap();
        let rewrapped = both.rewrap(&key.wrapped).unwrap();
        let new_only = Keyring::new(vec![new_identity], &Recipients::default()).unwrap();
        assert!(new_only.open_case_key(&rewrapped).is_ok());
    }

    #[test]
    fn case_keys_never_show_in_debug() {
        let (keyring, _) = keyring_with_recovery();
        let key = keyring.open_case_key(&keyring.new_case_key().unwrap().wrapped).unwrap();
        assert_eq!(format!("{key:?}"), "CaseKey([redacted])");
        assert!(!format!("{keyring:?}").contains("AGE-SECRET-KEY"));
    }

    #[test]
    fn data_sealed_by_age_opens_with_a_case_key_and_with_ages_identity() {
        let (keyring, recovery) = keyring_with_recovery();
        let new = keyring.new_case_key().unwrap();
        let key = keyring.open_case_key(&new.wrapped).unwrap();
        let sealed = seal(&new.recipient, &Sensitive::new(b"Ana".to_vec())).unwrap();
        assert_eq!(open(&key, &sealed).unwrap().expose(), b"Ana");
        let other = keyring.new_case_key().unwrap();
        let elsewhere = seal(&other.recipient, &Sensitive::new(b"Ana".to_vec())).unwrap();
        assert!(matches!(open(&key, &elsewhere), Err(CryptoError::NoMatchingKey)));
        // The same bytes as age's own identity reads them (what `age -d` does in recovery).
        let secret = decrypt(std::iter::once(&recovery as &dyn age::Identity), &new.wrapped).unwrap();
        let theirs = age::x25519::Identity::from_str(std::str::from_utf8(secret.expose()).unwrap().trim()).unwrap();
        assert_eq!(
            decrypt(std::iter::once(&theirs as &dyn age::Identity), &sealed)
                .unwrap()
                .expose(),
            b"Ana"
        );
    }
}
