//! Message framing (RFC 9420 §6): senders, framed and authenticated content,
//! public and private messages, and the `MLSMessage` envelope.

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::VLBytes;
use tls_codec::{DeserializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::commit::Commit;
use super::key_package::KeyPackage;
use super::proposal::Proposal;
use super::welcome::{GroupInfo, Welcome};
use super::{Mac, ProtocolVersion, manual_codec, put, u16_registry};
use crate::codec::CodecError;
use crate::messages::group_context::GroupContext;

u16_registry! {
    /// ```text
    /// // See the "MLS Wire Formats" IANA registry for values
    /// uint16 WireFormat;
    /// ```
    /// (RFC 9420 §6, registry §17.2.)
    WireFormat {
        /// `mls_public_message`.
        PUBLIC_MESSAGE = 0x0001,
        /// `mls_private_message`.
        PRIVATE_MESSAGE = 0x0002,
        /// `mls_welcome`.
        WELCOME = 0x0003,
        /// `mls_group_info`.
        GROUP_INFO = 0x0004,
        /// `mls_key_package`.
        KEY_PACKAGE = 0x0005,
    }
}

/// ```text
/// enum {
///     reserved(0),
///     application(1),
///     proposal(2),
///     commit(3),
///     (255)
/// } ContentType;
/// ```
/// (RFC 9420 §6.) Other values are a decoding error.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
pub enum ContentType {
    /// `application(1)`.
    Application = 1,
    /// `proposal(2)`.
    Proposal = 2,
    /// `commit(3)`.
    Commit = 3,
}

/// ```text
/// enum {
///     reserved(0),
///     member(1),
///     external(2),
///     new_member_proposal(3),
///     new_member_commit(4),
///     (255)
/// } SenderType;
/// ```
/// (RFC 9420 §6.)
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
pub enum SenderType {
    /// `member(1)`.
    Member = 1,
    /// `external(2)`.
    External = 2,
    /// `new_member_proposal(3)`.
    NewMemberProposal = 3,
    /// `new_member_commit(4)`.
    NewMemberCommit = 4,
}

/// ```text
/// struct {
///     SenderType sender_type;
///     select (Sender.sender_type) {
///         case member:
///             uint32 leaf_index;
///         case external:
///             uint32 sender_index;
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } Sender;
/// ```
/// (RFC 9420 §6.)
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
#[non_exhaustive]
pub enum Sender {
    /// `member(1)`: the sender's leaf index.
    #[tls_codec(discriminant = 1)]
    Member(u32),
    /// `external(2)`: index into the `external_senders` extension.
    #[tls_codec(discriminant = 2)]
    External(u32),
    /// `new_member_proposal(3)`.
    #[tls_codec(discriminant = 3)]
    NewMemberProposal,
    /// `new_member_commit(4)`.
    #[tls_codec(discriminant = 4)]
    NewMemberCommit,
}

impl Sender {
    /// The sender type.
    pub fn sender_type(&self) -> SenderType {
        match self {
            Self::Member(_) => SenderType::Member,
            Self::External(_) => SenderType::External,
            Self::NewMemberProposal => SenderType::NewMemberProposal,
            Self::NewMemberCommit => SenderType::NewMemberCommit,
        }
    }
}

/// `ContentType content_type` with its select in `FramedContent` (RFC 9420
/// §6):
///
/// ```text
///     ContentType content_type;
///     select (FramedContent.content_type) {
///         case application:
///           opaque application_data<V>;
///         case proposal:
///           Proposal proposal;
///         case commit:
///           Commit commit;
///     };
/// ```
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u8)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum Content {
    /// `application(1)`.
    #[tls_codec(discriminant = 1)]
    Application(VLBytes),
    /// `proposal(2)`.
    #[tls_codec(discriminant = 2)]
    Proposal(Proposal),
    /// `commit(3)`.
    #[tls_codec(discriminant = 3)]
    Commit(Commit),
}

impl Content {
    /// The content type.
    pub fn content_type(&self) -> ContentType {
        match self {
            Self::Application(_) => ContentType::Application,
            Self::Proposal(_) => ContentType::Proposal,
            Self::Commit(_) => ContentType::Commit,
        }
    }
}

