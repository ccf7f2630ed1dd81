//! Proposal validation (RFC 9420 §12.1, §12.2) and application (§12.3).

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::epoch::EpochView;
use super::{CredentialValidator, GroupError, PskStore};
use crate::codec::{Encode, decode};
use crate::crypto::CipherSuiteProvider;
use crate::crypto::labeled::verify_with_label;
use crate::error::Error;
use crate::messages::group_context::Extension;
use crate::messages::{
    ExtensionType, KeyPackage, LeafNode, LeafNodeSource, PreSharedKeyId, Proposal, ProposalType,
    Psk, ReInit, RequiredCapabilities, Sender,
};
use crate::tree::{StagedTree, TreeRead};
use crate::tree_math::LeafIndex;

/// A proposal received this epoch, kept for a commit that references it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedProposal {
    /// Its ProposalRef (RFC 9420 §5.2).
    pub reference: Vec<u8>,
    /// The proposal.
    pub proposal: Proposal,
    /// Who sent it.
    pub sender: Sender,
}

/// The proposals cached in one epoch, in arrival order, indexed by
/// reference: a lookup or a de-duplication costs O(log k), not O(k).
#[derive(Debug, Clone, Default)]
pub(crate) struct ProposalCache {
    list: Vec<CachedProposal>,
    by_ref: alloc::collections::BTreeMap<Vec<u8>, usize>,
}

impl ProposalCache {
    /// Caches `p` unless one with its reference is cached already; false
    /// then.
    pub(crate) fn push(&mut self, p: CachedProposal) -> bool {
        if self.by_ref.contains_key(&p.reference) {
            return false;
        }
        self.by_ref.insert(p.reference.clone(), self.list.len());
        self.list.push(p);
        true
    }
    /// The proposal with this reference.
    pub(crate) fn get(&self, reference: &[u8]) -> Option<&CachedProposal> {
        self.by_ref.get(reference).and_then(|&i| self.list.get(i))
    }
    pub(crate) fn contains(&self, reference: &[u8]) -> bool {
        self.by_ref.contains_key(reference)
    }
    pub(crate) fn clear(&mut self) {
        self.list.clear();
        self.by_ref.clear();
    }
}

impl core::ops::Deref for ProposalCache {
    type Target = [CachedProposal];
    fn deref(&self) -> &[CachedProposal] {
        &self.list
    }
}

/// What a received proposal asks for, for the application to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalSummary {
    /// The proposal type.
    pub proposal_type: ProposalType,
    /// Who sent it.
    pub sender: Sender,
}

impl ProposalSummary {
    pub(crate) fn of(p: &Proposal, sender: &Sender) -> Self {
        Self {
            proposal_type: p.proposal_type(),
            sender: *sender,
        }
    }
}

/// Which senders may send which proposals (RFC 9420 §12.1.8, §17.4 "Ext").
pub(crate) fn check_proposal_sender(sender: &Sender, p: &Proposal) -> Result<(), Error> {
    let ok = match sender {
        Sender::Member(_) => !matches!(p, Proposal::ExternalInit(_)),
        // RFC 9420 §12.1.8: only these types may come from an `external`
        // sender; others (custom types included, which this library cannot
        // know to be allowed) are rejected as malformed.
        Sender::External(_) => matches!(
            p,
            Proposal::Add(_)
                | Proposal::Remove(_)
                | Proposal::PreSharedKey(_)
                | Proposal::ReInit(_)
                | Proposal::GroupContextExtensions(_)
        ),
        Sender::NewMemberProposal => matches!(p, Proposal::Add(_)),
        Sender::NewMemberCommit => false,
    };
    if ok {
        Ok(())
    } else {
        Err(GroupError::SenderNotAllowed.into())
    }
}

/// A proposal of a commit with its sender (the committer for by-value ones).
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub proposal: Proposal,
    pub sender: Sender,
}

/// What applying a proposal list did (RFC 9420 §12.3).
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// New GroupContext extensions, if a GCE proposal was committed.
    pub extensions: Option<Vec<Extension>>,
    /// New members: their leaf and KeyPackage, in Add order.
    pub added: Vec<(LeafIndex, KeyPackage)>,
    /// Removed members.
    pub removed: Vec<(LeafIndex, LeafNode)>,
    /// Members who updated their leaf.
    pub updated: Vec<LeafIndex>,
    /// PSKs to inject, in order.
    pub psks: Vec<PreSharedKeyId>,
    /// The ExternalInit kem_output of an external commit.
    pub external_init: Option<Vec<u8>>,
    /// A committed ReInit.
    pub reinit: Option<ReInit>,
    /// True when the commit must carry a path (RFC 9420 §12.4).
    pub path_required: bool,
}

