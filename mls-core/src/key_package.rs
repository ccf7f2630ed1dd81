//! KeyPackage generation (RFC 9420 §10) and validation (§10.1, with the
//! leaf-node checks of §7.3 that need no group).
//!
//! Credential validation (§5.3.1) belongs to the application's
//! authentication service, and the group-dependent leaf checks (required
//! capabilities, credential types of the other members, key uniqueness) to
//! the group layer.

use alloc::vec::Vec;

use crate::codec::VLBytes;

use crate::codec::Encode;
use crate::crypto::labeled::{key_package_ref, sign_with_label, verify_with_label};
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoError, CryptoProvider, Digest, HpkePrivateKey, Rng,
};
use crate::error::Error;
use crate::messages::group_context::Extension;
use crate::messages::{
    Capabilities, Credential, KeyPackage, LeafNode, LeafNodeSource, Lifetime, ProtocolVersion,
};

const LEAF_NODE_TBS: &[u8] = b"LeafNodeTBS";
const KEY_PACKAGE_TBS: &[u8] = b"KeyPackageTBS";

pub use crate::error::KeyPackageError;

/// What [`generate_key_package`] needs besides the suite and randomness.
pub struct KeyPackageParams<'a> {
    /// The client's signature private key; its public key goes into the leaf.
    pub signer: &'a dyn crate::crypto::Signer,
    /// The client's credential.
    pub credential: Credential,
    /// What the client supports. Must list the suite, `mls10`, the
    /// credential type and every non-default extension used.
    pub capabilities: Capabilities,
    /// The leaf's validity period.
    pub lifetime: Lifetime,
    /// LeafNode extensions.
    pub leaf_extensions: Vec<Extension>,
    /// KeyPackage extensions.
    pub extensions: Vec<Extension>,
}

impl core::fmt::Debug for KeyPackageParams<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyPackageParams")
            .field("credential", &self.credential)
            .field("capabilities", &self.capabilities)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// The private half of a generated KeyPackage. Both keys zeroize on drop.
#[derive(Debug)]
pub struct KeyPackagePrivate {
    /// The private key of `init_key` (decrypts the Welcome).
    pub init_key: HpkePrivateKey,
    /// The private key of `leaf_node.encryption_key`.
    pub encryption_key: HpkePrivateKey,
}

/// `KeyPackageRef = MakeKeyPackageRef(KeyPackage)` (RFC 9420 §5.2).
pub fn key_package_reference(
    cs: &dyn CipherSuiteProvider,
    key_package: &KeyPackage,
) -> Result<Digest, Error> {
    Ok(key_package_ref(cs, &key_package.encode()?)?)
}

fn is_default_extension(t: u16) -> bool {
    (1..=5).contains(&t)
}

/// The capability checks of RFC 9420 §7.2, §7.3, §10 and §13.4 for a
/// KeyPackage. §7.3 does not ask the leaf to list the KeyPackage's version
/// or cipher suite (deployed clients omit them), so neither is checked.
fn check_capabilities(leaf: &LeafNode, kp_extensions: &[Extension]) -> Result<(), KeyPackageError> {
    let caps = &leaf.capabilities;
    for list in [&leaf.extensions, kp_extensions] {
        let mut seen = alloc::collections::BTreeSet::new();
        if !list.iter().all(|e| seen.insert(e.extension_type)) {
            return Err(KeyPackageError::DuplicateExtension);
        }
    }
    if !caps
        .credentials
        .contains(&leaf.credential.credential_type())
    {
        return Err(KeyPackageError::CredentialTypeNotInCapabilities);
    }
    // A set: O((e + c) log c) for e extensions and c listed types.
    let listed: alloc::collections::BTreeSet<u16> = caps.extensions.iter().map(|c| c.0).collect();
    for e in leaf.extensions.iter().chain(kp_extensions) {
        if !is_default_extension(e.extension_type) && !listed.contains(&e.extension_type) {
            return Err(KeyPackageError::ExtensionNotInCapabilities);
        }
    }
    Ok(())
}

