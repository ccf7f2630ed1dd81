//! GroupContext (RFC 9420 §8.1) and the Extension it carries (§13).

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::VLBytes;
use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use crate::crypto::CipherSuite;

/// `ProtocolVersion` (RFC 9420 §6): `mls10(1)`.
pub const MLS10: u16 = 1;

/// ```text
/// struct {
///     ExtensionType extension_type;
///     opaque extension_data<V>;
/// } Extension;
/// ```
/// (RFC 9420 §13.) The type is a plain `u16` so unknown and GREASE
/// extensions are carried as they are.
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Extension {
    /// ExtensionType.
    pub extension_type: u16,
    /// The encoded extension body.
    pub extension_data: VLBytes,
}

/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     CipherSuite cipher_suite;
///     opaque group_id<V>;
///     uint64 epoch;
///     opaque tree_hash<V>;
///     opaque confirmed_transcript_hash<V>;
///     Extension extensions<V>;
/// } GroupContext;
/// ```
/// (RFC 9420 §8.1.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct GroupContext {
    /// ProtocolVersion; `MLS10` for RFC 9420 groups.
    pub version: u16,
    /// The group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// Application-chosen group identifier.
    pub group_id: VLBytes,
    /// The epoch counter.
    pub epoch: u64,
    /// Tree hash of the ratchet tree (§7.8).
    pub tree_hash: VLBytes,
    /// Confirmed transcript hash (§8.2).
    pub confirmed_transcript_hash: VLBytes,
    /// Group context extensions.
    pub extensions: Vec<Extension>,
}
