//! The labeled operations of RFC 9420 §5 and §8: ExpandWithLabel,
//! DeriveSecret, DeriveTreeSecret, RefHash, SignWithLabel/VerifyWithLabel,
//! EncryptWithLabel/DecryptWithLabel.

use alloc::vec::Vec;

use super::{
    CipherSuiteProvider, CryptoError, Digest, HpkeCiphertext, HpkePrivateKey, Rng, Secret,
};
use crate::codec::{length_header_len, write_opaque};

const PREFIX: &[u8] = b"MLS 1.0 ";

/// Writes `opaque label<V> = "MLS 1.0 " + label`.
fn write_mls_label(label: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
    crate::codec::write_length(PREFIX.len() + label.len(), out)
        .map_err(|_| CryptoError::InvalidLength)?;
    out.extend_from_slice(PREFIX);
    out.extend_from_slice(label);
    Ok(())
}

/// The encoded KDFLabel of RFC 9420 §8.
fn kdf_label(label: &[u8], context: &[u8], len: u16) -> Result<Vec<u8>, CryptoError> {
    let cap = 2
        + length_header_len(PREFIX.len() + label.len())
        + PREFIX.len()
        + label.len()
        + length_header_len(context.len())
        + context.len();
    let mut info = Vec::with_capacity(cap);
    info.extend_from_slice(&len.to_be_bytes());
    write_mls_label(label, &mut info)?;
    write_opaque(context, &mut info).map_err(|_| CryptoError::InvalidLength)?;
    Ok(info)
}

/// ExpandWithLabel(secret, label, context, out.len()) into `out` (RFC 9420 §8).
pub fn expand_with_label_into(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    let len = u16::try_from(out.len()).map_err(|_| CryptoError::InvalidLength)?;
    let info = kdf_label(label, context, len)?;
    cs.kdf().expand(secret, &info, out)
}

/// ExpandWithLabel(secret, label, context, len) for `len` ≤ 64 (RFC 9420 §8).
pub fn expand_with_label(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Result<Secret, CryptoError> {
    let mut out = Secret::zero(len)?;
    expand_with_label_into(cs, secret, label, context, out.as_mut_bytes())?;
    Ok(out)
}

/// DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", KDF.Nh) (RFC 9420 §8).
pub fn derive_secret(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &[u8],
) -> Result<Secret, CryptoError> {
    expand_with_label(cs, secret, label, b"", cs.kdf().nh())
}

/// DeriveTreeSecret(secret, label, generation, len) (RFC 9420 §9).
pub fn derive_tree_secret(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &[u8],
    generation: u32,
    len: usize,
) -> Result<Secret, CryptoError> {
    expand_with_label(cs, secret, label, &generation.to_be_bytes(), len)
}

/// RefHash(label, value) = Hash(RefHashInput) (RFC 9420 §5.2). The label is
/// used as given (callers pass the full "MLS 1.0 ..." label).
pub fn ref_hash(
    cs: &dyn CipherSuiteProvider,
    label: &[u8],
    value: &[u8],
) -> Result<Digest, CryptoError> {
    let mut input = Vec::with_capacity(
        length_header_len(label.len()) + label.len() + length_header_len(value.len()) + value.len(),
    );
    write_opaque(label, &mut input).map_err(|_| CryptoError::InvalidLength)?;
    write_opaque(value, &mut input).map_err(|_| CryptoError::InvalidLength)?;
    Ok(cs.hash().hash(&input))
}

/// MakeKeyPackageRef(value) (RFC 9420 §5.2).
pub fn key_package_ref(
    cs: &dyn CipherSuiteProvider,
    key_package: &[u8],
) -> Result<Digest, CryptoError> {
    ref_hash(cs, b"MLS 1.0 KeyPackage Reference", key_package)
}

/// MakeProposalRef(value) (RFC 9420 §5.2), over the encoded AuthenticatedContent.
pub fn proposal_ref(
    cs: &dyn CipherSuiteProvider,
    authenticated_content: &[u8],
) -> Result<Digest, CryptoError> {
    ref_hash(cs, b"MLS 1.0 Proposal Reference", authenticated_content)
}

/// The encoded SignContent / EncryptContext: `label<V> = "MLS 1.0 " + label`, `content<V>`.
fn labeled_content(label: &[u8], content: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut v = Vec::with_capacity(
        length_header_len(PREFIX.len() + label.len())
            + PREFIX.len()
            + label.len()
            + length_header_len(content.len())
            + content.len(),
    );
    write_mls_label(label, &mut v)?;
    write_opaque(content, &mut v).map_err(|_| CryptoError::InvalidLength)?;
    Ok(v)
}

/// SignWithLabel(key, label, content) (RFC 9420 §5.1.2).
pub fn sign_with_label(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn super::Signer,
    label: &[u8],
    content: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    signer.sign(cs, &labeled_content(label, content)?)
}

/// VerifyWithLabel(key, label, content, signature) (RFC 9420 §5.1.2).
pub fn verify_with_label(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &[u8],
    content: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    cs.signature()
        .verify(public_key, &labeled_content(label, content)?, signature)
}

/// The SignContent bytes a [`crate::crypto::Signature`] signs for
/// SignWithLabel, for callers that batch or delegate signing.
pub fn sign_content_bytes(label: &[u8], content: &[u8]) -> Result<Vec<u8>, CryptoError> {
    labeled_content(label, content)
}

/// EncryptWithLabel(pk, label, context, plaintext) (RFC 9420 §5.1.3).
pub fn encrypt_with_label(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &[u8],
    context: &[u8],
    plaintext: &[u8],
    rng: &mut dyn Rng,
) -> Result<HpkeCiphertext, CryptoError> {
    let info = labeled_content(label, context)?;
    cs.hpke().seal(public_key, &info, b"", plaintext, rng)
}

/// EncryptWithLabel(pk_i, label, context, pt_i) (RFC 9420 §5.1.3) for
/// several recipients sharing `label` and `context`: the EncryptContext is
/// built once and the backend may hash it once ([`Hpke::seal_many`]).
///
/// [`Hpke::seal_many`]: super::Hpke::seal_many
pub fn encrypt_with_label_many(
    cs: &dyn CipherSuiteProvider,
    recipients: &[(&[u8], &[u8])],
    label: &[u8],
    context: &[u8],
    rng: &mut dyn Rng,
) -> Result<Vec<HpkeCiphertext>, CryptoError> {
    let info = labeled_content(label, context)?;
    cs.hpke().seal_many(recipients, &info, b"", rng)
}

/// DecryptWithLabel(sk, label, context, kem_output, ciphertext) (RFC 9420 §5.1.3).
pub fn decrypt_with_label(
    cs: &dyn CipherSuiteProvider,
    private_key: &HpkePrivateKey,
    label: &[u8],
    context: &[u8],
    kem_output: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let info = labeled_content(label, context)?;
    cs.hpke()
        .open(private_key, kem_output, &info, b"", ciphertext)
}
