//! Message protection (RFC 9420 §6): signing and verifying content (§6.1),
//! PublicMessage with its membership tag (§6.2), and PrivateMessage with
//! content and sender-data encryption (§6.3, §6.3.1, §6.3.2).
//!
//! The wire structs live in [`crate::messages::framing`]; this module turns
//! an [`AuthenticatedContent`] into a protected message and back.
//!
//! Division of labour with the group layer:
//! - Signing ([`sign_content`]) leaves `auth.confirmation_tag` to the
//!   caller, who sets it for commits before protecting.
//! - Unprotecting does not verify the signature: the key lookup (leaf,
//!   external sender, new member) is the group's job; it then calls
//!   [`verify_signature`] with the key it found.
//! - The receiver of a PrivateMessage checks that the leaf is non-blank
//!   (§6.3.2); this module only checks that it is inside the secret tree.
//! - Secret-tree reads never mutate: [`protect_private`] and
//!   [`unprotect_private`] return the [`SecretTreeUpdate`] to apply once
//!   the message is sent or accepted, so a failed unprotect changes nothing.

use alloc::vec::Vec;

use crate::codec::VLBytes;
use subtle::ConstantTimeEq;
use tls_codec::DeserializeBytes;
use zeroize::Zeroizing;

use crate::codec::{CodecError, Encode, decode};
use crate::crypto::labeled::{sign_with_label, verify_with_label};
use crate::crypto::{CipherSuiteProvider, CryptoError, Rng, Secret};
use crate::error::{Error, ProtocolError};
use crate::messages::group_context::GroupContext;
use crate::messages::framing::{
    AuthenticatedContent, Content, ContentType, FramedContent, FramedContentAuthData,
    PrivateContentAad, PrivateMessage, PublicMessage, Sender, SenderData, SenderDataAad,
    WireFormat, authenticated_content_tbm, framed_content_tbs,
};
use crate::messages::{Commit, Proposal};
use crate::secret_tree::{RatchetKind, SecretTree, SecretTreeUpdate, sender_data_key_nonce};
use crate::tree_math::LeafIndex;

/// Label of the content signature (RFC 9420 §6.1).
const FRAMED_CONTENT_TBS: &[u8] = b"FramedContentTBS";

pub use crate::error::FramingError;

fn err(e: FramingError) -> Error {
    Error::Protocol(ProtocolError::Framing(e))
}

/// The GroupContext `FramedContentTBS` includes for `sender` (RFC 9420 §6.1):
/// the given one for `member` and `new_member_commit`, none otherwise.
fn tbs_context<'a>(
    sender: &Sender,
    context: Option<&'a GroupContext>,
) -> Result<Option<&'a GroupContext>, Error> {
    match sender {
        Sender::Member(_) | Sender::NewMemberCommit => context
            .map(Some)
            .ok_or_else(|| err(FramingError::GroupContextRequired)),
        Sender::External(_) | Sender::NewMemberProposal => Ok(None),
    }
}

/// Content-type rules per sender type (RFC 9420 §6.1). Whether an external
/// sender's proposal type is allowed, and that a new member's proposal is an
/// Add, is checked here too; the group checks the rest.
fn check_sender_content(content: &FramedContent) -> Result<(), Error> {
    let ok = matches!(
        (&content.sender, &content.content),
        (Sender::Member(_), _)
            | (Sender::External(_), Content::Proposal(_))
            | (
                Sender::NewMemberProposal,
                Content::Proposal(Proposal::Add(_))
            )
            | (Sender::NewMemberCommit, Content::Commit(_))
    );
    if ok {
        Ok(())
    } else {
        Err(err(FramingError::SenderContentMismatch))
    }
}

fn check_confirmation_tag_presence(ac: &AuthenticatedContent) -> Result<(), Error> {
    if ac.auth.confirmation_tag.is_some() == (ac.content.content_type() == ContentType::Commit) {
        Ok(())
    } else {
        Err(err(FramingError::ConfirmationTagPresence))
    }
}

