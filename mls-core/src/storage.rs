//! Where a client keeps its state: groups as incremental records
//! ([`GroupChanges`], [`GroupRecords`]), the private parts of its
//! KeyPackages until a Welcome consumes them, and external PSKs.
//!
//! The core does no I/O: a [`Storage`] is the application's, and the
//! client layer hands it every call's writes at once ([`Storage::write`]),
//! to apply in one transaction. [`MemoryStorage`] keeps everything in
//! memory; `mls-storage-sqlite` keeps it in SQLite.
//!
//! What a store holds is secret: private keys, epoch secrets, ratchet
//! keys. A store deletes what it is told to delete for real (RFC 9420
//! §9.2: a consumed key must be gone), and should encrypt at rest.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

use crate::codec::{Reader, write_opaque};
use crate::crypto::{HpkePrivateKey, SecretVec};
use crate::error::{Error, UsageError};
use crate::group::{GroupChanges, GroupRecords};
use crate::key_package::KeyPackagePrivate;

/// One write of a client call. A store applies all the writes of one call
/// in one transaction, in order: all of them, or none.
#[derive(Debug)]
pub enum Write<'a> {
    /// A group's changes since it was last saved.
    Group(&'a GroupChanges),
    /// Delete every record of a group.
    DeleteGroup(&'a [u8]),
    /// Keep a KeyPackage (encoded) and its private part (secret,
    /// [`encode_key_package_private`]) under its reference.
    KeyPackage {
        /// The KeyPackageRef (RFC 9420 §5.2).
        reference: &'a [u8],
        /// The encoded KeyPackage.
        key_package: &'a [u8],
        /// The encoded private part.
        private: &'a [u8],
    },
    /// Delete a KeyPackage and its private part (used by a Welcome, or
    /// expired).
    DeleteKeyPackage(&'a [u8]),
    /// Keep an external PSK under its ID.
    Psk {
        /// The PSK ID.
        id: &'a [u8],
        /// The PSK.
        secret: &'a [u8],
    },
    /// Delete an external PSK.
    DeletePsk(&'a [u8]),
}

/// A stored KeyPackage with its private part.
#[derive(Debug)]
pub struct StoredKeyPackage {
    /// The encoded KeyPackage.
    pub key_package: Vec<u8>,
    /// The encoded private part ([`decode_key_package_private`]).
    pub private: SecretVec,
}

/// A client's persistent state.
pub trait Storage {
    /// The store's error.
    type Error: fmt::Debug + fmt::Display;
    /// Applies `writes` in one transaction: all of them, or none (an
    /// error leaves the store as it was).
    fn write(&mut self, writes: &[Write<'_>]) -> Result<(), Self::Error>;
    /// A group's records, if the store has the group.
    fn group(&self, group_id: &[u8]) -> Result<Option<GroupRecords>, Self::Error>;
    /// The IDs of the stored groups.
    fn group_ids(&self) -> Result<Vec<Vec<u8>>, Self::Error>;
    /// A KeyPackage and its private part, by reference.
    fn key_package(&self, reference: &[u8]) -> Result<Option<StoredKeyPackage>, Self::Error>;
    /// An external PSK, by ID.
    fn psk(&self, id: &[u8]) -> Result<Option<SecretVec>, Self::Error>;
}

/// A KeyPackage's private part as a store keeps it: the two private keys,
/// each an `opaque<V>`. The result zeroizes on drop.
pub fn encode_key_package_private(p: &KeyPackagePrivate) -> Result<SecretVec, Error> {
    let (a, b) = (p.init_key.as_bytes(), p.encryption_key.as_bytes());
    let mut out = SecretVec::new(Vec::with_capacity(a.len() + b.len() + 8));
    write_opaque(a, out.vec_mut())?;
    write_opaque(b, out.vec_mut())?;
    Ok(out)
}

/// Reads what [`encode_key_package_private`] wrote.
pub fn decode_key_package_private(bytes: &[u8]) -> Result<KeyPackagePrivate, Error> {
    let mut r = Reader::new(bytes);
    let init_key = HpkePrivateKey::from_slice(r.opaque()?);
    let encryption_key = HpkePrivateKey::from_slice(r.opaque()?);
    if !r.is_empty() {
        return Err(UsageError::InvalidSnapshot.into());
    }
    Ok(KeyPackagePrivate {
        init_key,
        encryption_key,
    })
}

/// The records of one group in memory.
#[derive(Debug, Default)]
struct MemoryGroup {
    epoch: Vec<u8>,
    tree: BTreeMap<u32, Vec<u8>>,
    secret_nodes: BTreeMap<u32, Vec<u8>>,
    ratchets: BTreeMap<u32, Vec<u8>>,
}

/// A [`Storage`] in memory: for tests, and for applications that persist
/// by other means. Values are kept in zeroizing buffers and wiped when
/// deleted or replaced.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    groups: BTreeMap<Vec<u8>, MemoryGroup>,
    key_packages: BTreeMap<Vec<u8>, (Vec<u8>, SecretVec)>,
    psks: BTreeMap<Vec<u8>, SecretVec>,
    /// Bytes of record values written so far (a measure of write cost).
    pub bytes_written: u64,
}

/// The error of [`MemoryStorage`]: it never fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Infallible {}

impl fmt::Display for Infallible {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

impl core::error::Error for Infallible {}

/// Sets `map[k]` to `v`, or removes it; a removed or replaced value is
/// wiped.
fn put(map: &mut BTreeMap<u32, Vec<u8>>, k: u32, v: Option<&[u8]>) {
    use zeroize::Zeroize;
    let old = match v {
        Some(v) => map.insert(k, v.to_vec()),
        None => map.remove(&k),
    };
    if let Some(mut old) = old {
        old.zeroize();
    }
}

impl MemoryGroup {
    fn apply(&mut self, c: &GroupChanges) {
        use zeroize::Zeroize;
        if c.replace_all {
            self.wipe();
        }
        if let Some(e) = &c.epoch {
            self.epoch.zeroize();
            self.epoch = e.as_bytes().to_vec();
        }
        if let Some(w) = c.tree_width {
            let gone: Vec<u32> = self.tree.range(w..).map(|(k, _)| *k).collect();
            for k in gone {
                put(&mut self.tree, k, None);
            }
        }
        for (x, v) in &c.tree {
            put(&mut self.tree, *x, v.as_deref());
        }
        if c.clear_secret_tree {
            wipe_map(&mut self.secret_nodes);
            wipe_map(&mut self.ratchets);
        }
        for (x, v) in &c.secret_nodes {
            put(
                &mut self.secret_nodes,
                *x,
                v.as_ref().map(SecretVec::as_bytes),
            );
        }
        for (x, v) in &c.ratchets {
            put(&mut self.ratchets, *x, v.as_ref().map(SecretVec::as_bytes));
        }
    }

    fn wipe(&mut self) {
        use zeroize::Zeroize;
        self.epoch.zeroize();
        wipe_map(&mut self.tree);
        wipe_map(&mut self.secret_nodes);
        wipe_map(&mut self.ratchets);
    }
}

fn wipe_map(m: &mut BTreeMap<u32, Vec<u8>>) {
    use zeroize::Zeroize;
    for v in m.values_mut() {
        v.zeroize();
    }
    m.clear();
}

impl Drop for MemoryGroup {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl Storage for MemoryStorage {
    type Error = Infallible;

    fn write(&mut self, writes: &[Write<'_>]) -> Result<(), Infallible> {
        for w in writes {
            match w {
                Write::Group(c) => {
                    self.bytes_written += c.bytes_written() as u64;
                    self.groups.entry(c.group_id.clone()).or_default().apply(c);
                }
                Write::DeleteGroup(id) => {
                    self.groups.remove(*id);
                }
                Write::KeyPackage {
                    reference,
                    key_package,
                    private,
                } => {
                    let v = (key_package.to_vec(), SecretVec::from_slice(private));
                    self.key_packages.insert(reference.to_vec(), v);
                }
                Write::DeleteKeyPackage(r) => {
                    self.key_packages.remove(*r);
                }
                Write::Psk { id, secret } => {
                    self.psks.insert(id.to_vec(), SecretVec::from_slice(secret));
                }
                Write::DeletePsk(id) => {
                    self.psks.remove(*id);
                }
            }
        }
        Ok(())
    }

    fn group(&self, group_id: &[u8]) -> Result<Option<GroupRecords>, Infallible> {
        let copy = |m: &BTreeMap<u32, Vec<u8>>| -> Vec<(u32, SecretVec)> {
            m.iter()
                .map(|(k, v)| (*k, SecretVec::from_slice(v)))
                .collect()
        };
        Ok(self.groups.get(group_id).map(|g| GroupRecords {
            epoch: SecretVec::from_slice(&g.epoch),
            tree: g.tree.iter().map(|(k, v)| (*k, v.clone())).collect(),
            secret_nodes: copy(&g.secret_nodes),
            ratchets: copy(&g.ratchets),
        }))
    }

    fn group_ids(&self) -> Result<Vec<Vec<u8>>, Infallible> {
        Ok(self.groups.keys().cloned().collect())
    }

    fn key_package(&self, reference: &[u8]) -> Result<Option<StoredKeyPackage>, Infallible> {
        Ok(self
            .key_packages
            .get(reference)
            .map(|(kp, p)| StoredKeyPackage {
                key_package: kp.clone(),
                private: SecretVec::from_slice(p.as_bytes()),
            }))
    }

    fn psk(&self, id: &[u8]) -> Result<Option<SecretVec>, Infallible> {
        Ok(self
            .psks
            .get(id)
            .map(|s| SecretVec::from_slice(s.as_bytes())))
    }
}