/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     Sender sender;
///     opaque authenticated_data<V>;
///
///     ContentType content_type;
///     select (FramedContent.content_type) {
///         case application:
///           opaque application_data<V>;
///         case proposal:
///           Proposal proposal;
///         case commit:
///           Commit commit;
///     };
/// } FramedContent;
/// ```
/// (RFC 9420 §6.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct FramedContent {
    /// The group.
    pub group_id: VLBytes,
    /// The epoch.
    pub epoch: u64,
    /// Who sent it.
    pub sender: Sender,
    /// Application-chosen authenticated data.
    pub authenticated_data: VLBytes,
    /// The content type and its body.
    pub content: Content,
}

impl FramedContent {
    /// The content type.
    pub fn content_type(&self) -> ContentType {
        self.content.content_type()
    }
}

/// ```text
/// opaque MAC<V>;
///
/// struct {
///     /* SignWithLabel(., "FramedContentTBS", FramedContentTBS) */
///     opaque signature<V>;
///     select (FramedContent.content_type) {
///         case commit:
///             /*
///               MAC(confirmation_key,
///                   GroupContext.confirmed_transcript_hash)
///             */
///             MAC confirmation_tag;
///         case application:
///         case proposal:
///             struct{};
///     };
/// } FramedContentAuthData;
/// ```
/// (RFC 9420 §6.1.)
///
/// Whether `confirmation_tag` is on the wire depends on the content type of
/// the enclosing content, so this type encodes on its own (the tag is written
/// when it is `Some`, with no presence byte) but decodes only with the
/// content type: [`FramedContentAuthData::decode`] /
/// [`FramedContentAuthData::decode_prefix`]. The containing structs
/// ([`AuthenticatedContent`], [`PublicMessage`]) pass it along, and refuse to
/// encode a tag that disagrees with the content type (tag present if and only
/// if `commit`), since such bytes would not decode back to the same value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramedContentAuthData {
    /// `SignWithLabel(., "FramedContentTBS", FramedContentTBS)`.
    pub signature: VLBytes,
    /// The confirmation tag: `Some` exactly for commits.
    pub confirmation_tag: Option<Mac>,
}

impl FramedContentAuthData {
    fn wire_len(&self) -> usize {
        self.signature.tls_serialized_len()
            + self
                .confirmation_tag
                .as_ref()
                .map_or(0, |t| t.tls_serialized_len())
    }

    fn write_wire(&self, out: &mut Vec<u8>) -> Result<(), tls_codec::Error> {
        put(&self.signature, out)?;
        if let Some(tag) = &self.confirmation_tag {
            put(tag, out)?;
        }
        Ok(())
    }

    /// Tag present if and only if `content_type` is `commit`.
    fn check(&self, content_type: ContentType) -> Result<(), tls_codec::Error> {
        if self.confirmation_tag.is_some() == (content_type == ContentType::Commit) {
            Ok(())
        } else {
            Err(tls_codec::Error::EncodingError(format!(
                "confirmation_tag presence does not match content type {content_type:?}"
            )))
        }
    }

    fn read_wire(
        bytes: &[u8],
        content_type: ContentType,
    ) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (signature, rest) = VLBytes::tls_deserialize_bytes(bytes)?;
        let (confirmation_tag, rest) = if content_type == ContentType::Commit {
            let (tag, rest) = Mac::tls_deserialize_bytes(rest)?;
            (Some(tag), rest)
        } else {
            (None, rest)
        };
        Ok((
            Self {
                signature,
                confirmation_tag,
            },
            rest,
        ))
    }

    /// Decodes a `FramedContentAuthData` from the front of `bytes` for
    /// content of type `content_type`, returning the rest.
    pub fn decode_prefix(
        bytes: &[u8],
        content_type: ContentType,
    ) -> Result<(Self, &[u8]), CodecError> {
        Ok(Self::read_wire(bytes, content_type)?)
    }

    /// Decodes a complete `FramedContentAuthData` for content of type
    /// `content_type` (trailing bytes are an error).
    pub fn decode(bytes: &[u8], content_type: ContentType) -> Result<Self, CodecError> {
        let (v, rest) = Self::decode_prefix(bytes, content_type)?;
        if !rest.is_empty() {
            return Err(CodecError::TrailingData);
        }
        Ok(v)
    }
}

