//! GroupInfo and Welcome (RFC 9420 §12.4.3).

#[allow(unused_imports)]
use alloc::format;
use alloc::vec::Vec;

use crate::codec::VLBytes;
use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::commit::HpkeCiphertext;
use super::proposal::PreSharedKeyId;
use super::{KeyPackageRef, Mac, put};
use crate::codec::CodecError;
use crate::crypto::CipherSuite;
use crate::messages::group_context::{Extension, GroupContext};

/// ```text
/// struct {
///     GroupContext group_context;
///     Extension extensions<V>;
///     MAC confirmation_tag;
///     uint32 signer;
///     /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
///     opaque signature<V>;
/// } GroupInfo;
/// ```
/// (RFC 9420 §12.4.3.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct GroupInfo {
    /// The group's current GroupContext.
    pub group_context: GroupContext,
    /// GroupInfo extensions (e.g. `ratchet_tree`, `external_pub`).
    pub extensions: Vec<Extension>,
    /// Confirmation tag of the epoch.
    pub confirmation_tag: Mac,
    /// Leaf index of the signer.
    pub signer: u32,
    /// `SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)`.
    pub signature: VLBytes,
}

impl GroupInfo {
    /// Encodes the `GroupInfoTBS` (RFC 9420 §12.4.3): every field but the
    /// signature.
    ///
    /// ```text
    /// struct {
    ///     GroupContext group_context;
    ///     Extension extensions<V>;
    ///     MAC confirmation_tag;
    ///     uint32 signer;
    /// } GroupInfoTBS;
    /// ```
    pub fn tbs(&self) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::new();
        put(&self.group_context, &mut out)?;
        put(&self.extensions, &mut out)?;
        put(&self.confirmation_tag, &mut out)?;
        put(&self.signer, &mut out)?;
        Ok(out)
    }
}

/// ```text
/// struct {
///   opaque path_secret<V>;
/// } PathSecret;
/// ```
/// (RFC 9420 §12.4.3.1.)
#[derive(Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct PathSecret {
    /// The path secret.
    pub path_secret: VLBytes,
}

/// ```text
/// struct {
///   opaque joiner_secret<V>;
///   optional<PathSecret> path_secret;
///   PreSharedKeyID psks<V>;
/// } GroupSecrets;
/// ```
/// (RFC 9420 §12.4.3.1.)
///
/// The secrets are wiped when the value is dropped and never printed.
#[derive(Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct GroupSecrets {
    /// The joiner secret of the new epoch.
    pub joiner_secret: VLBytes,
    /// The path secret of the lowest common ancestor with the committer.
    pub path_secret: Option<PathSecret>,
    /// The PSKs of the epoch.
    pub psks: Vec<PreSharedKeyId>,
}

impl Drop for PathSecret {
    fn drop(&mut self) {
        self.path_secret.zeroize();
    }
}

impl Drop for GroupSecrets {
    fn drop(&mut self) {
        self.joiner_secret.zeroize();
    }
}

impl core::fmt::Debug for PathSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PathSecret(<redacted>)")
    }
}

impl core::fmt::Debug for GroupSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GroupSecrets")
            .field("joiner_secret", &"<redacted>")
            .field("path_secret", &self.path_secret)
            .field("psks", &self.psks)
            .finish()
    }
}

/// ```text
/// struct {
///   KeyPackageRef new_member;
///   HPKECiphertext encrypted_group_secrets;
/// } EncryptedGroupSecrets;
/// ```
/// (RFC 9420 §12.4.3.1.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct EncryptedGroupSecrets {
    /// Reference to the new member's KeyPackage.
    pub new_member: KeyPackageRef,
    /// `GroupSecrets` encrypted to the KeyPackage's init key.
    pub encrypted_group_secrets: HpkeCiphertext,
}

/// ```text
/// struct {
///   CipherSuite cipher_suite;
///   EncryptedGroupSecrets secrets<V>;
///   opaque encrypted_group_info<V>;
/// } Welcome;
/// ```
/// (RFC 9420 §12.4.3.1.)
#[derive(Debug, Clone, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[cfg_attr(feature = "std", derive(tls_codec::TlsSerialize))]
pub struct Welcome {
    /// The group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// One entry per new member.
    pub secrets: Vec<EncryptedGroupSecrets>,
    /// The `GroupInfo`, AEAD-encrypted under the welcome key.
    pub encrypted_group_info: VLBytes,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::codec::{Encode, decode};
    use crate::messages::framing::{MlsMessage, MlsMessageBody};
    use crate::messages::proposal::Psk;
    use crate::messages::test_util::roundtrip;
    use tls_codec::Size;

    fn group_info() -> GroupInfo {
        GroupInfo {
            group_context: GroupContext {
                version: 1,
                cipher_suite: CipherSuite(2),
                group_id: VLBytes::new(b"g".to_vec()),
                epoch: 3,
                tree_hash: VLBytes::new(alloc::vec![1; 32]),
                confirmed_transcript_hash: VLBytes::new(alloc::vec![2; 32]),
                extensions: alloc::vec![],
            },
            extensions: alloc::vec![Extension {
                extension_type: 0x1A1A,
                extension_data: VLBytes::new(alloc::vec![0xFF; 5]),
            }],
            confirmation_tag: VLBytes::new(alloc::vec![3; 32]),
            signer: 4,
            signature: VLBytes::new(alloc::vec![5; 64]),
        }
    }

    #[test]
    fn rfc9420_12_4_3_group_info_roundtrip_and_tbs() {
        let gi = group_info();
        let full = roundtrip(&gi);
        let tbs = gi.tbs().unwrap();
        assert_eq!(
            tbs[..],
            full[..full.len() - gi.signature.tls_serialized_len()]
        );
        roundtrip(&MlsMessage {
            body: MlsMessageBody::GroupInfo(gi),
        });
    }

    #[test]
    fn rfc9420_12_4_3_1_welcome_and_group_secrets() {
        let w = Welcome {
            cipher_suite: CipherSuite(1),
            secrets: alloc::vec![EncryptedGroupSecrets {
                new_member: VLBytes::new(alloc::vec![1; 32]),
                encrypted_group_secrets: HpkeCiphertext {
                    kem_output: VLBytes::new(alloc::vec![2; 32]),
                    ciphertext: VLBytes::new(alloc::vec![3; 80]),
                },
            }],
            encrypted_group_info: VLBytes::new(alloc::vec![4; 100]),
        };
        roundtrip(&w);
        roundtrip(&MlsMessage {
            body: MlsMessageBody::Welcome(w),
        });
        let gs = GroupSecrets {
            joiner_secret: VLBytes::new(alloc::vec![5; 32]),
            path_secret: Some(PathSecret {
                path_secret: VLBytes::new(alloc::vec![6; 32]),
            }),
            psks: alloc::vec![PreSharedKeyId {
                psk: Psk::External(VLBytes::new(b"psk".to_vec())),
                psk_nonce: VLBytes::new(alloc::vec![7; 32]),
            }],
        };
        roundtrip(&gs);
        let gs = GroupSecrets {
            joiner_secret: gs.joiner_secret.clone(),
            path_secret: None,
            psks: alloc::vec![],
        };
        let bytes = roundtrip(&gs);
        assert_eq!(bytes[33..], [0, 0]);
        // Presence byte 2 is invalid.
        let mut bad = gs.encode().unwrap();
        bad[33] = 2;
        assert!(decode::<GroupSecrets>(&bad).is_err());
    }
}