/// RFC 9420 §12.4: proposal types that require a path.
fn requires_path(p: &Proposal) -> bool {
    !matches!(
        p,
        Proposal::Add(_) | Proposal::PreSharedKey(_) | Proposal::ReInit(_)
    )
}

/// The required_capabilities extension among `exts`, if any (RFC 9420 §11.1).
pub(crate) fn required_capabilities(
    exts: &[Extension],
) -> Result<Option<RequiredCapabilities>, Error> {
    for e in exts {
        if e.extension_type == ExtensionType::REQUIRED_CAPABILITIES.0 {
            return Ok(Some(decode(e.extension_data.as_slice())?));
        }
    }
    Ok(None)
}

/// A capability list to look values up in: scanned when short (the usual
/// handful of entries, no allocation), a set when long (a hostile leaf may
/// list thousands), so that r lookups in c entries never cost O(r · c).
pub(crate) enum Listed<'a, T> {
    /// At most [`Listed::SCAN`] entries.
    Few(&'a [T]),
    /// More.
    Many(BTreeSet<T>),
}

impl<'a, T: Ord + Copy> Listed<'a, T> {
    const SCAN: usize = 16;

    pub(crate) fn new(v: &'a [T]) -> Self {
        if v.len() <= Self::SCAN {
            Self::Few(v)
        } else {
            Self::Many(v.iter().copied().collect())
        }
    }

    pub(crate) fn contains(&self, t: &T) -> bool {
        match self {
            Self::Few(v) => v.contains(t),
            Self::Many(s) => s.contains(t),
        }
    }
}

/// RFC 9420 §13.5: a GREASE value is never supported, whatever a leaf
/// advertises; the others are supported when listed.
fn lists<T: Ord + Copy>(listed: &Listed<'_, T>, t: T, grease: bool) -> bool {
    !grease && listed.contains(&t)
}

/// RFC 9420 §7.3, §11.1: a leaf supports the group's required capabilities
/// and (§12.1.7, §13.4) the non-default extension types in `exts`.
/// GREASE values are never supported (§13.5).
pub(crate) fn leaf_supports(
    leaf: &LeafNode,
    req: Option<&RequiredCapabilities>,
    exts: &[Extension],
) -> bool {
    // Checking r required against c listed costs O((r + c) log c), not
    // O(r · c) (a hostile leaf may list thousands).
    let caps = &leaf.capabilities;
    let caps_extensions = Listed::new(&caps.extensions);
    let caps_proposals = Listed::new(&caps.proposals);
    let caps_credentials = Listed::new(&caps.credentials);
    if let Some(r) = req {
        if !r
            .extension_types
            .iter()
            .all(|t| t.is_default() || lists(&caps_extensions, *t, t.is_grease()))
            || !r
                .proposal_types
                .iter()
                .all(|t| t.is_default() || lists(&caps_proposals, *t, t.is_grease()))
            || !r
                .credential_types
                .iter()
                .all(|t| lists(&caps_credentials, *t, t.is_grease()))
        {
            return false;
        }
    }
    exts.iter().all(|e| {
        let t = ExtensionType::of(e);
        t.is_default() || lists(&caps_extensions, t, t.is_grease())
    })
}

/// RFC 9420 §13.4: no extension list holds two extensions of one type.
/// O(k log k) for k extensions.
pub(crate) fn check_unique_extensions(exts: &[Extension]) -> Result<(), Error> {
    let mut seen = BTreeSet::new();
    if exts.iter().all(|e| seen.insert(e.extension_type)) {
        Ok(())
    } else {
        Err(GroupError::DuplicateExtension.into())
    }
}

/// RFC 9420 §7.2: a leaf from a KeyPackage whose total lifetime exceeds the
/// application's maximum (when one is set) is rejected.
pub(crate) fn check_lifetime_span(leaf: &LeafNode, max: Option<u64>) -> Result<(), Error> {
    if let (Some(max), LeafNodeSource::KeyPackage(lt)) = (max, &leaf.leaf_node_source) {
        if lt.not_after.saturating_sub(lt.not_before) > max {
            return Err(GroupError::LeafLifetimeTooLong.into());
        }
    }
    Ok(())
}

