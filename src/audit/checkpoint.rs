//! One checkpoint and its signed line (`{"checkpoint":{…},"signature":"…"}`, see [`super::signed`]);
//! the Merkle tree over the cases' chain heads. The tree is RFC 6962's (ct-merkle, SHA-256) over one
//! leaf per case in case-id order; a leaf is the SHA-256 of the case's id, reference and chain
//! head, so one case's inclusion can be shown without the others.

use chrono::{DateTime, Utc};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{InclusionProof, RootHash};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::signed::{Entry, Signed};
pub use super::signed::{LineError, no_previous};
use crate::crypto::hex;
use crate::store::checkpoints::Leaf;

/// The format of the checkpoints written now (2: with the administrative log's head).
pub const FORMAT: u32 = 2;

/// What a checkpoint commits to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub format: u32,
    /// 1 for the first checkpoint, one more for each after it.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// SHA-256 (hex) of the line before this one, as written; 64 zeros for the first.
    pub prev: String,
    /// How many cases the tree has, and its root (hex).
    pub cases: u64,
    pub root: String,
    /// The access-log rows with ids above the previous checkpoint's `access_upto` (after a
    /// restore, the `access_upto` of the checkpoint restored to), up to this one's: how many,
    /// and their hash (hex).
    pub access_upto: i64,
    pub access_rows: u64,
    pub access_hash: String,
    /// The administrative log's head: its last entry's sequence number and hash (hex). Absent
    /// from the checkpoints signed before the log existed.
    #[serde(default)]
    pub admin_seq: i64,
    #[serde(default)]
    pub admin_head: String,
    /// The public key that signed it (hex): informative only, checks use the key they are given.
    pub key: String,
    /// Signed by `vigil restore`: the database was restored to a backup that held checkpoints
    /// up to this one (0: none); the checkpoints after it, up to this line, describe a state
    /// that was lost with the database, and are not checked against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<i64>,
}

impl Entry for Checkpoint {
    const FIELD: &'static str = "checkpoint";

    fn seq(&self) -> i64 {
        self.seq
    }

    fn prev(&self) -> &str {
        &self.prev
    }
}

/// A checkpoint with its signature, and the line they make.
pub type SignedLine = Signed<Checkpoint>;

/// The leaf of one case: SHA-256 over its id, reference and chain head.
pub fn leaf_digest(leaf: &Leaf) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"vigil case head v1\0");
    hasher.update(leaf.case_id.as_uuid().as_bytes());
    hasher.update((leaf.reference.len() as u64).to_be_bytes());
    hasher.update(leaf.reference.as_bytes());
    hasher.update(leaf.event_seq.to_be_bytes());
    hasher.update((leaf.event_head.len() as u64).to_be_bytes());
    hasher.update(&leaf.event_head);
    hasher.finalize().into()
}

/// The Merkle tree over cases' leaves (given in case-id order).
pub struct Tree(MemoryBackedTree<Sha256, [u8; 32]>);

impl Tree {
    pub fn of(leaves: &[Leaf]) -> Self {
        let mut tree = MemoryBackedTree::new();
        for leaf in leaves {
            tree.push(leaf_digest(leaf));
        }
        Self(tree)
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The root (hex); 64 zeros for a tree with no case.
    pub fn root(&self) -> String {
        if self.0.is_empty() {
            return no_previous();
        }
        hex::encode(self.0.root().as_bytes())
    }

    /// The inclusion proof of the leaf at `index` (hex).
    pub fn proof(&self, index: usize) -> String {
        hex::encode(self.0.prove_inclusion(index).as_bytes())
    }
}

/// Whether `proof` (hex) shows `leaf` at `index` in a tree of `cases` leaves with root `root` (hex).
pub fn includes(root: &str, cases: u64, leaf: &Leaf, index: u64, proof: &str) -> bool {
    let Some(root) = hex::decode::<32>(root) else {
        return false;
    };
    let Some(proof) = hex::decode_all(proof) else {
        return false;
    };
    let root = RootHash::<Sha256>::new(root.into(), cases);
    root.verify_inclusion(&leaf_digest(leaf), index, &InclusionProof::from_bytes(proof))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SigningKey;
    use crate::domain::CaseId;

    fn leaf(n: u128, seq: i64) -> Leaf {
        Leaf {
            case_id: CaseId::from_uuid(uuid::Uuid::from_u128(n)),
            reference: format!("VG-2026-{n:04}"),
            event_seq: seq,
            event_head: vec![n as u8; 32],
        }
    }

    fn checkpoint(seq: i64) -> Checkpoint {
        Checkpoint {
            format: FORMAT,
            seq,
            at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            prev: no_previous(),
            cases: 0,
            root: no_previous(),
            access_upto: 0,
            access_rows: 0,
            access_hash: no_previous(),
            admin_seq: 0,
            admin_head: no_previous(),
            key: String::new(),
            restored_from: None,
        }
    }

    #[test]
    fn a_signed_line_reads_back_under_its_key_and_not_edited_or_under_another() {
        let key = SigningKey::generate().unwrap();
        let line = SignedLine::sign(checkpoint(1), &key);
        let read = SignedLine::parse(line.text(), &key.public()).unwrap();
        assert_eq!(read.entry, checkpoint(1));
        assert_eq!(read.hash(), line.hash());
        let other = SigningKey::generate().unwrap();
        assert_eq!(
            SignedLine::parse(line.text(), &other.public()).err(),
            Some(LineError::BadSignature)
        );
        let edited = line.text().replace(r#""seq":1"#, r#""seq":2"#);
        assert_eq!(
            SignedLine::parse(&edited, &key.public()).err(),
            Some(LineError::BadSignature)
        );
        assert_eq!(
            SignedLine::parse(&line.text()[..40], &key.public()).err(),
            Some(LineError::Malformed)
        );
    }

    #[test]
    fn each_leaf_is_proven_included_and_nothing_else_is() {
        for count in [1u128, 2, 3, 7, 8, 33] {
            let leaves: Vec<Leaf> = (1..=count).map(|n| leaf(n, 3)).collect();
            let tree = Tree::of(&leaves);
            assert_eq!(tree.len(), count as u64);
            for (index, each) in leaves.iter().enumerate() {
                let proof = tree.proof(index);
                assert!(includes(&tree.root(), tree.len(), each, index as u64, &proof));
                assert!(!includes(
                    &tree.root(),
                    tree.len(),
                    &leaf(1000, 3),
                    index as u64,
                    &proof
                ));
                let mut truncated = each.clone();
                truncated.event_seq = 2;
                assert!(!includes(&tree.root(), tree.len(), &truncated, index as u64, &proof));
            }
        }
    }

    #[test]
    fn the_root_changes_with_any_head() {
        let leaves: Vec<Leaf> = (1..=5).map(|n| leaf(n, 3)).collect();
        let mut changed = leaves.clone();
        changed[3].event_head[0] ^= 1;
        assert_ne!(Tree::of(&leaves).root(), Tree::of(&changed).root());
        assert_eq!(Tree::of(&[]).root(), no_previous());
    }
}
