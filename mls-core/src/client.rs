//! The client layer: one member identity, its KeyPackages, its groups and
//! its storage, behind calls that take and return bytes.
//!
//! A [`Client`] is made once from a crypto provider, a suite, a signer and
//! a credential. It makes KeyPackages (keeping their private parts in its
//! [`Storage`]), creates groups, and joins from Welcome bytes by finding
//! the KeyPackage the Welcome was made for. [`Client::group`] gives a
//! [`GroupHandle`] with the everyday operations; every call that changes a
//! group writes what changed to the storage in one transaction before it
//! returns (see [`crate::group::GroupChanges`]).
//!
//! # The commit lifecycle
//!
//! A commit ([`GroupHandle::add_members`], [`GroupHandle::remove_members`],
//! [`GroupHandle::self_update`], [`GroupHandle::commit_pending`]) stays
//! pending: send [`CommitMessages::commit`] to the delivery service, then
//! [`GroupHandle::confirm_commit`] once it accepted it (or when it comes
//! back through [`GroupHandle::receive`]), or
//! [`GroupHandle::discard_commit`] if it was rejected. Nothing of a
//! pending commit is stored: after a restart it is gone, as if never sent.
//!
//! # What the delivery service can and cannot do
//!
//! It sees group IDs, epochs, content types and sizes, and every handshake
//! sent as PublicMessage (the default). It can drop, delay, reorder and
//! replay messages: a replay or a message of another epoch is rejected
//! with a typed error and changes nothing; a dropped commit leaves a
//! member behind (it rejoins by external commit). It cannot read
//! application data, forge a member's message, or make members disagree
//! on the group's state without the confirmation tags failing (RFC 9750
//! §8). A member can lie only within what its own signature covers.
//!
//! ```
//! use mls_core::client::{Client, ClientOptions, Event};
//! use mls_core::crypto::CipherSuite;
//! use mls_core::storage::MemoryStorage;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! let provider = mls_crypto_rustcrypto::provider();
//! let rng = || Box::new(mls_crypto_rustcrypto::OsRng);
//! let mut alice = Client::new(provider, suite, b"alice", ClientOptions::default(), MemoryStorage::default(), rng())?;
//! let mut bob = Client::new(provider, suite, b"bob", ClientOptions::default(), MemoryStorage::default(), rng())?;
//!
//! alice.create_group(b"team")?;
//! let bob_kp = bob.key_package()?;
//! let out = alice.group(b"team")?.add_members(&[&bob_kp])?;
//! alice.group(b"team")?.confirm_commit()?;
//! let joined = bob.join(out.welcome.as_deref().unwrap_or_default())?;
//! assert_eq!(joined, b"team");
//!
//! let msg = alice.group(b"team")?.send(b"hi bob")?;
//! match bob.group(b"team")?.receive(&msg)? {
//!     Event::Message { data, .. } => assert_eq!(data, b"hi bob"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok(())
//! # }
//! ```

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::codec::{Encode, VLBytes};
use crate::crypto::{CipherSuite, CryptoProvider, Rng, SecretVec, Signer};
use crate::error::Error;
use crate::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, CommitOutput, CredentialValidator, Group,
    GroupConfig, LeafIndex, MemberIdentity, MemberSigner, ProcessEnv, Received,
};
use crate::key_package::{KeyPackageParams, generate_key_package, key_package_reference};
use crate::messages::{
    Add, Capabilities, Credential, KeyPackage, Lifetime, MlsMessage, MlsMessageBody, Proposal,
    Remove,
};
use crate::storage::{Storage, Write, decode_key_package_private, encode_key_package_private};

/// How a [`Client`] behaves beyond its identity; `Default` suits most
/// applications.
pub struct ClientOptions {
    /// The capabilities its leaves advertise; `None`: MLS 1.0, the client's
    /// suite, basic credentials.
    pub capabilities: Option<Capabilities>,
    /// How long its KeyPackages are valid, in seconds (RFC 9420 §10.1);
    /// with no clock they never expire.
    pub key_package_lifetime: u64,
    /// The configuration of every group it creates or joins.
    pub group_config: GroupConfig,
    /// The authentication service (RFC 9420 §5.3.1): decides which
    /// credentials and signature keys belong together.
    pub credentials: Arc<dyn CredentialValidator + Send + Sync>,
    /// The current time in seconds since the Unix epoch, if the
    /// application has a clock; lifetimes are checked against it.
    pub clock: Option<Arc<dyn Fn() -> u64 + Send + Sync>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            capabilities: None,
            key_package_lifetime: 90 * 24 * 3600,
            group_config: GroupConfig::default(),
            credentials: Arc::new(AcceptAllCredentials),
            clock: None,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("capabilities", &self.capabilities)
            .field("key_package_lifetime", &self.key_package_lifetime)
            .field("group_config", &self.group_config)
            .finish_non_exhaustive()
    }
}