/// The checks of RFC 9420 §7.3 a leaf must pass in this group, apart from
/// the source-specific ones. `index` is the leaf it will occupy (`None` for
/// a KeyPackage's leaf); the leaf there now, if any, is the one it replaces.
/// Checks a received HPKE public key with the suite's KEM (RFC 9180
/// §7.1.1): a key that cannot be encrypted to never enters the group, where
/// it would make every later commit that encrypts to it fail.
pub(crate) fn check_hpke_key(cs: &dyn CipherSuiteProvider, key: &[u8]) -> Result<(), Error> {
    cs.hpke()
        .validate_public_key(key)
        .map_err(|_| GroupError::InvalidPublicKey.into())
}

pub(crate) fn validate_leaf(
    view: &EpochView<'_>,
    cs: &dyn CipherSuiteProvider,
    leaf: &LeafNode,
    index: Option<LeafIndex>,
    extensions: &[Extension],
    credentials: &dyn CredentialValidator,
) -> Result<(), Error> {
    // RFC 9420 §5.3.1: every new credential is validated with the AS.
    if !credentials.validate(&leaf.credential, leaf.signature_key.as_slice()) {
        return Err(GroupError::CredentialRejected.into());
    }
    check_hpke_key(cs, leaf.encryption_key.as_slice())?;
    let group_ctx = match (&leaf.leaf_node_source, index) {
        (LeafNodeSource::KeyPackage(_), _) => None,
        (_, Some(i)) => Some((view.context.group_id.as_slice(), i.0)),
        (_, None) => return Err(GroupError::InvalidLeafNode.into()),
    };
    let tbs = leaf.tbs(group_ctx)?;
    verify_with_label(
        cs,
        leaf.signature_key.as_slice(),
        b"LeafNodeTBS",
        &tbs,
        leaf.signature.as_slice(),
    )
    .map_err(|_| GroupError::LeafNodeSignatureInvalid)?;
    leaf_fits_group(view, leaf, index, extensions, credentials)
}

/// The checks of RFC 9420 §7.2, §7.3 and §13.4 that relate a leaf to this
/// group (the signature and key checks done by the caller).
fn leaf_fits_group(
    view: &EpochView<'_>,
    leaf: &LeafNode,
    index: Option<LeafIndex>,
    extensions: &[Extension],
    credentials: &dyn CredentialValidator,
) -> Result<(), Error> {
    let caps = &leaf.capabilities;
    // RFC 9420 §7.3 does not ask a leaf to list the group's cipher suite or
    // version (deployed clients omit them), so neither is checked here.
    check_unique_extensions(&leaf.extensions)?;
    check_lifetime_span(leaf, credentials.max_leaf_lifetime())?;
    // The credential type is listed by the leaf itself, supported by every
    // other member, and the leaf supports every type the others use
    // (O(log n) through the tree's credential-type index).
    let ct = leaf.credential.credential_type();
    if !caps.credentials.contains(&ct) || !view.tree.credential_compatible(leaf, index) {
        return Err(GroupError::CredentialTypeUnsupported.into());
    }
    // RFC 9420 §7.3, §11.1: the required capabilities are listed;
    // §12.1.7, §13.4: every GroupContext extension is supported.
    let req = required_capabilities(extensions)?;
    if !leaf_supports(leaf, req.as_ref(), &[]) {
        return Err(GroupError::RequiredCapabilityMissing.into());
    }
    if !leaf_supports(leaf, None, extensions) {
        return Err(GroupError::UnsupportedExtension.into());
    }
    let listed = Listed::new(&caps.extensions);
    for e in &leaf.extensions {
        let t = ExtensionType::of(e);
        if !t.is_default() && !listed.contains(&t) {
            return Err(GroupError::LeafExtensionNotInCapabilities.into());
        }
    }
    Ok(())
}

fn find_ext(exts: &[Extension], t: ExtensionType) -> Option<&[u8]> {
    exts.iter()
        .find(|e| e.extension_type == t.0)
        .map(|e| e.extension_data.as_slice())
}

/// RFC 9420 §5.3.1: every credential of the `external_senders` extension in
/// `exts` (if any) is validated with the AS.
pub(crate) fn validate_external_senders(
    exts: &[Extension],
    credentials: &dyn CredentialValidator,
) -> Result<(), Error> {
    if let Some(data) = find_ext(exts, ExtensionType::EXTERNAL_SENDERS) {
        let senders: crate::messages::ExternalSenders = decode(data)?;
        for s in &senders {
            if !credentials.validate(&s.credential, s.signature_key.as_slice()) {
                return Err(GroupError::CredentialRejected.into());
            }
        }
    }
    Ok(())
}