/// Decodes a complete `FramedContentAuthData` for content of type
/// `content_type` (see [`FramedContentAuthData::decode`]).
pub fn decode_auth_data(
    bytes: &[u8],
    content_type: ContentType,
) -> Result<FramedContentAuthData, CodecError> {
    FramedContentAuthData::decode(bytes, content_type)
}

impl tls_codec::Size for FramedContentAuthData {
    fn tls_serialized_len(&self) -> usize {
        self.wire_len()
    }
}

impl tls_codec::SerializeBytes for FramedContentAuthData {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = Vec::with_capacity(self.wire_len());
        self.write_wire(&mut out)?;
        Ok(out)
    }
}

#[cfg(feature = "std")]
impl tls_codec::Serialize for FramedContentAuthData {
    fn tls_serialize<W: std::io::Write>(&self, writer: &mut W) -> Result<usize, tls_codec::Error> {
        let bytes = tls_codec::SerializeBytes::tls_serialize_bytes(self)?;
        writer.write_all(&bytes)?;
        Ok(bytes.len())
    }
}

/// ```text
/// struct {
///     WireFormat wire_format;
///     FramedContent content;
///     FramedContentAuthData auth;
/// } AuthenticatedContent;
/// ```
/// (RFC 9420 §6.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedContent {
    /// The wire format the content is (to be) sent in.
    pub wire_format: WireFormat,
    /// The content.
    pub content: FramedContent,
    /// Its signature and (for commits) confirmation tag.
    pub auth: FramedContentAuthData,
}

impl AuthenticatedContent {
    fn wire_len(&self) -> usize {
        self.wire_format.tls_serialized_len()
            + self.content.tls_serialized_len()
            + self.auth.wire_len()
    }

    fn write_wire(&self, out: &mut Vec<u8>) -> Result<(), tls_codec::Error> {
        self.auth.check(self.content.content_type())?;
        put(&self.wire_format, out)?;
        put(&self.content, out)?;
        self.auth.write_wire(out)
    }

    fn read_wire(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (wire_format, rest) = WireFormat::tls_deserialize_bytes(bytes)?;
        let (content, rest) = FramedContent::tls_deserialize_bytes(rest)?;
        let (auth, rest) = FramedContentAuthData::read_wire(rest, content.content_type())?;
        Ok((
            Self {
                wire_format,
                content,
                auth,
            },
            rest,
        ))
    }

    /// The `FramedContentTBS` of this content (see [`framed_content_tbs`]).
    pub fn tbs(&self, context: Option<&GroupContext>) -> Result<Vec<u8>, CodecError> {
        framed_content_tbs(self.wire_format, &self.content, context)
    }
}

manual_codec!(AuthenticatedContent);

/// Encodes a `FramedContentTBS` (RFC 9420 §6.1):
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     FramedContent content;
///     select (FramedContentTBS.content.sender.sender_type) {
///         case member:
///         case new_member_commit:
///             GroupContext context;
///         case external:
///         case new_member_proposal:
///             struct{};
///     };
/// } FramedContentTBS;
/// ```
///
/// `context` must be given exactly for `member` and `new_member_commit`
/// senders ([`CodecError::InvalidValue`] otherwise).
pub fn framed_content_tbs(
    wire_format: WireFormat,
    content: &FramedContent,
    context: Option<&GroupContext>,
) -> Result<Vec<u8>, CodecError> {
    Ok(framed_content_tbs_split(wire_format, content, context)?.0)
}

/// [`framed_content_tbs`], and where the encoded `FramedContent` ends in
/// it (it starts at byte 4, after version and wire format): the
/// transcript hash input `wire_format || content` is `tbs[2..end]`
/// (RFC 9420 §8.2), so a received message is encoded once.
pub fn framed_content_tbs_split(
    wire_format: WireFormat,
    content: &FramedContent,
    context: Option<&GroupContext>,
) -> Result<(Vec<u8>, usize), CodecError> {
    let mut out = Vec::new();
    put(&ProtocolVersion::MLS10, &mut out)?;
    put(&wire_format, &mut out)?;
    put(content, &mut out)?;
    let end = out.len();
    match (content.sender, context) {
        (Sender::Member(_) | Sender::NewMemberCommit, Some(ctx)) => put(ctx, &mut out)?,
        (Sender::External(_) | Sender::NewMemberProposal, None) => {}
        _ => return Err(CodecError::InvalidValue),
    }
    Ok((out, end))
}

