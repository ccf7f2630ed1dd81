//! One client of one MLS implementation, driven through wire bytes only.
//!
//! Every argument and result that crosses between implementations is an
//! `MLSMessage` encoding (RFC 9420 §6) or, for a ratchet tree sent out of
//! band, the TLS encoding of `optional<Node> ratchet_tree<V>` (§12.4.3.3).
//! The operations follow the interop harness's `mls_client.proto`
//! (createGroup, createKeyPackage, joinGroup, externalJoin, the proposal
//! calls, commit, handleCommit, protect/unprotect, reinit, branch).

use core::fmt;

/// The result of a peer operation: errors are the peer's own, formatted.
pub type Res<T> = Result<T, String>;

/// Turns any debuggable error into the peer error text.
pub(crate) fn err<E: fmt::Debug>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e:?}")
}

/// The implementations in the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Impl {
    /// mls-core on its RustCrypto backend.
    Ours,
    /// OpenMLS 0.9.2 on `openmls_rust_crypto`.
    OpenMls,
    /// mls-rs 0.57 on `mls-rs-crypto-rustcrypto`.
    MlsRs,
}

impl Impl {
    /// All implementations, in matrix order.
    pub const ALL: [Impl; 3] = [Impl::Ours, Impl::OpenMls, Impl::MlsRs];

    /// The short name printed in the matrix.
    pub fn short(self) -> &'static str {
        match self {
            Impl::Ours => "ours",
            Impl::OpenMls => "openmls",
            Impl::MlsRs => "mls-rs",
        }
    }

    /// The cipher suites this implementation (with its provider) serves.
    pub fn suites(self) -> &'static [u16] {
        match self {
            Impl::Ours => &[1, 2, 3, 4, 5, 6, 7],
            Impl::OpenMls => &[1, 2, 3],
            Impl::MlsRs => &[1, 2, 3, 7],
        }
    }

    /// Why this implementation cannot do `feature`, or `None`.
    pub fn lacks(self, feature: Feature) -> Option<&'static str> {
        match (self, feature) {
            (Impl::Ours, Feature::ExternalCommitPsk) => {
                Some("mls-core's join_external takes no PSK proposals")
            }
            (Impl::OpenMls, Feature::ReInit) => {
                Some("OpenMLS 0.9.2 has no ReInit in its released API")
            }
            (Impl::OpenMls, Feature::Branch) => {
                Some("OpenMLS 0.9.2 has no branch in its released API")
            }
            (Impl::OpenMls, Feature::ExternalCommitPsk) => {
                Some("OpenMLS 0.9.2's external commit builder takes no PSK proposals")
            }
            (Impl::MlsRs, Feature::ExternalSender) => Some(
                "mls-rs signs external proposals only from an ExternalClient (feature external_client)",
            ),
            _ => None,
        }
    }

    /// A fresh client `name` on `suite`.
    pub fn client(self, name: &str, suite: u16) -> Res<Box<dyn Peer>> {
        match self {
            Impl::Ours => Ok(Box::new(crate::adapters::ours::OursPeer::new(name, suite))),
            Impl::OpenMls => Ok(Box::new(crate::adapters::openmls::OpenMlsPeer::new(
                name, suite,
            )?)),
            Impl::MlsRs => crate::adapters::mls_rs::new_peer(name, suite),
        }
    }
}

impl fmt::Display for Impl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short())
    }
}

/// An external sender of the group (RFC 9420 §12.1.8.1): a Basic
/// credential and a signature public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtSender {
    /// The Basic credential's identity.
    pub name: Vec<u8>,
    /// The signature public key.
    pub signature_key: Vec<u8>,
}

/// A proposal to send (or to commit by value).
#[derive(Debug, Clone)]
pub enum Prop {
    /// Add the owner of this KeyPackage (`MLSMessage` bytes).
    Add(Vec<u8>),
    /// Update our own leaf (by reference only, §12.2).
    Update,
    /// Remove the member at this leaf.
    Remove(u32),
    /// Inject the external PSK with this ID.
    ExternalPsk(Vec<u8>),
    /// Inject this group's resumption PSK (usage application) of an epoch.
    ResumptionPsk(u64),
    /// Replace the GroupContext extensions: an `external_senders`
    /// extension with these senders, or no extension when empty.
    GroupContextExtensions(Vec<ExtSender>),
    /// Reinitialize the group with this group ID and suite, same version.
    ReInit {
        /// The successor's group ID.
        group_id: Vec<u8>,
        /// The successor's suite.
        suite: u16,
    },
}