/// The group-level checks a joiner makes on the tree and GroupContext it
/// joins (RFC 9420 §12.4.3.1, §12.4.3.2), beyond the structural ones of
/// [`crate::tree::RatchetTree::validate`]: extension lists without
/// duplicates (§13.4), every credential validated with the AS (§5.3.1),
/// every leaf listing the required capabilities (§7.3, §11.1) and
/// supporting every GroupContext extension (§13.4) — the joiner's own leaf
/// included, which is how a joiner checks it supports them — and the
/// application's maximum leaf lifetime (§7.2).
pub(crate) fn validate_joined_group(
    tree: &crate::tree::RatchetTree,
    context_extensions: &[Extension],
    group_info_extensions: &[Extension],
    credentials: &dyn CredentialValidator,
) -> Result<(), Error> {
    check_unique_extensions(context_extensions)?;
    check_unique_extensions(group_info_extensions)?;
    let req = required_capabilities(context_extensions)?;
    for (_, leaf) in tree.members() {
        if !credentials.validate(&leaf.credential, leaf.signature_key.as_slice()) {
            return Err(GroupError::CredentialRejected.into());
        }
        check_unique_extensions(&leaf.extensions)?;
        if !leaf_supports(leaf, req.as_ref(), &[]) {
            return Err(GroupError::RequiredCapabilityMissing.into());
        }
        if !leaf_supports(leaf, None, context_extensions) {
            return Err(GroupError::UnsupportedExtension.into());
        }
        check_lifetime_span(leaf, credentials.max_leaf_lifetime())?;
    }
    validate_external_senders(context_extensions, credentials)
}

/// RFC 9420 §5.3.1: a member's replacement leaf must carry a credential the
/// AS accepts as the successor of the old one.
pub(crate) fn check_successor(
    credentials: &dyn CredentialValidator,
    old: &LeafNode,
    new: &LeafNode,
) -> Result<(), Error> {
    if credentials.valid_successor(&old.credential, &new.credential) {
        Ok(())
    } else {
        Err(GroupError::InvalidSuccessorCredential.into())
    }
}

/// The group rule a KeyPackage rule maps to.
fn key_package_rule(e: Error) -> Error {
    use crate::error::ProtocolError;
    use crate::key_package::KeyPackageError as K;
    let Error::Protocol(ProtocolError::KeyPackage(k)) = e else {
        return e;
    };
    match k {
        K::LeafSourceNotKeyPackage => GroupError::LeafNodeSourceMismatch,
        K::LeafSignatureInvalid => GroupError::LeafNodeSignatureInvalid,
        K::LifetimeInvalid => GroupError::KeyPackageExpired,
        K::ExtensionNotInCapabilities => GroupError::LeafExtensionNotInCapabilities,
        K::CredentialTypeNotInCapabilities => GroupError::CredentialTypeUnsupported,
        K::DuplicateExtension => GroupError::DuplicateExtension,
        _ => GroupError::InvalidKeyPackage,
    }
    .into()
}

/// KeyPackage validation (RFC 9420 §10.1) in this group: the one
/// KeyPackage validator ([`crate::key_package::validate_key_package`], what
/// the vectors exercise), reported as group rules, then the AS and the
/// group-dependent leaf checks. `now`, when known, must be in the leaf's
/// lifetime (§7.3). `signatures` is the outcome of
/// [`crate::key_package::verify_key_package_signatures`] for `kp`, checked
/// beforehand (for a bulk add, all at once) and reported here, in the
/// order the single validator reports it.
fn validate_key_package(
    view: &EpochView<'_>,
    kp: &KeyPackage,
    signatures: Result<(), Error>,
    c: &LeafChanges<'_>,
) -> Result<(), Error> {
    // RFC 9420 §5.3.1: every new credential is validated with the AS.
    let leaf = &kp.leaf_node;
    let credentials = c.env.credentials;
    if !credentials.validate(&leaf.credential, leaf.signature_key.as_slice()) {
        return Err(GroupError::CredentialRejected.into());
    }
    crate::key_package::check_key_package_fields(c.cs, kp, c.env.now)
        .and(signatures)
        .map_err(key_package_rule)?;
    leaf_fits_group(view, leaf, None, c.extensions, credentials)
}

