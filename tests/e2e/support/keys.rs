//! Key files for tests: made once, kept in cargo's temporary directory for integration tests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use vigil::crypto::Keys;

static FILES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();

/// The identity file and the index key file.
pub fn files() -> &'static (PathBuf, PathBuf) {
    FILES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vigil-test-keys");
        let (identity, index, _) = vigil::crypto::ensure_dev_keys(&dir).unwrap();
        (identity, index)
    })
}

pub fn load() -> Keys {
    let (identity, index) = files();
    let keyring =
        vigil::crypto::Keyring::new(vigil::crypto::read_identities(identity).unwrap(), &Default::default()).unwrap();
    Keys {
        keyring,
        index: vigil::crypto::read_index_key(index).unwrap(),
    }
}