/// Generates a KeyPackage (RFC 9420 §10): fresh init and leaf encryption
/// key pairs (distinct), a `key_package` LeafNode signed over `LeafNodeTBS`,
/// and the KeyPackage signed over `KeyPackageTBS`.
///
/// The capabilities are checked as a receiver would (§7.2, §10) so that the
/// result validates.
pub fn generate_key_package(
    cs: &dyn CipherSuiteProvider,
    params: KeyPackageParams<'_>,
    rng: &mut dyn Rng,
) -> Result<(KeyPackage, KeyPackagePrivate), Error> {
    let suite = cs.cipher_suite();
    let signature_key = params.signer.public_key(cs)?;
    let (init_priv, init_pub) = cs.hpke().generate_key_pair(rng)?;
    let (mut enc_priv, mut enc_pub) = cs.hpke().generate_key_pair(rng)?;
    // §10.1: the keys MUST differ. A collision means a broken RNG; retry a
    // few times, then give up.
    let mut tries = 0;
    while enc_pub == init_pub {
        tries += 1;
        if tries > 3 {
            return Err(CryptoError::RngFailure.into());
        }
        (enc_priv, enc_pub) = cs.hpke().generate_key_pair(rng)?;
    }
    let mut leaf = LeafNode {
        encryption_key: VLBytes::new(enc_pub),
        signature_key: VLBytes::new(signature_key),
        credential: params.credential,
        capabilities: params.capabilities,
        leaf_node_source: LeafNodeSource::KeyPackage(params.lifetime),
        extensions: params.leaf_extensions.into(),
        signature: VLBytes::new(Vec::new()),
    };
    check_capabilities(&leaf, &params.extensions)?;
    leaf.signature = VLBytes::new(sign_with_label(
        cs,
        params.signer,
        LEAF_NODE_TBS,
        &leaf.tbs(None)?,
    )?);
    let mut kp = KeyPackage {
        version: ProtocolVersion::MLS10,
        cipher_suite: suite,
        init_key: VLBytes::new(init_pub),
        leaf_node: leaf,
        extensions: params.extensions,
        signature: VLBytes::new(Vec::new()),
    };
    kp.signature = VLBytes::new(sign_with_label(
        cs,
        params.signer,
        KEY_PACKAGE_TBS,
        &kp.tbs()?,
    )?);
    Ok((
        kp,
        KeyPackagePrivate {
            init_key: init_priv,
            encryption_key: enc_priv,
        },
    ))
}

/// Validates a received KeyPackage for a group whose suite is
/// `cs.cipher_suite()` and whose version is `mls10` (RFC 9420 §10.1), with
/// the group-independent leaf-node checks of §7.3:
///
/// - version `mls10` and cipher suite the group's;
/// - leaf source `key_package`, lifetime covering `now` when given;
/// - capabilities list the credential type and
///   every non-default extension of the KeyPackage and of its leaf;
/// - `init_key` differs from `leaf_node.encryption_key`;
/// - the LeafNode signature and the KeyPackage signature verify with
///   `leaf_node.signature_key`.
///
/// Holding `cs` means the suite is served; see
/// [`validate_key_package_for_group`] to look it up in a provider.
pub fn validate_key_package(
    cs: &dyn CipherSuiteProvider,
    kp: &KeyPackage,
    now: Option<u64>,
) -> Result<(), Error> {
    check_key_package_fields(cs, kp, now)?;
    verify_key_package_signatures(cs, kp)
}

/// The checks of [`validate_key_package`] but the two signatures.
pub(crate) fn check_key_package_fields(
    cs: &dyn CipherSuiteProvider,
    kp: &KeyPackage,
    now: Option<u64>,
) -> Result<(), Error> {
    if kp.version != ProtocolVersion::MLS10 {
        return Err(KeyPackageError::VersionMismatch.into());
    }
    if kp.cipher_suite != cs.cipher_suite() {
        return Err(KeyPackageError::CipherSuiteMismatch.into());
    }
    let leaf = &kp.leaf_node;
    let LeafNodeSource::KeyPackage(lifetime) = &leaf.leaf_node_source else {
        return Err(KeyPackageError::LeafSourceNotKeyPackage.into());
    };
    if let Some(now) = now {
        if now < lifetime.not_before || now > lifetime.not_after {
            return Err(KeyPackageError::LifetimeInvalid.into());
        }
    }
    check_capabilities(leaf, &kp.extensions)?;
    if kp.init_key.as_slice() == leaf.encryption_key.as_slice() {
        return Err(KeyPackageError::InitKeyEqualsEncryptionKey.into());
    }
    // RFC 9180 §7.1.1: both keys must be valid keys of the suite's KEM.
    for key in [kp.init_key.as_slice(), leaf.encryption_key.as_slice()] {
        cs.hpke()
            .validate_public_key(key)
            .map_err(|_| crate::group::GroupError::InvalidPublicKey)?;
    }
    Ok(())
}