/// Environment a proposal list is validated in.
pub(crate) struct ApplyEnv<'a> {
    pub psks: &'a dyn PskStore,
    pub credentials: &'a dyn CredentialValidator,
    /// True only for the initial commit of a branch or reinit group, the
    /// one context where resumption PSKs with usage `branch` / `reinit` are
    /// valid (RFC 9420 §12.1.4, §11.2, §11.3).
    pub initial_resumption: bool,
    /// The current time, for KeyPackage lifetimes (RFC 9420 §7.3).
    pub now: Option<u64>,
}

impl EpochView<'_> {
    /// Validates a proposal list (RFC 9420 §12.2) and applies it to a staged
    /// tree (§12.3). `committer` is `Some(leaf)` for a regular commit, `None`
    /// for an external one.
    pub(crate) fn apply_proposals(
        &self,
        cs: &dyn CipherSuiteProvider,
        staged: &mut StagedTree<'_>,
        committer: Option<LeafIndex>,
        list: &[Resolved],
        env: &ApplyEnv<'_>,
    ) -> Result<Applied, Error> {
        let mut out = self.check_list(cs, committer, list, env)?;
        let extensions: Vec<Extension> = out
            .extensions
            .clone()
            .unwrap_or_else(|| self.context.extensions.clone());
        if let Some(exts) = &out.extensions {
            self.check_new_extensions(exts, list, env)?;
        }
        let mut touched: BTreeSet<u32> = BTreeSet::new();
        let changes = LeafChanges {
            cs,
            committer,
            extensions: &extensions,
            env,
        };
        self.apply_updates(staged, list, &changes, &mut touched, &mut out)?;
        self.apply_removes(staged, list, committer, &mut touched, &mut out)?;
        self.apply_adds(staged, list, &changes, &mut out)?;
        // The tree stays within `Limits::max_leaves`.
        if staged.n_leaves() > self.limits.max_leaves {
            return Err(GroupError::LimitExceeded {
                limit: super::Limit::MaxLeaves,
            }
            .into());
        }
        self.check_custom_proposals(list, &out)?;
        // PSKs must be available (RFC 9420 §12.4.2).
        for id in &out.psks {
            if let Psk::External(psk_id) = &id.psk {
                if env.psks.external_psk(psk_id.as_slice()).is_none() {
                    return Err(GroupError::PskNotFound.into());
                }
            }
        }
        Ok(out)
    }

    /// The rules on the list as a whole and on each proposal alone (RFC
    /// 9420 §12.1, §12.2): authorization of external proposals, the
    /// GroupContextExtensions, ReInit, ExternalInit and PSK rules, and
    /// which proposals an external commit may carry. Collects what does not
    /// touch the tree.
    fn check_list(
        &self,
        cs: &dyn CipherSuiteProvider,
        committer: Option<LeafIndex>,
        list: &[Resolved],
        env: &ApplyEnv<'_>,
    ) -> Result<Applied, Error> {
        let mut out = Applied {
            path_required: list.is_empty(),
            ..Applied::default()
        };
        let mut psk_ids: BTreeSet<Vec<u8>> = BTreeSet::new();
        let (mut n_gce, mut n_reinit, mut n_ext_init, mut n_remove) = (0, 0, 0, 0);
        for r in list {
            // RFC 9420 §12.1.8: unauthorized external proposals are invalid.
            if matches!(r.sender, Sender::External(_) | Sender::NewMemberProposal)
                && !env
                    .credentials
                    .authorize_external_proposal(&r.sender, &r.proposal)
            {
                return Err(GroupError::UnauthorizedExternalProposal.into());
            }
            out.path_required |= requires_path(&r.proposal);
            match &r.proposal {
                Proposal::GroupContextExtensions(g) => {
                    n_gce += 1;
                    // RFC 9420 §13.4: one extension per type.
                    check_unique_extensions(&g.extensions)?;
                    out.extensions = Some(g.extensions.clone());
                }
                Proposal::ReInit(ri) => {
                    n_reinit += 1;
                    // RFC 9420 §12.1.5: no ReInit to an older version.
                    if ri.version.0 < self.context.version {
                        return Err(GroupError::ReInitVersionTooLow.into());
                    }
                    // RFC 9420 §13.4: one extension per type.
                    check_unique_extensions(&ri.extensions)?;
                    out.reinit = Some(ri.clone());
                }
                Proposal::ExternalInit(ei) => {
                    n_ext_init += 1;
                    out.external_init = Some(ei.kem_output.as_slice().to_vec());
                }
                Proposal::PreSharedKey(psk) => {
                    check_psk_proposal(cs, &psk.psk, &mut psk_ids, env)?;
                    out.psks.push(psk.psk.clone());
                }
                Proposal::Remove(_) => n_remove += 1,
                _ => {}
            }
        }
        if n_gce > 1 {
            return Err(GroupError::MultipleGroupContextExtensions.into());
        }
        if n_reinit > 0 && list.len() > 1 {
            return Err(GroupError::ReInitNotAlone.into());
        }
        match committer {
            Some(_) if n_ext_init > 0 => Err(GroupError::ExternalInitMisplaced.into()),
            None if n_ext_init != 1 => Err(GroupError::ExternalInitMisplaced.into()),
            // RFC 9420 §12.4.3.2: an external commit carries one
            // ExternalInit, at most one Remove, and PSKs.
            None if n_remove > 1
                || list.iter().any(|r| {
                    !matches!(
                        r.proposal,
                        Proposal::ExternalInit(_) | Proposal::Remove(_) | Proposal::PreSharedKey(_)
                    )
                }) =>
            {
                Err(GroupError::ExternalCommitProposalNotAllowed.into())
            }
            _ => Ok(out),
        }
    }

    /// A GroupContextExtensions proposal's new extensions (RFC 9420
    /// §12.1.7): the credentials of a new or changed `external_senders`
    /// are validated with the AS (§5.3.1), and every member who stays
    /// supports the required capabilities and every extension.
    fn check_new_extensions(
        &self,
        exts: &[Extension],
        list: &[Resolved],
        env: &ApplyEnv<'_>,
    ) -> Result<(), Error> {
        let old = find_ext(&self.context.extensions, ExtensionType::EXTERNAL_SENDERS);
        let new = find_ext(exts, ExtensionType::EXTERNAL_SENDERS);
        if new.is_some() && new != old {
            validate_external_senders(exts, env.credentials)?;
        }
        let req = required_capabilities(exts)?;
        let removed: BTreeSet<u32> = list
            .iter()
            .filter_map(|r| match &r.proposal {
                Proposal::Remove(rm) => Some(rm.removed.0),
                _ => None,
            })
            .collect();
        for (i, leaf) in self.tree.members() {
            if !removed.contains(&i.0) && !leaf_supports(leaf, req.as_ref(), exts) {
                return Err(GroupError::UnsupportedExtension.into());
            }
        }
        Ok(())
    }

    /// Updates (RFC 9420 §12.1.2): each from a member other than the
    /// committer, at most one change per leaf, a valid successor leaf with
    /// fresh, unique keys.
    fn apply_updates(
        &self,
        staged: &mut StagedTree<'_>,
        list: &[Resolved],
        c: &LeafChanges<'_>,
        touched: &mut BTreeSet<u32>,
        out: &mut Applied,
    ) -> Result<(), Error> {
        for r in list {
            let Proposal::Update(u) = &r.proposal else {
                continue;
            };
            let Sender::Member(i) = r.sender else {
                return Err(GroupError::SenderNotAllowed.into());
            };
            let i = LeafIndex(i);
            if Some(i) == c.committer {
                return Err(GroupError::CommitterUpdate.into());
            }
            if !touched.insert(i.0) {
                return Err(GroupError::DuplicateLeafChange.into());
            }
            let old = self.tree.leaf(i).ok_or(GroupError::UnknownSender)?;
            if !matches!(u.leaf_node.leaf_node_source, LeafNodeSource::Update) {
                return Err(GroupError::LeafNodeSourceMismatch.into());
            }
            if old.encryption_key.as_slice() == u.leaf_node.encryption_key.as_slice() {
                return Err(GroupError::EncryptionKeyNotFresh.into());
            }
            validate_leaf(
                self,
                c.cs,
                &u.leaf_node,
                Some(i),
                c.extensions,
                c.env.credentials,
            )?;
            check_successor(c.env.credentials, old, &u.leaf_node)?;
            // RFC 9420 §7.3: keys unique among the members.
            if staged.encryption_key_in_use(u.leaf_node.encryption_key.as_slice())
                || staged
                    .find_signature_key(u.leaf_node.signature_key.as_slice())
                    .is_some_and(|j| j != i)
            {
                return Err(GroupError::DuplicatePublicKey.into());
            }
            staged.set_leaf(i, Some(u.leaf_node.clone()));
            staged.blank_direct_path(i);
            out.updated.push(i);
        }
        Ok(())
    }

    /// Removes (RFC 9420 §12.1.3): of a non-blank leaf other than the
    /// committer's, at most one change per leaf; the tree is truncated.
    fn apply_removes(
        &self,
        staged: &mut StagedTree<'_>,
        list: &[Resolved],
        committer: Option<LeafIndex>,
        touched: &mut BTreeSet<u32>,
        out: &mut Applied,
    ) -> Result<(), Error> {
        for r in list {
            let Proposal::Remove(rm) = &r.proposal else {
                continue;
            };
            let i = rm.removed;
            if Some(i) == committer {
                return Err(GroupError::CommitterRemoved.into());
            }
            if !touched.insert(i.0) {
                return Err(GroupError::DuplicateLeafChange.into());
            }
            let old = self
                .tree
                .leaf(i)
                .ok_or(GroupError::RemoveOfBlankLeaf)?
                .clone();
            staged.remove_leaf(i);
            out.removed.push((i, old));
        }
        if !out.removed.is_empty() {
            staged.truncate();
        }
        Ok(())
    }

    /// Adds (RFC 9420 §12.1.1), in order: a valid KeyPackage for this
    /// group, of a client not already a member (§12.2), with keys unique
    /// in the tree (§7.3).
    fn apply_adds(
        &self,
        staged: &mut StagedTree<'_>,
        list: &[Resolved],
        c: &LeafChanges<'_>,
        out: &mut Applied,
    ) -> Result<(), Error> {
        let mut added_keys: BTreeSet<&[u8]> = BTreeSet::new();
        let mut client_ids: Option<BTreeSet<Vec<u8>>> = None;
        let adds: Vec<&KeyPackage> = list
            .iter()
            .filter_map(|r| match &r.proposal {
                Proposal::Add(a) => Some(&a.key_package),
                _ => None,
            })
            .collect();
        // The signatures of every Add first (two per KeyPackage, the bulk
        // of a bulk add's cost; in parallel with `parallel`), each result
        // reported below where validation reaches its KeyPackage.
        let signatures = crate::par::map(&adds, 2, |kp| {
            crate::key_package::verify_key_package_signatures(c.cs, kp)
        });
        for (kp, sigs) in adds.into_iter().zip(signatures) {
            validate_key_package(self, kp, sigs, c)?;
            let sig = kp.leaf_node.signature_key.as_slice();
            if added_keys.contains(sig) {
                return Err(GroupError::DuplicateAdd.into());
            }
            // An Add of a current member is invalid unless that member is
            // removed by this commit (RFC 9420 §12.2): the same signature
            // key, or the same client by the application's judgement
            // (`CredentialValidator::client_id`).
            let clash = staged.find_signature_key(sig).is_some();
            if clash || same_client(staged, &mut client_ids, kp, c.env.credentials) {
                return Err(GroupError::DuplicateAdd.into());
            }
            // RFC 9420 §7.3: the encryption key is unique in the tree.
            if staged.encryption_key_in_use(kp.leaf_node.encryption_key.as_slice()) {
                return Err(GroupError::DuplicatePublicKey.into());
            }
            added_keys.insert(sig);
            let i = staged.add_leaf(kp.leaf_node.clone());
            out.added.push((i, kp.clone()));
        }
        Ok(())
    }

    /// Custom proposals must be supported by every member who stays: each
    /// distinct type once, O(n · types · log) in all; a GREASE type is
    /// never supported (RFC 9420 §13.5).
    fn check_custom_proposals(&self, list: &[Resolved], out: &Applied) -> Result<(), Error> {
        let custom: BTreeSet<ProposalType> = list
            .iter()
            .filter_map(|r| match &r.proposal {
                Proposal::Custom(c) => Some(c.proposal_type),
                _ => None,
            })
            .collect();
        if custom.is_empty() {
            return Ok(());
        }
        if custom.iter().any(|t| t.is_grease()) && self.tree.members().next().is_some() {
            return Err(GroupError::UnsupportedProposalType.into());
        }
        let leaving: BTreeSet<LeafIndex> = out.removed.iter().map(|(j, _)| *j).collect();
        for (i, leaf) in self.tree.members() {
            if leaving.contains(&i) {
                continue;
            }
            let listed = Listed::new(&leaf.capabilities.proposals);
            if !custom.iter().all(|t| listed.contains(t)) {
                return Err(GroupError::UnsupportedProposalType.into());
            }
        }
        Ok(())
    }
}