/// Signs `content` for sending as `wire_format` (RFC 9420 §6.1):
/// `SignWithLabel(signer, "FramedContentTBS", FramedContentTBS)`.
///
/// `context` is the current GroupContext; it is required for `member` and
/// `new_member_commit` senders and ignored for the others. The returned
/// content has no confirmation tag: for a commit, the caller sets
/// `auth.confirmation_tag` before protecting it.
pub fn sign_content(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn crate::crypto::Signer,
    wire_format: WireFormat,
    content: FramedContent,
    context: Option<&GroupContext>,
) -> Result<AuthenticatedContent, Error> {
    check_sender_content(&content)?;
    let ctx = tbs_context(&content.sender, context)?;
    let tbs = framed_content_tbs(wire_format, &content, ctx)?;
    let signature = sign_with_label(cs, signer, FRAMED_CONTENT_TBS, &tbs)?;
    Ok(AuthenticatedContent {
        wire_format,
        content,
        auth: FramedContentAuthData {
            signature: VLBytes::new(signature),
            confirmation_tag: None,
        },
    })
}

/// Verifies the signature of `ac` with `public_key` (RFC 9420 §6.1).
///
/// `context` is the GroupContext of the message's epoch (used for `member`
/// and `new_member_commit` senders). The caller picks `public_key` by the
/// sender type as §6.1 prescribes.
pub fn verify_signature(
    cs: &dyn CipherSuiteProvider,
    ac: &AuthenticatedContent,
    context: &GroupContext,
    public_key: &[u8],
) -> Result<(), Error> {
    let ctx = tbs_context(&ac.content.sender, Some(context))?;
    let tbs = ac.tbs(ctx)?;
    verify_with_label(
        cs,
        public_key,
        FRAMED_CONTENT_TBS,
        &tbs,
        ac.auth.signature.as_slice(),
    )
    .map_err(|_| err(FramingError::SignatureInvalid))
}

/// `MAC(membership_key, AuthenticatedContentTBM)` (RFC 9420 §6.2).
fn membership_tag_of(
    cs: &dyn CipherSuiteProvider,
    tbs: &[u8],
    auth: &FramedContentAuthData,
    membership_key: &Secret,
) -> Result<crate::crypto::Digest, Error> {
    let tbm = authenticated_content_tbm(tbs, auth)?;
    Ok(cs.kdf().mac(membership_key.as_bytes(), &tbm)?)
}

/// Protects signed content as a PublicMessage (RFC 9420 §6.2).
///
/// `ac.wire_format` must be `mls_public_message`, application data is
/// refused ([`FramingError::ApplicationAsPublic`]), and the confirmation
/// tag must be set exactly for commits. For `member` senders the membership
/// tag is computed with `membership_key` over the TBS with `context`.
pub fn protect_public(
    cs: &dyn CipherSuiteProvider,
    ac: &AuthenticatedContent,
    context: Option<&GroupContext>,
    membership_key: Option<&Secret>,
) -> Result<PublicMessage, Error> {
    if ac.content.content_type() == ContentType::Application {
        return Err(err(FramingError::ApplicationAsPublic));
    }
    if ac.wire_format != WireFormat::PUBLIC_MESSAGE {
        return Err(err(FramingError::WrongWireFormat));
    }
    check_sender_content(&ac.content)?;
    check_confirmation_tag_presence(ac)?;
    let membership_tag = match ac.content.sender {
        Sender::Member(_) => {
            let key = membership_key.ok_or_else(|| err(FramingError::MembershipKeyRequired))?;
            let tbs = ac.tbs(tbs_context(&ac.content.sender, context)?)?;
            Some(VLBytes::new(
                membership_tag_of(cs, &tbs, &ac.auth, key)?.to_vec(),
            ))
        }
        _ => None,
    };
    Ok(PublicMessage {
        content: ac.content.clone(),
        auth: ac.auth.clone(),
        membership_tag,
    })
}