/// Encodes an `AuthenticatedContentTBM` (RFC 9420 §6.2), the input of the
/// membership tag, from an encoded `FramedContentTBS`:
///
/// ```text
/// struct {
///   FramedContentTBS content_tbs;
///   FramedContentAuthData auth;
/// } AuthenticatedContentTBM;
/// ```
pub fn authenticated_content_tbm(
    content_tbs: &[u8],
    auth: &FramedContentAuthData,
) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(content_tbs.len() + auth.wire_len());
    out.extend_from_slice(content_tbs);
    auth.write_wire(&mut out)?;
    Ok(out)
}

/// ```text
/// struct {
///     FramedContent content;
///     FramedContentAuthData auth;
///     select (PublicMessage.content.sender.sender_type) {
///         case member:
///             MAC membership_tag;
///         case external:
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } PublicMessage;
/// ```
/// (RFC 9420 §6.2.) `membership_tag` is `Some` exactly for `member` senders;
/// encoding refuses a mismatch (as it does for the confirmation tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicMessage {
    /// The content.
    pub content: FramedContent,
    /// Its signature and (for commits) confirmation tag.
    pub auth: FramedContentAuthData,
    /// The membership tag, for member senders.
    pub membership_tag: Option<Mac>,
}

impl PublicMessage {
    fn wire_len(&self) -> usize {
        self.content.tls_serialized_len()
            + self.auth.wire_len()
            + self
                .membership_tag
                .as_ref()
                .map_or(0, |t| t.tls_serialized_len())
    }

    fn write_wire(&self, out: &mut Vec<u8>) -> Result<(), tls_codec::Error> {
        self.auth.check(self.content.content_type())?;
        if self.membership_tag.is_some() != matches!(self.content.sender, Sender::Member(_)) {
            return Err(tls_codec::Error::EncodingError(format!(
                "membership_tag presence does not match sender {:?}",
                self.content.sender.sender_type()
            )));
        }
        put(&self.content, out)?;
        self.auth.write_wire(out)?;
        if let Some(tag) = &self.membership_tag {
            put(tag, out)?;
        }
        Ok(())
    }

    fn read_wire(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (content, rest) = FramedContent::tls_deserialize_bytes(bytes)?;
        let (auth, rest) = FramedContentAuthData::read_wire(rest, content.content_type())?;
        let (membership_tag, rest) = if matches!(content.sender, Sender::Member(_)) {
            let (tag, rest) = Mac::tls_deserialize_bytes(rest)?;
            (Some(tag), rest)
        } else {
            (None, rest)
        };
        Ok((
            Self {
                content,
                auth,
                membership_tag,
            },
            rest,
        ))
    }
}

manual_codec!(PublicMessage);

/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data<V>;
///     opaque encrypted_sender_data<V>;
///     opaque ciphertext<V>;
/// } PrivateMessage;
/// ```
/// (RFC 9420 §6.3.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct PrivateMessage {
    /// The group.
    pub group_id: VLBytes,
    /// The epoch.
    pub epoch: u64,
    /// The type of the encrypted content.
    pub content_type: ContentType,
    /// Application-chosen authenticated data.
    pub authenticated_data: VLBytes,
    /// The encrypted `SenderData`.
    pub encrypted_sender_data: VLBytes,
    /// The encrypted `PrivateMessageContent`.
    pub ciphertext: VLBytes,
}

/// ```text
/// struct {
///     uint32 leaf_index;
///     uint32 generation;
///     opaque reuse_guard[4];
/// } SenderData;
/// ```
/// (RFC 9420 §6.3.2.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct SenderData {
    /// The sender's leaf index.
    pub leaf_index: u32,
    /// The ratchet generation of the content key.
    pub generation: u32,
    /// Random value XORed into the nonce.
    pub reuse_guard: [u8; 4],
}

/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data<V>;
/// } PrivateContentAAD;
/// ```
/// (RFC 9420 §6.3.1.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct PrivateContentAad {
    /// The group.
    pub group_id: VLBytes,
    /// The epoch.
    pub epoch: u64,
    /// The content type.
    pub content_type: ContentType,
    /// Application-chosen authenticated data.
    pub authenticated_data: VLBytes,
}