/// What validating a changed or added leaf needs.
struct LeafChanges<'a> {
    cs: &'a dyn CipherSuiteProvider,
    committer: Option<LeafIndex>,
    extensions: &'a [Extension],
    env: &'a ApplyEnv<'a>,
}

/// A PreSharedKey proposal alone (RFC 9420 §12.1.4): not a duplicate, a
/// nonce of KDF.Nh bytes, and a reinit or branch resumption PSK only in
/// the initial commit of the new group.
fn check_psk_proposal(
    cs: &dyn CipherSuiteProvider,
    psk: &PreSharedKeyId,
    seen: &mut BTreeSet<Vec<u8>>,
    env: &ApplyEnv<'_>,
) -> Result<(), Error> {
    let id = psk.encode()?;
    if seen.contains(&id) {
        return Err(GroupError::DuplicatePsk.into());
    }
    if psk.psk_nonce.as_slice().len() != cs.kdf().nh() {
        return Err(GroupError::InvalidPskNonce.into());
    }
    if let Psk::Resumption(r) = &psk.psk {
        if r.usage != crate::messages::ResumptionPskUsage::Application && !env.initial_resumption {
            return Err(GroupError::ResumptionPskUsageNotAllowed.into());
        }
    }
    seen.insert(id);
    Ok(())
}