pub(crate) fn check_group_epoch(group_id: &[u8], epoch: u64, context: &GroupContext) -> Result<(), Error> {
    if group_id != context.group_id.as_slice() {
        return Err(err(FramingError::WrongGroupId));
    }
    if epoch != context.epoch {
        return Err(err(FramingError::WrongEpoch));
    }
    Ok(())
}

/// Unprotects a PublicMessage (RFC 9420 §6.2): checks group and epoch
/// against `context`, the sender/content-type rules and, for `member`
/// senders, the membership tag (in constant time). Returns the
/// AuthenticatedContent; its signature is checked separately with
/// [`verify_signature`].
pub fn unprotect_public(
    cs: &dyn CipherSuiteProvider,
    msg: &PublicMessage,
    context: &GroupContext,
    membership_key: &Secret,
) -> Result<AuthenticatedContent, Error> {
    check_group_epoch(msg.content.group_id.as_slice(), msg.content.epoch, context)?;
    Ok(unprotect_public_owned(cs, msg.clone(), context, membership_key)?.ac)
}

/// Content that passed framing, with its `FramedContentTBS` encoded once:
/// the signature, the membership tag and the transcript hash all read
/// these bytes (RFC 9420 §6.1, §6.2, §8.2), so that a received commit of
/// O(n) bytes is not encoded again for each.
#[derive(Debug)]
pub struct Framed {
    /// The content.
    pub ac: AuthenticatedContent,
    /// Its `FramedContentTBS` (with the group's context for member and
    /// new-member-commit senders).
    pub tbs: Vec<u8>,
    /// Where the encoded `FramedContent` ends in `tbs`.
    content_end: usize,
}

impl Framed {
    /// Encodes `ac`'s TBS (for content that did not arrive as a
    /// PublicMessage, whose TBS is encoded while unprotecting).
    pub fn new(ac: AuthenticatedContent, context: &GroupContext) -> Result<Self, Error> {
        let ctx = tbs_context(&ac.content.sender, Some(context))?;
        let (tbs, content_end) =
            crate::messages::framing::framed_content_tbs_split(ac.wire_format, &ac.content, ctx)?;
        Ok(Self {
            ac,
            tbs,
            content_end,
        })
    }

    /// The encoded `ConfirmedTranscriptHashInput` (RFC 9420 §8.2):
    /// `wire_format || content || signature<V>`, from the TBS bytes.
    pub fn transcript_input(&self) -> Result<Vec<u8>, Error> {
        let body = self.tbs.get(2..self.content_end).unwrap_or_default();
        let sig = self.ac.auth.signature.as_slice();
        let mut out = Vec::with_capacity(body.len() + sig.len() + 4);
        out.extend_from_slice(body);
        crate::codec::write_opaque(sig, &mut out)?;
        Ok(out)
    }

    /// Verifies the signature with the sender's key (RFC 9420 §6.1).
    pub fn verify_signature(&self, cs: &dyn CipherSuiteProvider, public_key: &[u8]) -> Result<(), Error> {
        verify_with_label(
            cs,
            public_key,
            FRAMED_CONTENT_TBS,
            &self.tbs,
            self.ac.auth.signature.as_slice(),
        )
        .map_err(|_| err(FramingError::SignatureInvalid))
    }
}