/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
/// } SenderDataAAD;
/// ```
/// (RFC 9420 §6.3.2.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct SenderDataAad {
    /// The group.
    pub group_id: VLBytes,
    /// The epoch.
    pub epoch: u64,
    /// The content type.
    pub content_type: ContentType,
}

/// `WireFormat wire_format` with its select in `MLSMessage` (RFC 9420 §6):
///
/// ```text
///     WireFormat wire_format;
///     select (MLSMessage.wire_format) {
///         case mls_public_message:
///             PublicMessage public_message;
///         case mls_private_message:
///             PrivateMessage private_message;
///         case mls_welcome:
///             Welcome welcome;
///         case mls_group_info:
///             GroupInfo group_info;
///         case mls_key_package:
///             KeyPackage key_package;
///     };
/// ```
///
/// Other wire formats have no known body and are a decoding error.
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
#[repr(u16)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum MlsMessageBody {
    /// `mls_public_message`.
    #[tls_codec(discriminant = 1)]
    PublicMessage(PublicMessage),
    /// `mls_private_message`.
    #[tls_codec(discriminant = 2)]
    PrivateMessage(PrivateMessage),
    /// `mls_welcome`.
    #[tls_codec(discriminant = 3)]
    Welcome(Welcome),
    /// `mls_group_info`.
    #[tls_codec(discriminant = 4)]
    GroupInfo(GroupInfo),
    /// `mls_key_package`.
    #[tls_codec(discriminant = 5)]
    KeyPackage(KeyPackage),
}

impl MlsMessageBody {
    /// The wire format.
    pub fn wire_format(&self) -> WireFormat {
        match self {
            Self::PublicMessage(_) => WireFormat::PUBLIC_MESSAGE,
            Self::PrivateMessage(_) => WireFormat::PRIVATE_MESSAGE,
            Self::Welcome(_) => WireFormat::WELCOME,
            Self::GroupInfo(_) => WireFormat::GROUP_INFO,
            Self::KeyPackage(_) => WireFormat::KEY_PACKAGE,
        }
    }
}

/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     select (MLSMessage.wire_format) {
///         case mls_public_message:
///             PublicMessage public_message;
///         case mls_private_message:
///             PrivateMessage private_message;
///         case mls_welcome:
///             Welcome welcome;
///         case mls_group_info:
///             GroupInfo group_info;
///         case mls_key_package:
///             KeyPackage key_package;
///     };
/// } MLSMessage;
/// ```
/// (RFC 9420 §6.) `version` is fixed to `mls10`: any other value is a
/// decoding error (the body's format is only known for `mls10`), and
/// encoding always writes `mls10`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlsMessage {
    /// The wire format and its body.
    pub body: MlsMessageBody,
}

impl MlsMessage {
    /// The encoded message (RFC 9420 §6), to send or store.
    pub fn to_bytes(&self) -> Result<Vec<u8>, crate::codec::CodecError> {
        crate::codec::Encode::encode(self)
    }

    /// Decodes a message; trailing bytes are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, crate::codec::CodecError> {
        crate::codec::decode(bytes)
    }

    /// The protocol version (always `mls10`).
    pub fn version(&self) -> ProtocolVersion {
        ProtocolVersion::MLS10
    }

    /// The wire format.
    pub fn wire_format(&self) -> WireFormat {
        self.body.wire_format()
    }

    fn wire_len(&self) -> usize {
        2 + self.body.tls_serialized_len()
    }

    fn write_wire(&self, out: &mut Vec<u8>) -> Result<(), tls_codec::Error> {
        put(&ProtocolVersion::MLS10, out)?;
        put(&self.body, out)
    }

    fn read_wire(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (version, rest) = ProtocolVersion::tls_deserialize_bytes(bytes)?;
        if version != ProtocolVersion::MLS10 {
            return Err(tls_codec::Error::UnknownValue(u64::from(version.0)));
        }
        let (body, rest) = MlsMessageBody::tls_deserialize_bytes(rest)?;
        Ok((Self { body }, rest))
    }
}

manual_codec!(MlsMessage);