/// True when `kp`'s client (by `CredentialValidator::client_id`) is
/// already in the staged tree or added before it. The members' IDs are
/// collected on the first Add with an ID: O(n) once per commit, and only
/// for applications that use client IDs.
fn same_client(
    staged: &StagedTree<'_>,
    ids: &mut Option<BTreeSet<Vec<u8>>>,
    kp: &KeyPackage,
    credentials: &dyn CredentialValidator,
) -> bool {
    let Some(id) = credentials.client_id(&kp.leaf_node.credential) else {
        return false;
    };
    let ids = ids.get_or_insert_with(|| {
        (0..staged.n_leaves())
            .filter_map(|j| staged.leaf(LeafIndex(j)))
            .filter_map(|l| credentials.client_id(&l.credential))
            .collect()
    });
    !ids.insert(id)
}

/// `Limits::max_vector_entries` over received content (RFC 9420 §2.1.2
/// vectors a peer fills): proposals of a Commit, parent nodes of its path,
/// and in every leaf and proposal carried, extension lists, capability
/// lists and certificate chains. O(entries counted), before the content is
/// verified or acted on.
pub(crate) fn check_vector_limits(
    content: &crate::messages::Content,
    limits: &super::Limits,
) -> Result<(), Error> {
    use crate::messages::Content;
    let max = limits.max_vector_entries as usize;
    let ok = |n: usize| -> Result<(), Error> {
        if n > max {
            Err(GroupError::LimitExceeded {
                limit: super::Limit::MaxVectorEntries,
            }
            .into())
        } else {
            Ok(())
        }
    };
    let leaf = |l: &LeafNode| -> Result<(), Error> {
        let c = &l.capabilities;
        for n in [
            c.versions.len(),
            c.cipher_suites.len(),
            c.extensions.len(),
            c.proposals.len(),
            c.credentials.len(),
            l.extensions.len(),
        ] {
            ok(n)?;
        }
        if let crate::messages::Credential::X509(chain) = &l.credential {
            ok(chain.len())?;
        }
        Ok(())
    };
    let proposal = |p: &Proposal| -> Result<(), Error> {
        match p {
            Proposal::Add(a) => {
                ok(a.key_package.extensions.len())?;
                leaf(&a.key_package.leaf_node)
            }
            Proposal::Update(u) => leaf(&u.leaf_node),
            Proposal::ReInit(r) => ok(r.extensions.len()),
            Proposal::GroupContextExtensions(g) => ok(g.extensions.len()),
            _ => Ok(()),
        }
    };
    match content {
        Content::Application(_) => Ok(()),
        Content::Proposal(p) => proposal(p),
        Content::Commit(c) => {
            ok(c.proposals.len())?;
            for p in &c.proposals {
                if let crate::messages::ProposalOrRef::Proposal(p) = p {
                    proposal(p)?;
                }
            }
            if let Some(path) = &c.path {
                ok(path.nodes.len())?;
                leaf(&path.leaf_node)?;
                for n in &path.nodes {
                    ok(n.encrypted_path_secret.len())?;
                }
            }
            Ok(())
        }
    }
}