impl Prop {
    /// The proposal type's name.
    pub fn kind(&self) -> &'static str {
        match self {
            Prop::Add(_) => "add",
            Prop::Update => "update",
            Prop::Remove(_) => "remove",
            Prop::ExternalPsk(_) => "external_psk",
            Prop::ResumptionPsk(_) => "resumption_psk",
            Prop::GroupContextExtensions(_) => "group_context_extensions",
            Prop::ReInit { .. } => "reinit",
        }
    }
}

/// What to commit.
#[derive(Debug, Clone)]
pub struct CommitSpec {
    /// Proposals by value.
    pub by_value: Vec<Prop>,
    /// Include the cached proposals by reference. (mls-rs and OpenMLS
    /// always do; scenarios commit by value only with an empty cache.)
    pub by_reference: bool,
    /// Send an UpdatePath even when none is required.
    pub force_path: bool,
}

impl Default for CommitSpec {
    fn default() -> Self {
        Self {
            by_value: Vec::new(),
            by_reference: true,
            force_path: false,
        }
    }
}

/// What a commit produced.
#[derive(Debug, Clone)]
pub struct CommitOut {
    /// The Commit, for the group.
    pub commit: Vec<u8>,
    /// The Welcome, when members were added.
    pub welcome: Option<Vec<u8>>,
}

/// What a received message was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Application data.
    Application(Vec<u8>),
    /// A commit, applied: the new epoch, and whether it removed us.
    Commit {
        /// The epoch after the commit.
        epoch: u64,
        /// The commit removed the receiver.
        removed: bool,
    },
    /// A proposal, cached.
    Proposal,
}

/// The key-schedule fingerprint every member must agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochState {
    /// The epoch.
    pub epoch: u64,
    /// The epoch authenticator (RFC 9420 §8, Table 4).
    pub authenticator: Vec<u8>,
    /// `MLS-Exporter("interop exporter", "mls-peers", 32)` (§8.5).
    pub exporter: Vec<u8>,
}

/// How to join by external commit.
#[derive(Debug, Clone, Default)]
pub struct ExternalJoin {
    /// Inject this external PSK in the external commit.
    pub psk: Option<Vec<u8>>,
    /// Remove our own earlier leaf (resync, §12.4.3.2).
    pub resync: bool,
    /// The ratchet tree out of band (else from the GroupInfo).
    pub tree: Option<Vec<u8>>,
}

/// Optional features of the scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Send or commit a ReInit, create or join the successor.
    ReInit,
    /// Create or join a branch (subgroup).
    Branch,
    /// Inject an external PSK in an external commit.
    ExternalCommitPsk,
    /// Sign proposals as an external sender.
    ExternalSender,
    /// Sign an Add of one's own KeyPackage as a new member.
    NewMemberAdd,
}