/// [`unprotect_public`] on a message the caller gives up: its content is
/// moved, not copied, and its TBS encoded once (returned for the
/// signature check and the transcript hash).
pub fn unprotect_public_owned(
    cs: &dyn CipherSuiteProvider,
    msg: PublicMessage,
    context: &GroupContext,
    membership_key: &Secret,
) -> Result<Framed, Error> {
    check_group_epoch(msg.content.group_id.as_slice(), msg.content.epoch, context)?;
    if msg.content.content_type() == ContentType::Application {
        return Err(err(FramingError::ApplicationAsPublic));
    }
    check_sender_content(&msg.content)?;
    let PublicMessage {
        content,
        auth,
        membership_tag,
    } = msg;
    let ac = AuthenticatedContent {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        content,
        auth,
    };
    check_confirmation_tag_presence(&ac)?;
    let framed = Framed::new(ac, context)?;
    match (&framed.ac.content.sender, &membership_tag) {
        (Sender::Member(_), Some(tag)) => {
            let want = membership_tag_of(cs, &framed.tbs, &framed.ac.auth, membership_key)?;
            if !bool::from(want.as_slice().ct_eq(tag.as_slice())) {
                return Err(err(FramingError::MembershipTagMismatch));
            }
        }
        (Sender::Member(_), None) => return Err(err(FramingError::MembershipTagPresence)),
        (_, Some(_)) => return Err(err(FramingError::MembershipTagPresence)),
        (_, None) => {}
    }
    Ok(framed)
}

/// The ratchet a content type uses (RFC 9420 §6.3.1).
fn ratchet_kind(ct: ContentType) -> RatchetKind {
    match ct {
        ContentType::Application => RatchetKind::Application,
        ContentType::Proposal | ContentType::Commit => RatchetKind::Handshake,
    }
}

/// The ratchet nonce XORed with the reuse guard (RFC 9420 §6.3.1).
fn guarded_nonce(nonce: &Secret, guard: &[u8; 4]) -> Result<Secret, Error> {
    let mut n = nonce.duplicate();
    for (b, g) in n.as_mut_bytes().iter_mut().zip(guard.iter()) {
        *b ^= g;
    }
    if nonce.len() < guard.len() {
        return Err(CryptoError::InvalidLength.into());
    }
    Ok(n)
}

/// A protected PrivateMessage and the secret-tree update that consumes its
/// key. Apply the update once the message is committed to being sent.
#[derive(Debug)]
pub struct ProtectedPrivate {
    /// The message.
    pub message: PrivateMessage,
    /// The generation of the sender's ratchet used.
    pub generation: u32,
    /// Consumes the key in the secret tree.
    pub update: SecretTreeUpdate,
}

/// Encodes a PrivateMessageContent: content body, auth, `padding` zeros
/// (RFC 9420 §6.3.1).
fn private_message_content(
    ac: &AuthenticatedContent,
    padding: usize,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut pt = Zeroizing::new(Vec::new());
    match &ac.content.content {
        Content::Application(data) => data.encode_into(&mut pt)?,
        Content::Proposal(p) => p.encode_into(&mut pt)?,
        Content::Commit(c) => c.encode_into(&mut pt)?,
    }
    let auth = ac.auth.encode()?;
    // The ciphertext is an `opaque<V>` (RFC 9420 §2.1.2): content and
    // padding longer than a vector can be is refused before anything is
    // allocated for it (a `padding` from a corrupted config or snapshot
    // must neither overflow nor exhaust memory).
    let len = pt
        .len()
        .checked_add(auth.len())
        .and_then(|n| n.checked_add(padding))
        .filter(|&n| n <= crate::codec::MAX_VECTOR_LEN)
        .ok_or(CodecError::InvalidLength)?;
    let extra = len.saturating_sub(pt.len());
    pt.reserve_exact(extra);
    pt.extend_from_slice(&auth);
    pt.resize(len, 0);
    Ok(pt)
}