/// The signatures of [`validate_key_package`]: the LeafNode's, then the
/// KeyPackage's, both with `leaf_node.signature_key`. Independent of the
/// group, so a bulk add can check all of them at once (in parallel with
/// `parallel`) and report each where the serial order would.
pub(crate) fn verify_key_package_signatures(
    cs: &dyn CipherSuiteProvider,
    kp: &KeyPackage,
) -> Result<(), Error> {
    let leaf = &kp.leaf_node;
    verify_with_label(
        cs,
        leaf.signature_key.as_slice(),
        LEAF_NODE_TBS,
        &leaf.tbs(None)?,
        leaf.signature.as_slice(),
    )
    .map_err(|_| KeyPackageError::LeafSignatureInvalid)?;
    verify_with_label(
        cs,
        leaf.signature_key.as_slice(),
        KEY_PACKAGE_TBS,
        &kp.tbs()?,
        kp.signature.as_slice(),
    )
    .map_err(|_| KeyPackageError::SignatureInvalid)?;
    Ok(())
}

/// [`validate_key_package`] for a group with cipher suite `group_suite`,
/// looking the suite up in `provider` (RFC 9420 §10.1).
pub fn validate_key_package_for_group(
    provider: &dyn CryptoProvider,
    group_suite: CipherSuite,
    kp: &KeyPackage,
    now: Option<u64>,
) -> Result<(), Error> {
    if kp.cipher_suite != group_suite {
        return Err(KeyPackageError::CipherSuiteMismatch.into());
    }
    let cs = provider
        .cipher_suite(group_suite)
        .ok_or(KeyPackageError::UnsupportedCipherSuite)?;
    validate_key_package(cs, kp, now)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::messages::{CredentialType, ExtensionType};

    fn leaf(ext: u16) -> LeafNode {
        LeafNode {
            encryption_key: VLBytes::new(alloc::vec![1; 32]),
            signature_key: VLBytes::new(alloc::vec![2; 32]),
            credential: Credential::Basic(VLBytes::new(b"a".to_vec())),
            capabilities: Capabilities {
                versions: alloc::vec![ProtocolVersion::MLS10].into(),
                cipher_suites: alloc::vec![CipherSuite(1)].into(),
                extensions: alloc::vec![ExtensionType(0x0A0A)].into(),
                proposals: alloc::vec![].into(),
                credentials: alloc::vec![CredentialType::BASIC].into(),
            },
            leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: 10,
            }),
            extensions: alloc::vec![Extension {
                extension_type: ext,
                extension_data: VLBytes::new(alloc::vec![]),
            }]
            .into(),
            signature: VLBytes::new(alloc::vec![]),
        }
    }

    #[test]
    fn rfc9420_7_2_capabilities_checks() {
        assert_eq!(check_capabilities(&leaf(0x0A0A), &[]), Ok(()));
        // Default extensions need not be listed.
        assert_eq!(check_capabilities(&leaf(0x0001), &[]), Ok(()));
        assert_eq!(
            check_capabilities(&leaf(0x0B0B), &[]),
            Err(KeyPackageError::ExtensionNotInCapabilities)
        );
        let kp_ext = [Extension {
            extension_type: 0x000A,
            extension_data: VLBytes::new(alloc::vec![]),
        }];
        assert_eq!(
            check_capabilities(&leaf(0x0A0A), &kp_ext),
            Err(KeyPackageError::ExtensionNotInCapabilities)
        );
        // RFC 9420 §7.3: the suite and version need not be listed.
        let mut l = leaf(0x0A0A);
        l.capabilities.cipher_suites.clear();
        l.capabilities.versions.clear();
        assert_eq!(check_capabilities(&l, &[]), Ok(()));
        // RFC 9420 §13.4: one extension per type, in either list.
        let dup = [kp_ext[0].clone(), kp_ext[0].clone()];
        let mut l = leaf(0x0A0A);
        l.capabilities.extensions.push(ExtensionType(0x000A));
        assert_eq!(
            check_capabilities(&l, &dup),
            Err(KeyPackageError::DuplicateExtension)
        );
        let mut l = leaf(0x0A0A);
        l.extensions.push(l.extensions[0].clone());
        assert_eq!(
            check_capabilities(&l, &[]),
            Err(KeyPackageError::DuplicateExtension)
        );
        let mut l = leaf(0x0A0A);
        l.credential = Credential::X509(alloc::vec![]);
        assert_eq!(
            check_capabilities(&l, &[]),
            Err(KeyPackageError::CredentialTypeNotInCapabilities)
        );
    }
}