/// One client of one implementation, holding at most one group.
pub trait Peer {
    /// The implementation.
    fn implementation(&self) -> Impl;
    /// The client's name (its Basic credential's identity).
    fn name(&self) -> &str;
    /// Why this peer cannot do `feature`, or `None` when it can.
    fn lacks(&self, feature: Feature) -> Option<&'static str> {
        self.implementation().lacks(feature)
    }

    /// Whether Welcomes we create from now on carry the ratchet tree
    /// (default) or the tree goes out of band; set before creating or
    /// joining the group.
    fn set_tree_in_welcome(&mut self, on: bool);
    /// A fresh KeyPackage (`MLSMessage`), its private keys kept.
    fn key_package(&mut self) -> Res<Vec<u8>>;
    /// Makes an external PSK known.
    fn install_psk(&mut self, id: &[u8], secret: &[u8]) -> Res<()>;
    /// Creates a group with us as its only member.
    fn create_group(&mut self, group_id: &[u8]) -> Res<()>;
    /// Joins from a Welcome; `tree` when the tree is sent out of band.
    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Res<()>;
    /// A signed GroupInfo (`MLSMessage`) allowing external commits.
    fn group_info(&mut self, with_tree: bool) -> Res<Vec<u8>>;
    /// The current ratchet tree, TLS-encoded.
    fn ratchet_tree(&mut self) -> Res<Vec<u8>>;
    /// Joins by external commit; returns the commit for the group.
    fn external_join(&mut self, group_info: &[u8], how: &ExternalJoin) -> Res<Vec<u8>>;

    /// Sends a proposal (cached by the sender too).
    fn propose(&mut self, proposal: &Prop) -> Res<Vec<u8>>;
    /// Commits and applies the commit locally.
    fn commit(&mut self, spec: &CommitSpec) -> Res<CommitOut>;
    /// Processes a message; a commit is applied.
    fn process(&mut self, message: &[u8]) -> Res<Event>;
    /// Encrypts application data.
    fn protect(&mut self, data: &[u8]) -> Res<Vec<u8>>;

    /// The current epoch's fingerprint.
    fn state(&mut self) -> Res<EpochState>;
    /// Our leaf index.
    fn leaf(&self) -> Res<u32>;
    /// The leaf index of the member named `name`, if any.
    fn leaf_of(&self, name: &str) -> Res<Option<u32>>;
    /// The number of members.
    fn members(&self) -> Res<usize>;

    /// A fresh external-sender identity (a signature key pair kept here).
    fn external_sender(&mut self) -> Res<ExtSender> {
        Err(self
            .lacks(Feature::ExternalSender)
            .unwrap_or("no external sender")
            .to_string())
    }
    /// As external sender `index` of the group of `group_info`, signs
    /// `proposal` (a PublicMessage with sender `external`).
    fn external_proposal(
        &mut self,
        group_info: &[u8],
        index: u32,
        proposal: &Prop,
    ) -> Res<Vec<u8>> {
        let _ = (group_info, index, proposal);
        Err(self
            .lacks(Feature::ExternalSender)
            .unwrap_or("no external sender")
            .to_string())
    }
    /// Signs an Add of a fresh KeyPackage of ours as a new member
    /// (sender `new_member_proposal`) for the group of `group_info`.
    fn new_member_add(&mut self, group_info: &[u8]) -> Res<Vec<u8>> {
        let _ = group_info;
        Err(self
            .lacks(Feature::NewMemberAdd)
            .unwrap_or("no new-member proposals")
            .to_string())
    }

    /// After a ReInit commit: a KeyPackage for the successor group.
    fn reinit_key_package(&mut self) -> Res<Vec<u8>> {
        Err(self
            .lacks(Feature::ReInit)
            .unwrap_or("no ReInit")
            .to_string())
    }
    /// After a ReInit commit: creates the successor, adding `key_packages`;
    /// returns the Welcome. We are in the successor afterwards.
    fn reinit_create(&mut self, key_packages: &[Vec<u8>]) -> Res<Vec<u8>> {
        let _ = key_packages;
        Err(self
            .lacks(Feature::ReInit)
            .unwrap_or("no ReInit")
            .to_string())
    }
    /// After a ReInit commit: joins the successor from its Welcome.
    fn reinit_join(&mut self, welcome: &[u8]) -> Res<()> {
        let _ = welcome;
        Err(self
            .lacks(Feature::ReInit)
            .unwrap_or("no ReInit")
            .to_string())
    }
    /// Creates a branch `group_id` of our group with the owners of
    /// `key_packages`; returns the Welcome. We are in the branch afterwards.
    fn branch(
        &mut self,
        group_id: &[u8],
        key_packages: &[Vec<u8>],
        force_path: bool,
    ) -> Res<Vec<u8>> {
        let _ = (group_id, key_packages, force_path);
        Err(self
            .lacks(Feature::Branch)
            .unwrap_or("no branch")
            .to_string())
    }
    /// Joins a branch of our group from its Welcome.
    fn branch_join(&mut self, welcome: &[u8]) -> Res<()> {
        let _ = welcome;
        Err(self
            .lacks(Feature::Branch)
            .unwrap_or("no branch")
            .to_string())
    }
}