/// Protects signed content as a PrivateMessage (RFC 9420 §6.3).
///
/// `ac.wire_format` must be `mls_private_message` and the sender a member.
/// The key comes from the sender's handshake ratchet (proposal, commit) or
/// application ratchet (application data); the tree is not changed: apply
/// the returned update. `padding` zero bytes are appended to the content.
/// The reuse guard is drawn from `rng`.
pub fn protect_private(
    cs: &dyn CipherSuiteProvider,
    ac: &AuthenticatedContent,
    secret_tree: &SecretTree,
    sender_data_secret: &Secret,
    padding: usize,
    rng: &mut dyn Rng,
) -> Result<ProtectedPrivate, Error> {
    let Sender::Member(leaf) = ac.content.sender else {
        return Err(err(FramingError::SenderNotMember));
    };
    if ac.wire_format != WireFormat::PRIVATE_MESSAGE {
        return Err(err(FramingError::WrongWireFormat));
    }
    check_confirmation_tag_presence(ac)?;
    let content_type = ac.content.content_type();
    let (key, update) =
        secret_tree.encryption_key(cs, LeafIndex(leaf), ratchet_kind(content_type))?;
    let mut reuse_guard = [0u8; 4];
    rng.fill(&mut reuse_guard)?;
    let nonce = guarded_nonce(&key.nonce, &reuse_guard)?;

    let pt = private_message_content(ac, padding)?;
    let aad = PrivateContentAad {
        group_id: ac.content.group_id.clone(),
        epoch: ac.content.epoch,
        content_type,
        authenticated_data: ac.content.authenticated_data.clone(),
    }
    .encode()?;
    let ciphertext = cs
        .aead()
        .seal(key.key.as_bytes(), nonce.as_bytes(), &aad, &pt)?;

    let (sd_key, sd_nonce) = sender_data_key_nonce(cs, sender_data_secret, &ciphertext)?;
    let sender_data = SenderData {
        leaf_index: leaf,
        generation: key.generation,
        reuse_guard,
    }
    .encode()?;
    let sd_aad = SenderDataAad {
        group_id: ac.content.group_id.clone(),
        epoch: ac.content.epoch,
        content_type,
    }
    .encode()?;
    let encrypted_sender_data = cs.aead().seal(
        sd_key.as_bytes(),
        sd_nonce.as_bytes(),
        &sd_aad,
        &sender_data,
    )?;

    Ok(ProtectedPrivate {
        message: PrivateMessage {
            group_id: ac.content.group_id.clone(),
            epoch: ac.content.epoch,
            content_type,
            authenticated_data: ac.content.authenticated_data.clone(),
            encrypted_sender_data: VLBytes::new(encrypted_sender_data),
            ciphertext: VLBytes::new(ciphertext),
        },
        generation: key.generation,
        update,
    })
}

/// An unprotected PrivateMessage and the secret-tree update that consumes
/// its key. Apply the update once the message is accepted (signature and
/// group checks passed).
#[derive(Debug)]
pub struct UnprotectedPrivate {
    /// The content, with wire format `mls_private_message`.
    pub content: AuthenticatedContent,
    /// The decrypted sender data.
    pub sender_data: SenderData,
    /// Consumes the key in the secret tree.
    pub update: SecretTreeUpdate,
}

/// Parses a PrivateMessageContent of type `ct` (RFC 9420 §6.3.1): content,
/// auth, then zero padding.
fn parse_private_content(
    pt: &[u8],
    ct: ContentType,
) -> Result<(Content, FramedContentAuthData), Error> {
    let malformed = |_| err(FramingError::MalformedContent);
    let (content, rest) = match ct {
        ContentType::Application => {
            let (d, rest) = VLBytes::tls_deserialize_bytes(pt).map_err(malformed)?;
            (Content::Application(d), rest)
        }
        ContentType::Proposal => {
            let (p, rest) = Proposal::tls_deserialize_bytes(pt).map_err(malformed)?;
            (Content::Proposal(p), rest)
        }
        ContentType::Commit => {
            let (c, rest) = Commit::tls_deserialize_bytes(pt).map_err(malformed)?;
            (Content::Commit(c), rest)
        }
    };
    let (auth, padding) = FramedContentAuthData::decode_prefix(rest, ct)
        .map_err(|_: CodecError| err(FramingError::MalformedContent))?;
    if padding.iter().fold(0u8, |acc, b| acc | b) != 0 {
        return Err(err(FramingError::NonZeroPadding));
    }
    Ok((content, auth))
}