/// An error of the client layer.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError<E> {
    /// The protocol or the caller's input (RFC 9420 rules, codec, crypto).
    Mls(Error),
    /// The storage failed; nothing of the call was kept.
    Storage(E),
    /// The client has no such group.
    NoSuchGroup,
    /// No stored KeyPackage of this client matches the Welcome.
    NoMatchingKeyPackage,
    /// The bytes are not the kind of message the call takes.
    UnexpectedMessage,
}

impl<E> From<Error> for ClientError<E> {
    fn from(e: Error) -> Self {
        Self::Mls(e)
    }
}

impl<E> From<crate::codec::CodecError> for ClientError<E> {
    fn from(e: crate::codec::CodecError) -> Self {
        Self::Mls(e.into())
    }
}

impl<E> From<crate::crypto::CryptoError> for ClientError<E> {
    fn from(e: crate::crypto::CryptoError) -> Self {
        Self::Mls(e.into())
    }
}

impl<E: fmt::Display> fmt::Display for ClientError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mls(e) => write!(f, "{e}"),
            Self::Storage(e) => write!(f, "storage: {e}"),
            Self::NoSuchGroup => f.write_str("no such group"),
            Self::NoMatchingKeyPackage => {
                f.write_str("no stored KeyPackage of this client matches the Welcome")
            }
            Self::UnexpectedMessage => f.write_str("not the kind of message this call takes"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for ClientError<E> {}

/// What [`GroupHandle::receive`] found in a message.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// Application data from a member.
    Message {
        /// The sender's leaf.
        sender: LeafIndex,
        /// The data.
        data: Vec<u8>,
    },
    /// A proposal, cached for a later commit.
    Proposal {
        /// Its type.
        proposal_type: crate::messages::ProposalType,
    },
    /// Another member's commit, merged: the group is in `epoch`.
    Commit {
        /// The new epoch.
        epoch: u64,
        /// Leaves of the members it added.
        added: Vec<LeafIndex>,
        /// Leaves of the members it removed.
        removed: Vec<LeafIndex>,
    },
    /// A commit removed us: the group is closed.
    Removed,
    /// Our own pending commit came back and is merged.
    OwnCommit {
        /// The new epoch.
        epoch: u64,
    },
}

/// The messages of a commit, encoded.
#[derive(Debug)]
#[must_use]
pub struct CommitMessages {
    /// The commit, for the group.
    pub commit: Vec<u8>,
    /// The Welcome, for the members it adds.
    pub welcome: Option<Vec<u8>>,
    /// The signed GroupInfo of the new epoch, when the commit adds members
    /// (for others, [`crate::group::Group::group_info`] after merging).
    pub group_info: Option<Vec<u8>>,
    /// True when the commit carries an UpdatePath (new keys for the
    /// committer: post-compromise security, RFC 9420 §12.4).
    pub has_path: bool,
}

/// A member of a group as the client layer shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its leaf.
    pub leaf: LeafIndex,
    /// Its identity: the basic credential's bytes (empty for others).
    pub identity: Vec<u8>,
    /// Its signature public key.
    pub signature_key: Vec<u8>,
}

/// One member identity with its groups and storage.
pub struct Client<S: Storage> {
    provider: &'static dyn CryptoProvider,
    suite: CipherSuite,
    signer: Arc<dyn Signer>,
    signature_key: Vec<u8>,
    credential: Credential,
    options: ClientOptions,
    capabilities: Capabilities,
    storage: S,
    rng: Box<dyn Rng + Send>,
    groups: BTreeMap<Vec<u8>, Group>,
    psks: ExternalPsks,
}

/// The client's external PSKs, kept in memory and written through to the
/// storage.
#[derive(Default)]
struct ExternalPsks(BTreeMap<Vec<u8>, SecretVec>);

impl crate::group::PskStore for ExternalPsks {
    fn external_psk(&self, psk_id: &[u8]) -> Option<&[u8]> {
        self.0.get(psk_id).map(SecretVec::as_bytes)
    }
}