impl From<super::KeyPackage> for MlsMessage {
    fn from(kp: super::KeyPackage) -> Self {
        Self {
            body: MlsMessageBody::KeyPackage(kp),
        }
    }
}

impl From<super::Welcome> for MlsMessage {
    fn from(w: super::Welcome) -> Self {
        Self {
            body: MlsMessageBody::Welcome(w),
        }
    }
}

impl From<super::GroupInfo> for MlsMessage {
    fn from(gi: super::GroupInfo) -> Self {
        Self {
            body: MlsMessageBody::GroupInfo(gi),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::codec::{Encode, decode};
    use crate::crypto::CipherSuite;
    use crate::messages::proposal::Remove;
    use crate::messages::test_util::roundtrip;
    use proptest::prelude::*;

    fn content(sender: Sender, content: Content) -> FramedContent {
        FramedContent {
            group_id: VLBytes::new(b"group".to_vec()),
            epoch: 7,
            sender,
            authenticated_data: VLBytes::new(alloc::vec![]),
            content,
        }
    }

    fn auth(commit: bool) -> FramedContentAuthData {
        FramedContentAuthData {
            signature: VLBytes::new(alloc::vec![1; 64]),
            confirmation_tag: commit.then(|| VLBytes::new(alloc::vec![2; 32])),
        }
    }

    fn commit_content() -> Content {
        Content::Commit(Commit {
            proposals: alloc::vec![],
            path: None,
        })
    }

    fn ctx() -> GroupContext {
        GroupContext {
            version: 1,
            cipher_suite: CipherSuite(1),
            group_id: VLBytes::new(b"group".to_vec()),
            epoch: 7,
            tree_hash: VLBytes::new(alloc::vec![3; 32]),
            confirmed_transcript_hash: VLBytes::new(alloc::vec![4; 32]),
            extensions: alloc::vec![],
        }
    }

    #[test]
    fn rfc9420_6_sender_encoding() {
        assert_eq!(roundtrip(&Sender::Member(0x0102_0304)), [1, 1, 2, 3, 4]);
        assert_eq!(roundtrip(&Sender::External(5)), [2, 0, 0, 0, 5]);
        assert_eq!(roundtrip(&Sender::NewMemberProposal), [3]);
        assert_eq!(roundtrip(&Sender::NewMemberCommit), [4]);
        assert!(decode::<Sender>(&[0]).is_err());
        assert!(decode::<Sender>(&[5]).is_err());
    }

    #[test]
    fn rfc9420_6_content_type_reserved_rejected() {
        assert!(decode::<ContentType>(&[0]).is_err());
        assert!(decode::<ContentType>(&[4]).is_err());
        assert_eq!(decode::<ContentType>(&[3]).unwrap(), ContentType::Commit);
    }

    #[test]
    fn rfc9420_6_1_auth_data_depends_on_content_type() {
        let a = auth(true);
        let bytes = a.encode().unwrap();
        assert_eq!(decode_auth_data(&bytes, ContentType::Commit).unwrap(), a);
        // Read as an application message's auth data, the tag is trailing.
        assert_eq!(
            decode_auth_data(&bytes, ContentType::Application),
            Err(CodecError::TrailingData)
        );
        let a = auth(false);
        let bytes = a.encode().unwrap();
        assert_eq!(decode_auth_data(&bytes, ContentType::Proposal).unwrap(), a);
        assert_eq!(
            decode_auth_data(&bytes, ContentType::Commit),
            Err(CodecError::Truncated)
        );
    }

    #[test]
    fn rfc9420_6_authenticated_content_roundtrip_and_mismatch() {
        for (c, commit) in [
            (Content::Application(VLBytes::new(b"hi".to_vec())), false),
            (
                Content::Proposal(Proposal::Remove(Remove {
                    removed: crate::tree_math::LeafIndex(2),
                })),
                false,
            ),
            (commit_content(), true),
        ] {
            let ac = AuthenticatedContent {
                wire_format: WireFormat::PUBLIC_MESSAGE,
                content: content(Sender::Member(0), c),
                auth: auth(commit),
            };
            roundtrip(&ac);
            let bad = AuthenticatedContent {
                auth: auth(!commit),
                ..ac
            };
            assert!(bad.encode().is_err());
        }
    }

    #[test]
    fn rfc9420_6_2_public_message_membership_tag() {
        for sender in [
            Sender::Member(3),
            Sender::External(0),
            Sender::NewMemberCommit,
            Sender::NewMemberProposal,
        ] {
            let pm = PublicMessage {
                content: content(sender, commit_content()),
                auth: auth(true),
                membership_tag: matches!(sender, Sender::Member(_))
                    .then(|| VLBytes::new(alloc::vec![9; 32])),
            };
            roundtrip(&pm);
            roundtrip(&MlsMessage {
                body: MlsMessageBody::PublicMessage(pm.clone()),
            });
            let bad = PublicMessage {
                membership_tag: match pm.membership_tag {
                    Some(_) => None,
                    None => Some(VLBytes::new(alloc::vec![])),
                },
                ..pm
            };
            assert!(bad.encode().is_err());
        }
    }

    #[test]
    fn rfc9420_6_1_framed_content_tbs() {
        let fc = content(Sender::Member(1), commit_content());
        let tbs = framed_content_tbs(WireFormat::PUBLIC_MESSAGE, &fc, Some(&ctx())).unwrap();
        let mut want = alloc::vec![0, 1, 0, 1];
        want.extend(fc.encode().unwrap());
        want.extend(ctx().encode().unwrap());
        assert_eq!(tbs, want);
        assert!(framed_content_tbs(WireFormat::PUBLIC_MESSAGE, &fc, None).is_err());
        let ext = content(Sender::External(0), commit_content());
        assert!(framed_content_tbs(WireFormat::PUBLIC_MESSAGE, &ext, Some(&ctx())).is_err());
        let tbs = framed_content_tbs(WireFormat::PUBLIC_MESSAGE, &ext, None).unwrap();
        let tbm = authenticated_content_tbm(&tbs, &auth(true)).unwrap();
        assert_eq!(tbm.len(), tbs.len() + auth(true).tls_serialized_len());
    }

    #[test]
    fn rfc9420_6_mls_message_version_and_wire_format() {
        let pm = MlsMessage {
            body: MlsMessageBody::PrivateMessage(PrivateMessage {
                group_id: VLBytes::new(b"g".to_vec()),
                epoch: 1,
                content_type: ContentType::Application,
                authenticated_data: VLBytes::new(alloc::vec![]),
                encrypted_sender_data: VLBytes::new(alloc::vec![1; 12]),
                ciphertext: VLBytes::new(alloc::vec![2; 40]),
            }),
        };
        let mut bytes = roundtrip(&pm);
        assert_eq!(bytes[..4], [0, 1, 0, 2]);
        bytes[1] = 2; // version 2
        assert_eq!(decode::<MlsMessage>(&bytes), Err(CodecError::InvalidValue));
        bytes[1] = 1;
        bytes[3] = 6; // unknown wire format
        assert!(decode::<MlsMessage>(&bytes).is_err());
        bytes[3] = 0;
        assert!(decode::<MlsMessage>(&bytes).is_err());
    }

    proptest! {
        #[test]
        fn sender_data_roundtrip(l in any::<u32>(), g in any::<u32>(), r in any::<[u8; 4]>()) {
            let bytes = roundtrip(&SenderData { leaf_index: l, generation: g, reuse_guard: r });
            prop_assert_eq!(bytes.len(), 12);
        }

        #[test]
        fn aads_roundtrip(
            gid in proptest::collection::vec(any::<u8>(), 0..70),
            epoch in any::<u64>(),
            ct in 1u8..=3,
        ) {
            let content_type = decode::<ContentType>(&[ct]).unwrap();
            roundtrip(&SenderDataAad { group_id: VLBytes::new(gid.clone()), epoch, content_type });
            roundtrip(&PrivateContentAad {
                group_id: VLBytes::new(gid.clone()),
                epoch,
                content_type,
                authenticated_data: VLBytes::new(gid),
            });
        }

        // tls_codec 0.5 has a `debug_assert_eq!` on truncated `opaque<V>`
        // input (quic_vec.rs), so random input can only be fed to the
        // decoder when debug assertions are off.
        #[cfg(not(debug_assertions))]
        #[test]
        fn public_message_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode::<MlsMessage>(&bytes);
            let _ = decode::<PublicMessage>(&bytes);
        }
    }
}
