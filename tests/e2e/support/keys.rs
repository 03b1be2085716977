//! Key files for tests: made once, kept in cargo's temporary directory for integration tests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use vigil::crypto::Keys;

static FILES: OnceLock<(PathBuf, PathBuf, PathBuf)> = OnceLock::new();

/// The identity file, the index key file and the audit signing key file.
pub fn files() -> &'static (PathBuf, PathBuf, PathBuf) {
    FILES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vigil-test-keys");
        let keys = vigil::crypto::ensure_dev_keys(&dir).unwrap();
        (keys.identity, keys.index, keys.signing)
    })
}

pub fn load() -> Keys {
    let (identity, index, _) = files();
    let keyring =
        vigil::crypto::Keyring::new(vigil::crypto::read_identities(identity).unwrap(), &Default::default()).unwrap();
    Keys {
        keyring,
        index: vigil::crypto::read_index_key(index).unwrap(),
    }
}