impl<S: Storage> fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("suite", &self.suite)
            .field("credential", &self.credential)
            .field("groups", &self.groups.len())
            .finish_non_exhaustive()
    }
}

impl<S: Storage> Client<S> {
    /// A client with a fresh signature key and a basic credential
    /// `identity` (RFC 9420 §5.3).
    pub fn new(
        provider: &'static dyn CryptoProvider,
        suite: CipherSuite,
        identity: &[u8],
        options: ClientOptions,
        storage: S,
        mut rng: Box<dyn Rng + Send>,
    ) -> Result<Self, ClientError<S::Error>> {
        let cs = provider
            .cipher_suite(suite)
            .ok_or(crate::error::ProtocolError::UnsupportedCipherSuite)
            .map_err(Error::from)?;
        let (key, _) = cs.signature().generate_key_pair(rng.as_mut())?;
        let credential = Credential::Basic(VLBytes::new(identity.to_vec()));
        Self::with_signer(
            provider,
            suite,
            Arc::new(key),
            credential,
            options,
            storage,
            rng,
        )
    }

    /// A client signing with `signer` (a key in memory, an HSM, a
    /// platform keystore) under `credential`.
    pub fn with_signer(
        provider: &'static dyn CryptoProvider,
        suite: CipherSuite,
        signer: Arc<dyn Signer>,
        credential: Credential,
        options: ClientOptions,
        storage: S,
        rng: Box<dyn Rng + Send>,
    ) -> Result<Self, ClientError<S::Error>> {
        let cs = provider
            .cipher_suite(suite)
            .ok_or(crate::error::ProtocolError::UnsupportedCipherSuite)
            .map_err(Error::from)?;
        let signature_key = signer.public_key(cs)?;
        let capabilities = options
            .capabilities
            .clone()
            .unwrap_or_else(|| Capabilities {
                cipher_suites: [suite].into(),
                ..Capabilities::default()
            });
        Ok(Self {
            provider,
            suite,
            signer,
            signature_key,
            credential,
            options,
            capabilities,
            storage,
            rng,
            groups: BTreeMap::new(),
            psks: ExternalPsks::default(),
        })
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The storage, to change its settings. Groups already loaded do not
    /// see records changed through it: write groups only through the
    /// client.
    pub fn storage_mut(&mut self) -> &mut S {
        &mut self.storage
    }

    /// Ends the client, handing back its storage (everything of the
    /// client's groups is in it; pending commits are dropped).
    pub fn into_storage(self) -> S {
        self.storage
    }

    /// The client's signature public key.
    pub fn signature_key(&self) -> &[u8] {
        &self.signature_key
    }

    fn now(&self) -> Option<u64> {
        self.options.clock.as_ref().map(|c| c())
    }

    fn lifetime(&self) -> Lifetime {
        match self.now() {
            Some(now) => Lifetime {
                not_before: now.saturating_sub(3600),
                not_after: now.saturating_add(self.options.key_package_lifetime),
            },
            None => Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
        }
    }

    fn cs(&self) -> Result<&'static dyn crate::crypto::CipherSuiteProvider, Error> {
        self.provider
            .cipher_suite(self.suite)
            .ok_or_else(|| crate::error::ProtocolError::UnsupportedCipherSuite.into())
    }