/// Unprotects a PrivateMessage (RFC 9420 §6.3): checks group and epoch
/// against `context`, decrypts the sender data (§6.3.2), checks the leaf
/// index is inside the tree, takes the key for (leaf, generation) without
/// changing the tree, decrypts and parses the content (§6.3.1, padding must
/// be zeros). The caller checks the leaf is non-blank, verifies the
/// signature with [`verify_signature`] and then applies the update.
pub fn unprotect_private(
    cs: &dyn CipherSuiteProvider,
    msg: &PrivateMessage,
    context: &GroupContext,
    secret_tree: &SecretTree,
    sender_data_secret: &Secret,
) -> Result<UnprotectedPrivate, Error> {
    check_group_epoch(msg.group_id.as_slice(), msg.epoch, context)?;
    let ciphertext = msg.ciphertext.as_slice();
    let (sd_key, sd_nonce) = sender_data_key_nonce(cs, sender_data_secret, ciphertext)?;
    let sd_aad = SenderDataAad {
        group_id: msg.group_id.clone(),
        epoch: msg.epoch,
        content_type: msg.content_type,
    }
    .encode()?;
    let sd_bytes = cs
        .aead()
        .open(
            sd_key.as_bytes(),
            sd_nonce.as_bytes(),
            &sd_aad,
            msg.encrypted_sender_data.as_slice(),
        )
        .map_err(|_| err(FramingError::SenderDataDecryptionFailed))?;
    let sender_data: SenderData =
        decode(&sd_bytes).map_err(|_| err(FramingError::SenderDataDecryptionFailed))?;
    if sender_data.leaf_index >= secret_tree.n_leaves() {
        return Err(err(FramingError::SenderLeafOutOfRange));
    }
    let (key, update) = secret_tree.decryption_key(
        cs,
        LeafIndex(sender_data.leaf_index),
        ratchet_kind(msg.content_type),
        sender_data.generation,
    )?;
    let nonce = guarded_nonce(&key.nonce, &sender_data.reuse_guard)?;
    let aad = PrivateContentAad {
        group_id: msg.group_id.clone(),
        epoch: msg.epoch,
        content_type: msg.content_type,
        authenticated_data: msg.authenticated_data.clone(),
    }
    .encode()?;
    let pt = Zeroizing::new(
        cs.aead()
            .open(key.key.as_bytes(), nonce.as_bytes(), &aad, ciphertext)
            .map_err(|_| err(FramingError::ContentDecryptionFailed))?,
    );
    let (content, auth) = parse_private_content(&pt, msg.content_type)?;
    Ok(UnprotectedPrivate {
        content: AuthenticatedContent {
            wire_format: WireFormat::PRIVATE_MESSAGE,
            content: FramedContent {
                group_id: msg.group_id.clone(),
                epoch: msg.epoch,
                sender: Sender::Member(sender_data.leaf_index),
                authenticated_data: msg.authenticated_data.clone(),
                content,
            },
            auth,
        },
        sender_data,
        update,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::messages::proposal::Remove;

    fn ac(content: Content, commit_tag: bool) -> AuthenticatedContent {
        AuthenticatedContent {
            wire_format: WireFormat::PRIVATE_MESSAGE,
            content: FramedContent {
                group_id: VLBytes::new(b"g".to_vec()),
                epoch: 1,
                sender: Sender::Member(0),
                authenticated_data: VLBytes::new(alloc::vec![]),
                content,
            },
            auth: FramedContentAuthData {
                signature: VLBytes::new(alloc::vec![7; 64]),
                confirmation_tag: commit_tag.then(|| VLBytes::new(alloc::vec![9; 32])),
            },
        }
    }

    #[test]
    fn rfc9420_6_3_1_refuses_padding_past_the_vector_limit_without_panicking() {
        // Found by fuzzing a snapshot whose padding_block was corrupted:
        // `Group::protect` tried to allocate and fill ~1.9 GB; with a
        // padding near usize::MAX the length overflowed.
        let a = ac(Content::Application(VLBytes::new(b"x".to_vec())), false);
        for padding in [usize::MAX, usize::MAX - 1, crate::codec::MAX_VECTOR_LEN] {
            assert_eq!(
                private_message_content(&a, padding).map(|v| v.len()),
                Err(CodecError::InvalidLength.into()),
                "padding {padding}"
            );
        }
        let base = private_message_content(&a, 0).unwrap().len();
        let max = crate::codec::MAX_VECTOR_LEN - base;
        assert_eq!(
            private_message_content(&a, max + 1).map(|v| v.len()),
            Err(CodecError::InvalidLength.into())
        );
        assert_eq!(private_message_content(&a, 16).unwrap().len(), base + 16);
    }

    #[test]
    fn rfc9420_6_3_1_private_content_roundtrip_with_padding() {
        for (c, tag) in [
            (Content::Application(VLBytes::new(b"hello".to_vec())), false),
            (
                Content::Proposal(Proposal::Remove(Remove { removed: crate::tree_math::LeafIndex(3) })),
                false,
            ),
            (
                Content::Commit(Commit {
                    proposals: alloc::vec![],
                    path: None,
                }),
                true,
            ),
        ] {
            let a = ac(c, tag);
            for pad in [0usize, 1, 17] {
                let pt = private_message_content(&a, pad).unwrap();
                let (content, auth) = parse_private_content(&pt, a.content.content_type()).unwrap();
                assert_eq!(content, a.content.content);
                assert_eq!(auth, a.auth);
            }
        }
    }

    #[test]
    fn rfc9420_6_3_1_rejects_non_zero_padding() {
        let a = ac(Content::Application(VLBytes::new(b"x".to_vec())), false);
        let mut pt = private_message_content(&a, 8).unwrap();
        let last = pt.len() - 1;
        pt[last] = 1;
        assert_eq!(
            parse_private_content(&pt, ContentType::Application),
            Err(err(FramingError::NonZeroPadding))
        );
    }

    #[test]
    fn rfc9420_6_3_1_rejects_truncated_content() {
        let a = ac(Content::Application(VLBytes::new(b"xyz".to_vec())), false);
        let pt = private_message_content(&a, 0).unwrap();
        for cut in 0..pt.len() {
            assert!(parse_private_content(&pt[..cut], ContentType::Application).is_err());
        }
        // A commit's content needs its confirmation tag.
        assert!(parse_private_content(&pt, ContentType::Commit).is_err());
    }

    #[test]
    fn rfc9420_6_1_sender_content_rules() {
        let mut a = ac(Content::Application(VLBytes::new(b"x".to_vec())), false);
        assert!(check_sender_content(&a.content).is_ok());
        for s in [
            Sender::External(0),
            Sender::NewMemberCommit,
            Sender::NewMemberProposal,
        ] {
            a.content.sender = s;
            assert_eq!(
                check_sender_content(&a.content),
                Err(err(FramingError::SenderContentMismatch))
            );
        }
    }

    #[test]
    fn rfc9420_6_1_context_required_for_member() {
        assert_eq!(
            tbs_context(&Sender::Member(0), None),
            Err(err(FramingError::GroupContextRequired))
        );
        assert_eq!(
            tbs_context(&Sender::NewMemberCommit, None),
            Err(err(FramingError::GroupContextRequired))
        );
        assert_eq!(tbs_context(&Sender::External(1), None), Ok(None));
    }

    #[test]
    fn rfc9420_6_3_1_reuse_guard_xor() {
        let n = Secret::from_slice(&[0xFF; 12]).unwrap();
        let g = guarded_nonce(&n, &[1, 2, 3, 4]).unwrap();
        assert_eq!(
            g.as_bytes(),
            &[
                0xFE, 0xFD, 0xFC, 0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
            ]
        );
    }
}