    /// A new KeyPackage (RFC 9420 §10), as MLSMessage bytes to publish; its
    /// private part goes to the storage until a Welcome uses it.
    ///
    /// ```
    /// # use mls_core::client::{Client, ClientOptions, Event};
    /// # use mls_core::storage::MemoryStorage;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let suite = mls_core::crypto::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let new = |n: &[u8]| Client::new(mls_crypto_rustcrypto::provider(), suite, n, ClientOptions::default(), MemoryStorage::default(), Box::new(mls_crypto_rustcrypto::OsRng));
    /// let mut bob = new(b"bob")?;
    /// let kp = bob.key_package()?; // MLSMessage bytes, to publish
    /// let msg = mls_core::messages::MlsMessage::from_bytes(&kp)?;
    /// assert!(matches!(msg.body, mls_core::messages::MlsMessageBody::KeyPackage(_)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn key_package(&mut self) -> Result<Vec<u8>, ClientError<S::Error>> {
        let cs = self.cs()?;
        let (kp, private) = generate_key_package(
            cs,
            KeyPackageParams {
                signer: self.signer.as_ref(),
                credential: self.credential.clone(),
                capabilities: self.capabilities.clone(),
                lifetime: self.lifetime(),
                leaf_extensions: Vec::new(),
                extensions: Vec::new(),
            },
            self.rng.as_mut(),
        )?;
        let reference = key_package_reference(cs, &kp)?;
        let encoded = kp.encode()?;
        let private = encode_key_package_private(&private)?;
        self.storage
            .write(&[Write::KeyPackage {
                reference: reference.as_slice(),
                key_package: &encoded,
                private: private.as_bytes(),
            }])
            .map_err(ClientError::Storage)?;
        Ok(MlsMessage::from(kp).to_bytes()?)
    }

    fn identity(&self) -> MemberIdentity {
        MemberIdentity {
            credential: self.credential.clone(),
            signature_key: MemberSigner::External(self.signer.clone()),
            signature_public_key: self.signature_key.clone(),
            capabilities: self.capabilities.clone(),
            extensions: Vec::new(),
            lifetime: self.lifetime(),
        }
    }

    /// Creates a group with us as its only member (RFC 9420 §11).
    ///
    /// ```
    /// # use mls_core::client::{Client, ClientOptions, Event};
    /// # use mls_core::storage::MemoryStorage;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let suite = mls_core::crypto::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let new = |n: &[u8]| Client::new(mls_crypto_rustcrypto::provider(), suite, n, ClientOptions::default(), MemoryStorage::default(), Box::new(mls_crypto_rustcrypto::OsRng));
    /// let mut alice = new(b"alice")?;
    /// alice.create_group(b"team")?;
    /// assert_eq!(alice.group(b"team")?.epoch()?, 0);
    /// assert_eq!(alice.group_ids()?, vec![b"team".to_vec()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_group(&mut self, group_id: &[u8]) -> Result<(), ClientError<S::Error>> {
        let group = Group::create(
            self.provider,
            self.suite,
            group_id.to_vec(),
            self.identity(),
            Vec::new(),
            self.options.group_config,
            self.rng.as_mut(),
        )?;
        self.store_new(group, None)
    }

    /// Joins the group a Welcome (MLSMessage bytes) invites us to, with the
    /// stored KeyPackage it was made for, which is then deleted (RFC 9420
    /// §12.4.3.1). Returns the group ID.
    ///
    /// ```
    /// # use mls_core::client::{Client, ClientOptions, Event};
    /// # use mls_core::storage::MemoryStorage;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let suite = mls_core::crypto::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let new = |n: &[u8]| Client::new(mls_crypto_rustcrypto::provider(), suite, n, ClientOptions::default(), MemoryStorage::default(), Box::new(mls_crypto_rustcrypto::OsRng));
    /// # let (mut alice, mut bob) = (new(b"alice")?, new(b"bob")?);
    /// # alice.create_group(b"g")?;
    /// # let kp = bob.key_package()?;
    /// # let w = alice.group(b"g")?.add_members(&[&kp])?.welcome.unwrap();
    /// # alice.group(b"g")?.confirm_commit()?;
    /// # bob.join(&w)?;
    /// // `bob` joined from `w` above; a second Welcome for the same
    /// // KeyPackage finds nothing: it was used and deleted.
    /// assert!(bob.join(&w).is_err());
    /// assert_eq!(bob.group(b"g")?.members()?.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn join(&mut self, welcome: &[u8]) -> Result<Vec<u8>, ClientError<S::Error>> {
        let MlsMessageBody::Welcome(welcome) = MlsMessage::from_bytes(welcome)?.body else {
            return Err(ClientError::UnexpectedMessage);
        };
        let mut found = None;
        for s in &welcome.secrets {
            let r = s.new_member.as_slice();
            if let Some(kp) = self.storage.key_package(r).map_err(ClientError::Storage)? {
                found = Some((r.to_vec(), kp));
                break;
            }
        }
        let (reference, stored) = found.ok_or(ClientError::NoMatchingKeyPackage)?;
        let kp: KeyPackage = crate::codec::decode(&stored.key_package)?;
        let private = decode_key_package_private(stored.private.as_bytes())?;
        let mut env = ProcessEnv {
            psks: &self.psks,
            credentials: self.options.credentials.as_ref(),
            now: self.now(),
        };
        let group = Group::join(
            self.provider,
            &welcome,
            &kp,
            private,
            MemberSigner::External(self.signer.clone()),
            None,
            &mut env,
            self.options.group_config,
        )?;
        let id = group.group_id().to_vec();
        self.store_new(group, Some(&reference))?;
        Ok(id)
    }

    /// Writes a new group, and deletes the KeyPackage it consumed, in one
    /// transaction; then keeps the group.
    fn store_new(
        &mut self,
        mut group: Group,
        used_key_package: Option<&[u8]>,
    ) -> Result<(), ClientError<S::Error>> {
        let changes = group.changes()?;
        let mut writes = alloc::vec![Write::Group(&changes)];
        if let Some(r) = used_key_package {
            writes.push(Write::DeleteKeyPackage(r));
        }
        self.storage.write(&writes).map_err(ClientError::Storage)?;
        group.mark_saved();
        self.groups.insert(group.group_id().to_vec(), group);
        Ok(())
    }

    /// The group `group_id`, loaded from the storage if not in memory.
    pub fn group(&mut self, group_id: &[u8]) -> Result<GroupHandle<'_, S>, ClientError<S::Error>> {
        if !self.groups.contains_key(group_id) {
            let records = self
                .storage
                .group(group_id)
                .map_err(ClientError::Storage)?
                .ok_or(ClientError::NoSuchGroup)?;
            let g = Group::from_records(self.provider, &records, Some(self.signer.clone()))?;
            self.groups.insert(group_id.to_vec(), g);
        }
        Ok(GroupHandle {
            client: self,
            id: group_id.to_vec(),
        })
    }

    /// Adds an external PSK (RFC 9420 §8.4) under `id`, for commits and
    /// Welcomes that inject it; it is written to the storage.
    pub fn add_psk(&mut self, id: &[u8], secret: &[u8]) -> Result<(), ClientError<S::Error>> {
        self.storage
            .write(&[Write::Psk { id, secret }])
            .map_err(ClientError::Storage)?;
        self.psks
            .0
            .insert(id.to_vec(), SecretVec::from_slice(secret));
        Ok(())
    }

    /// Loads an external PSK kept in the storage by an earlier run; false
    /// if the storage has none under `id`.
    pub fn load_psk(&mut self, id: &[u8]) -> Result<bool, ClientError<S::Error>> {
        match self.storage.psk(id).map_err(ClientError::Storage)? {
            Some(s) => {
                self.psks.0.insert(id.to_vec(), s);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The IDs of the client's groups (from the storage).
    pub fn group_ids(&self) -> Result<Vec<Vec<u8>>, ClientError<S::Error>> {
        self.storage.group_ids().map_err(ClientError::Storage)
    }
}

/// One of a client's groups: the everyday operations, bytes in and out.
/// Every call that succeeds has written its changes to the storage.
pub struct GroupHandle<'c, S: Storage> {
    client: &'c mut Client<S>,
    id: Vec<u8>,
}

impl<S: Storage> fmt::Debug for GroupHandle<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupHandle")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<S: Storage> GroupHandle<'_, S> {
    fn group(&self) -> Result<&Group, ClientError<S::Error>> {
        self.client
            .groups
            .get(&self.id)
            .ok_or(ClientError::NoSuchGroup)
    }

    /// The underlying low-level group (read-only).
    pub fn inner(&self) -> Result<&Group, ClientError<S::Error>> {
        self.group()
    }

    /// Runs `f` on the group, then writes what it changed in one
    /// transaction. If the write fails, the group is dropped from memory
    /// (the storage still holds its state before the call) and the error
    /// returned.
    fn with_group<T>(
        &mut self,
        f: impl FnOnce(&mut Group, &mut ClientCtx<'_>) -> Result<T, Error>,
    ) -> Result<T, ClientError<S::Error>> {
        let c = &mut *self.client;
        let now = c.options.clock.as_ref().map(|c| c());
        let group = c.groups.get_mut(&self.id).ok_or(ClientError::NoSuchGroup)?;
        let mut ctx = ClientCtx {
            provider: c.provider,
            rng: c.rng.as_mut(),
            credentials: c.options.credentials.as_ref(),
            psks: &c.psks,
            now,
        };
        let out = f(group, &mut ctx)?;
        if group.has_pending_commit() {
            return Ok(out);
        }
        let changes = group.changes()?;
        if !changes.is_empty() {
            if let Err(e) = c.storage.write(&[Write::Group(&changes)]) {
                c.groups.remove(&self.id);
                return Err(ClientError::Storage(e));
            }
        }
        group.mark_saved();
        Ok(out)
    }

    fn commit(&mut self, options: CommitOptions) -> Result<CommitMessages, ClientError<S::Error>> {
        let out: CommitOutput = self.with_group(|g, ctx| {
            let mut env = CommitEnv {
                rng: ctx.rng,
                psks: ctx.psks,
                credentials: ctx.credentials,
                now: ctx.now,
            };
            g.commit(ctx.provider, options, &mut env)
        })?;
        let has_path = self.group()?.pending_commit_has_path();
        Ok(CommitMessages {
            commit: out.commit.to_bytes()?,
            welcome: out.welcome.map(|w| w.to_bytes()).transpose()?,
            group_info: out
                .group_info
                .map(|gi| MlsMessage::from(gi).to_bytes())
                .transpose()?,
            has_path,
        })
    }

    /// Commits the Adds of these KeyPackages (MLSMessage bytes) and every
    /// pending proposal (RFC 9420 §12.1.1, §12.4). Pending until
    /// [`GroupHandle::confirm_commit`].
    pub fn add_members(
        &mut self,
        key_packages: &[&[u8]],
    ) -> Result<CommitMessages, ClientError<S::Error>> {
        let mut proposals = Vec::with_capacity(key_packages.len());
        for kp in key_packages {
            let MlsMessageBody::KeyPackage(key_package) = MlsMessage::from_bytes(kp)?.body else {
                return Err(ClientError::UnexpectedMessage);
            };
            proposals.push(Proposal::Add(Add { key_package }));
        }
        self.commit(CommitOptions {
            proposals,
            include_pending: true,
            ..CommitOptions::default()
        })
    }

    /// Commits the removal of these members (RFC 9420 §12.1.3).
    ///
    /// ```
    /// # use mls_core::client::{Client, ClientOptions, Event};
    /// # use mls_core::storage::MemoryStorage;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let suite = mls_core::crypto::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let new = |n: &[u8]| Client::new(mls_crypto_rustcrypto::provider(), suite, n, ClientOptions::default(), MemoryStorage::default(), Box::new(mls_crypto_rustcrypto::OsRng));
    /// # let (mut alice, mut bob) = (new(b"alice")?, new(b"bob")?);
    /// # alice.create_group(b"g")?;
    /// # let kp = bob.key_package()?;
    /// # let w = alice.group(b"g")?.add_members(&[&kp])?.welcome.unwrap();
    /// # alice.group(b"g")?.confirm_commit()?;
    /// # bob.join(&w)?;
    /// let bob_leaf = alice.group(b"g")?.member_by_identity(b"bob")?.unwrap();
    /// let out = alice.group(b"g")?.remove_members(&[bob_leaf])?;
    /// assert!(out.has_path); // a Remove needs fresh keys
    /// alice.group(b"g")?.confirm_commit()?;
    /// assert!(matches!(bob.group(b"g")?.receive(&out.commit)?, Event::Removed));
    /// # Ok(())
    /// # }
    /// ```
    pub fn remove_members(
        &mut self,
        leaves: &[LeafIndex],
    ) -> Result<CommitMessages, ClientError<S::Error>> {
        let proposals = leaves
            .iter()
            .map(|l| Proposal::Remove(Remove { removed: *l }))
            .collect();
        self.commit(CommitOptions {
            proposals,
            include_pending: true,
            ..CommitOptions::default()
        })
    }

    /// Commits fresh keys for us (a full UpdatePath, RFC 9420 §12.4).
    pub fn self_update(&mut self) -> Result<CommitMessages, ClientError<S::Error>> {
        self.commit(CommitOptions {
            include_pending: true,
            force_path: true,
            ..CommitOptions::default()
        })
    }

    /// Commits the pending proposals.
    pub fn commit_pending(&mut self) -> Result<CommitMessages, ClientError<S::Error>> {
        self.commit(CommitOptions {
            include_pending: true,
            ..CommitOptions::default()
        })
    }

    /// Merges our pending commit once the delivery service accepted it,
    /// and stores the new epoch.
    pub fn confirm_commit(&mut self) -> Result<(), ClientError<S::Error>> {
        self.with_group(|g, _| g.merge_pending())
    }

    /// Drops our pending commit (the delivery service refused it).
    ///
    /// ```
    /// # use mls_core::client::{Client, ClientOptions, Event};
    /// # use mls_core::storage::MemoryStorage;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let suite = mls_core::crypto::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let new = |n: &[u8]| Client::new(mls_crypto_rustcrypto::provider(), suite, n, ClientOptions::default(), MemoryStorage::default(), Box::new(mls_crypto_rustcrypto::OsRng));
    /// # let (mut alice, mut bob) = (new(b"alice")?, new(b"bob")?);
    /// # alice.create_group(b"g")?;
    /// # let kp = bob.key_package()?;
    /// # let w = alice.group(b"g")?.add_members(&[&kp])?.welcome.unwrap();
    /// # alice.group(b"g")?.confirm_commit()?;
    /// # bob.join(&w)?;
    /// let before = alice.group(b"g")?.epoch()?;
    /// let _refused = alice.group(b"g")?.self_update()?;
    /// alice.group(b"g")?.discard_commit()?; // the server refused it
    /// assert_eq!(alice.group(b"g")?.epoch()?, before);
    /// # Ok(())
    /// # }
    /// ```
    pub fn discard_commit(&mut self) -> Result<(), ClientError<S::Error>> {
        self.with_group(|g, _| {
            g.discard_pending();
            Ok(())
        })
    }

    /// Proposes adding the member of a KeyPackage (MLSMessage bytes).
    pub fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>, ClientError<S::Error>> {
        let MlsMessageBody::KeyPackage(kp) = MlsMessage::from_bytes(key_package)?.body else {
            return Err(ClientError::UnexpectedMessage);
        };
        let m = self.with_group(|g, ctx| g.propose_add(ctx.provider, kp, ctx.rng))?;
        Ok(m.to_bytes()?)
    }

    /// Proposes removing a member.
    pub fn propose_remove(&mut self, leaf: LeafIndex) -> Result<Vec<u8>, ClientError<S::Error>> {
        let m = self.with_group(|g, ctx| g.propose_remove(ctx.provider, leaf, ctx.rng))?;
        Ok(m.to_bytes()?)
    }

    /// Proposes fresh keys for our leaf.
    ///
    /// ```
    /// # use mls_core::client::{Client, ClientOptions, Event};
    /// # use mls_core::storage::MemoryStorage;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let suite = mls_core::crypto::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let new = |n: &[u8]| Client::new(mls_crypto_rustcrypto::provider(), suite, n, ClientOptions::default(), MemoryStorage::default(), Box::new(mls_crypto_rustcrypto::OsRng));
    /// # let (mut alice, mut bob) = (new(b"alice")?, new(b"bob")?);
    /// # alice.create_group(b"g")?;
    /// # let kp = bob.key_package()?;
    /// # let w = alice.group(b"g")?.add_members(&[&kp])?.welcome.unwrap();
    /// # alice.group(b"g")?.confirm_commit()?;
    /// # bob.join(&w)?;
    /// let proposal = bob.group(b"g")?.propose_update()?;
    /// assert!(matches!(alice.group(b"g")?.receive(&proposal)?, Event::Proposal { .. }));
    /// let out = alice.group(b"g")?.commit_pending()?; // commits Bob's Update
    /// alice.group(b"g")?.confirm_commit()?;
    /// assert!(matches!(bob.group(b"g")?.receive(&out.commit)?, Event::Commit { .. }));
    /// # Ok(())
    /// # }
    /// ```
    pub fn propose_update(&mut self) -> Result<Vec<u8>, ClientError<S::Error>> {
        let m = self.with_group(|g, ctx| g.propose_update(ctx.provider, ctx.rng))?;
        Ok(m.to_bytes()?)
    }

    /// Proposes injecting the external PSK `id` (RFC 9420 §12.1.4); every
    /// member needs it ([`Client::add_psk`]) to follow the commit.
    pub fn propose_psk(&mut self, id: &[u8]) -> Result<Vec<u8>, ClientError<S::Error>> {
        let m =
            self.with_group(|g, ctx| g.propose_external_psk(ctx.provider, id.to_vec(), ctx.rng))?;
        Ok(m.to_bytes()?)
    }

    /// Encrypts application data for the group (RFC 9420 §6.3).
    pub fn send(&mut self, data: &[u8]) -> Result<Vec<u8>, ClientError<S::Error>> {
        let m = self.with_group(|g, ctx| g.protect(ctx.provider, data, b"", ctx.rng))?;
        Ok(m.to_bytes()?)
    }

    /// Processes a message of the group (MLSMessage bytes): application
    /// data is returned, proposals cached, commits verified and merged.
    /// A rejected message changes nothing.
    pub fn receive(&mut self, message: &[u8]) -> Result<Event, ClientError<S::Error>> {
        self.with_group(|g, ctx| {
            let mut env = ProcessEnv {
                psks: ctx.psks,
                credentials: ctx.credentials,
                now: ctx.now,
            };
            Ok(match g.process_bytes(ctx.provider, message, &mut env)? {
                Received::Application { sender, data, .. } => Event::Message { sender, data },
                Received::Proposal(p) => Event::Proposal {
                    proposal_type: p.proposal_type,
                },
                Received::Commit(staged) => {
                    let removed_self = staged.removes_self();
                    let added = staged.added.iter().map(|(l, _)| *l).collect();
                    let removed = staged.removed.iter().map(|(l, _)| *l).collect();
                    g.merge_staged(*staged)?;
                    if removed_self {
                        Event::Removed
                    } else {
                        Event::Commit {
                            epoch: g.epoch(),
                            added,
                            removed,
                        }
                    }
                }
                Received::OwnCommit => {
                    g.merge_pending()?;
                    Event::OwnCommit { epoch: g.epoch() }
                }
            })
        })
    }

    /// MLS-Exporter(label, context, len) of the current epoch (RFC 9420
    /// §8.5).
    ///
    /// ```
    /// # use mls_core::client::{Client, ClientOptions, Event};
    /// # use mls_core::storage::MemoryStorage;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let suite = mls_core::crypto::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let new = |n: &[u8]| Client::new(mls_crypto_rustcrypto::provider(), suite, n, ClientOptions::default(), MemoryStorage::default(), Box::new(mls_crypto_rustcrypto::OsRng));
    /// # let (mut alice, mut bob) = (new(b"alice")?, new(b"bob")?);
    /// # alice.create_group(b"g")?;
    /// # let kp = bob.key_package()?;
    /// # let w = alice.group(b"g")?.add_members(&[&kp])?.welcome.unwrap();
    /// # alice.group(b"g")?.confirm_commit()?;
    /// # bob.join(&w)?;
    /// let a = alice.group(b"g")?.export_secret(b"my app", b"", 32)?;
    /// let b = bob.group(b"g")?.export_secret(b"my app", b"", 32)?;
    /// assert!(a.as_bytes() == b.as_bytes());
    /// # Ok(())
    /// # }
    /// ```
    pub fn export_secret(
        &self,
        label: &[u8],
        context: &[u8],
        len: usize,
    ) -> Result<SecretVec, ClientError<S::Error>> {
        Ok(self
            .group()?
            .export(self.client.provider, label, context, len)?)
    }

    /// The current epoch.
    pub fn epoch(&self) -> Result<u64, ClientError<S::Error>> {
        Ok(self.group()?.epoch())
    }

    /// The members, in leaf order.
    ///
    /// ```
    /// # use mls_core::client::{Client, ClientOptions, Event};
    /// # use mls_core::storage::MemoryStorage;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let suite = mls_core::crypto::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let new = |n: &[u8]| Client::new(mls_crypto_rustcrypto::provider(), suite, n, ClientOptions::default(), MemoryStorage::default(), Box::new(mls_crypto_rustcrypto::OsRng));
    /// # let (mut alice, mut bob) = (new(b"alice")?, new(b"bob")?);
    /// # alice.create_group(b"g")?;
    /// # let kp = bob.key_package()?;
    /// # let w = alice.group(b"g")?.add_members(&[&kp])?.welcome.unwrap();
    /// # alice.group(b"g")?.confirm_commit()?;
    /// # bob.join(&w)?;
    /// let names: Vec<Vec<u8>> =
    ///     alice.group(b"g")?.members()?.into_iter().map(|m| m.identity).collect();
    /// assert_eq!(names, vec![b"alice".to_vec(), b"bob".to_vec()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn members(&self) -> Result<Vec<Member>, ClientError<S::Error>> {
        Ok(self
            .group()?
            .members()
            .map(|(leaf, l)| Member {
                leaf,
                identity: match &l.credential {
                    Credential::Basic(id) => id.as_slice().to_vec(),
                    _ => Vec::new(),
                },
                signature_key: l.signature_key.as_slice().to_vec(),
            })
            .collect())
    }

    /// The leaf of the member whose basic credential is `identity`.
    pub fn member_by_identity(
        &self,
        identity: &[u8],
    ) -> Result<Option<LeafIndex>, ClientError<S::Error>> {
        Ok(self
            .group()?
            .members()
            .find(|(_, l)| matches!(&l.credential, Credential::Basic(id) if id.as_slice() == identity))
            .map(|(i, _)| i))
    }
}

/// What a group call needs from the client besides the group.
struct ClientCtx<'a> {
    provider: &'static dyn CryptoProvider,
    rng: &'a mut dyn Rng,
    credentials: &'a dyn CredentialValidator,
    psks: &'a dyn crate::group::PskStore,
    now: Option<u64>,
}
