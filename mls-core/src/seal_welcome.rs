//! The cryptography of GroupInfo and Welcome (RFC 9420 §12.4.3,
//! §12.4.3.1): GroupInfo signatures, the welcome secret, encrypting the
//! GroupInfo and the GroupSecrets, and the joiner's decryption and checks.
//!
//! Joining itself (importing and validating the tree, placing private keys,
//! resolving PSKs) is the group layer's job. A joiner calls, in order:
//! [`decrypt_group_secrets`] → (resolve PSKs, compute `psk_secret`) →
//! [`welcome_secret`] → [`decrypt_group_info`] →
//! [`verify_group_info_signature`] (with the signer's key from the tree) →
//! [`check_confirmation_tag`], which also returns the epoch secrets.

use alloc::vec::Vec;

use crate::codec::VLBytes;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::codec::{Encode, decode};
use crate::crypto::labeled::{
    decrypt_with_label, derive_secret, encrypt_with_label, encrypt_with_label_many,
    sign_with_label, verify_with_label,
};
use crate::crypto::{CipherSuiteProvider, HpkePrivateKey, Rng, Secret};
use crate::error::Error;
use crate::key_package::key_package_reference;
use crate::key_schedule::{JoinerOutput, from_joiner_secret, welcome_key_nonce};
use crate::messages::commit::HpkeCiphertext;
use crate::messages::{
    EncryptedGroupSecrets, GroupInfo, GroupSecrets, KeyPackage, PathSecret, PreSharedKeyId, Welcome,
};

const GROUP_INFO_TBS: &[u8] = b"GroupInfoTBS";
const WELCOME: &[u8] = b"Welcome";

pub use crate::error::WelcomeError;

/// Signs a GroupInfo: sets `signature` to
/// `SignWithLabel(signer, "GroupInfoTBS", GroupInfoTBS)` (RFC 9420 §12.4.3).
pub fn sign_group_info(
    cs: &dyn CipherSuiteProvider,
    signer: &dyn crate::crypto::Signer,
    group_info: &mut GroupInfo,
) -> Result<(), Error> {
    let sig = sign_with_label(cs, signer, GROUP_INFO_TBS, &group_info.tbs()?)?;
    group_info.signature = VLBytes::new(sig);
    Ok(())
}

/// Verifies a GroupInfo signature with the signer's key (RFC 9420 §12.4.3).
/// The caller takes the key from the leaf `group_info.signer` of the tree.
pub fn verify_group_info_signature(
    cs: &dyn CipherSuiteProvider,
    group_info: &GroupInfo,
    public_key: &[u8],
) -> Result<(), Error> {
    verify_with_label(
        cs,
        public_key,
        GROUP_INFO_TBS,
        &group_info.tbs()?,
        group_info.signature.as_slice(),
    )
    .map_err(|_| WelcomeError::GroupInfoSignatureInvalid.into())
}

/// `welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret),
/// "welcome")` (RFC 9420 §8). Needs no GroupContext, unlike the epoch
/// secret.
pub fn welcome_secret(
    cs: &dyn CipherSuiteProvider,
    joiner_secret: &Secret,
    psk_secret: &Secret,
) -> Result<Secret, Error> {
    let member = cs
        .kdf()
        .extract(joiner_secret.as_bytes(), psk_secret.as_bytes())?;
    Ok(derive_secret(cs, member.as_bytes(), b"welcome")?)
}

/// Encrypts a (signed) GroupInfo with the welcome key and nonce and an
/// empty AAD (RFC 9420 §12.4.3.1).
pub fn encrypt_group_info(
    cs: &dyn CipherSuiteProvider,
    welcome_secret: &Secret,
    group_info: &GroupInfo,
) -> Result<Vec<u8>, Error> {
    let (key, nonce) = welcome_key_nonce(cs, welcome_secret)?;
    let pt = group_info.encode()?;
    Ok(cs.aead().seal(key.as_bytes(), nonce.as_bytes(), b"", &pt)?)
}

/// Decrypts the Welcome's GroupInfo with the welcome secret (RFC 9420
/// §12.4.3.1). Checks that the GroupInfo's suite is the Welcome's.
pub fn decrypt_group_info(
    cs: &dyn CipherSuiteProvider,
    welcome: &Welcome,
    welcome_secret: &Secret,
) -> Result<GroupInfo, Error> {
    if welcome.cipher_suite != cs.cipher_suite() {
        return Err(WelcomeError::CipherSuiteMismatch.into());
    }
    let (key, nonce) = welcome_key_nonce(cs, welcome_secret)?;
    let pt = cs
        .aead()
        .open(
            key.as_bytes(),
            nonce.as_bytes(),
            b"",
            welcome.encrypted_group_info.as_slice(),
        )
        .map_err(|_| WelcomeError::GroupInfoDecryptionFailed)?;
    let gi: GroupInfo = decode(&pt).map_err(|_| WelcomeError::GroupInfoDecryptionFailed)?;
    if gi.group_context.cipher_suite != welcome.cipher_suite {
        return Err(WelcomeError::CipherSuiteMismatch.into());
    }
    Ok(gi)
}

/// The decrypted GroupSecrets, with the secrets in zeroizing types.
#[derive(Debug)]
pub struct JoinerSecrets {
    /// The joiner secret of the new epoch.
    pub joiner_secret: Secret,
    /// The path secret of the lowest common ancestor with the committer.
    pub path_secret: Option<Secret>,
    /// The PSKs the joiner must resolve to compute `psk_secret`.
    pub psks: Vec<PreSharedKeyId>,
}

/// Moves a decoded secret out of its `VLBytes`, zeroizing the copy.
fn take_secret(v: VLBytes, nh: usize) -> Result<Secret, Error> {
    let bytes = Zeroizing::new(Vec::<u8>::from(v));
    if bytes.len() != nh {
        return Err(WelcomeError::InvalidSecretLength.into());
    }
    Ok(Secret::from_slice(&bytes)?)
}

/// Finds the entry of `welcome` for `key_package` by its KeyPackageRef and
/// decrypts it with the init private key (RFC 9420 §12.4.3.1):
/// `DecryptWithLabel(init_priv, "Welcome", encrypted_group_info, kem_output, ciphertext)`.
pub fn decrypt_group_secrets(
    cs: &dyn CipherSuiteProvider,
    welcome: &Welcome,
    key_package: &KeyPackage,
    init_priv: &HpkePrivateKey,
) -> Result<JoinerSecrets, Error> {
    if welcome.cipher_suite != cs.cipher_suite() || key_package.cipher_suite != cs.cipher_suite() {
        return Err(WelcomeError::CipherSuiteMismatch.into());
    }
    let kp_ref = key_package_reference(cs, key_package)?;
    let entry = welcome
        .secrets
        .iter()
        .find(|e| e.new_member.as_slice() == kp_ref.as_slice())
        .ok_or(WelcomeError::NoEntryForKeyPackage)?;
    let pt = Zeroizing::new(
        decrypt_with_label(
            cs,
            init_priv,
            WELCOME,
            welcome.encrypted_group_info.as_slice(),
            entry.encrypted_group_secrets.kem_output.as_slice(),
            entry.encrypted_group_secrets.ciphertext.as_slice(),
        )
        .map_err(|_| WelcomeError::GroupSecretsDecryptionFailed)?,
    );
    let mut gs: GroupSecrets =
        decode(&pt).map_err(|_| WelcomeError::GroupSecretsDecryptionFailed)?;
    let nh = cs.kdf().nh();
    let joiner_secret = take_secret(core::mem::take(&mut gs.joiner_secret), nh)?;
    let path_secret = match gs.path_secret.as_mut() {
        Some(p) => Some(take_secret(core::mem::take(&mut p.path_secret), nh)?),
        None => None,
    };
    let psks = core::mem::take(&mut gs.psks);
    Ok(JoinerSecrets {
        joiner_secret,
        path_secret,
        psks,
    })
}

/// Checks a GroupInfo's confirmation tag against the key schedule (RFC 9420
/// §12.4.3.1): derives the epoch from `joiner_secret`, `psk_secret` and the
/// GroupInfo's GroupContext, and compares `MAC(confirmation_key,
/// confirmed_transcript_hash)` in constant time. Returns the key schedule
/// output (welcome secret and epoch secrets) for the group layer.
pub fn check_confirmation_tag(
    cs: &dyn CipherSuiteProvider,
    joiner_secret: &Secret,
    psk_secret: &Secret,
    group_info: &GroupInfo,
) -> Result<JoinerOutput, Error> {
    let ctx = group_info.group_context.encode()?;
    let out = from_joiner_secret(cs, joiner_secret, psk_secret, &ctx)?;
    let want = cs.kdf().mac(
        out.epoch.confirmation_key.as_bytes(),
        group_info
            .group_context
            .confirmed_transcript_hash
            .as_slice(),
    )?;
    if bool::from(
        want.as_slice()
            .ct_eq(group_info.confirmation_tag.as_slice()),
    ) {
        Ok(out)
    } else {
        Err(WelcomeError::ConfirmationTagMismatch.into())
    }
}

/// One new member of a Welcome.
#[derive(Debug, Clone, Copy)]
pub struct NewMember<'a> {
    /// The member's KeyPackage (its `init_key` is encrypted to).
    pub key_package: &'a KeyPackage,
    /// The path secret for this member, if the commit had a path.
    pub path_secret: Option<&'a Secret>,
}

/// The encoded GroupSecrets of one new member (RFC 9420 §12.4.3.1), in a
/// buffer wiped on drop.
fn group_secrets_plaintext(
    joiner_secret: &Secret,
    path_secret: Option<&Secret>,
    psks: &[PreSharedKeyId],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let gs = GroupSecrets {
        joiner_secret: VLBytes::new(joiner_secret.as_bytes().to_vec()),
        path_secret: path_secret.map(|p| PathSecret {
            path_secret: VLBytes::new(p.as_bytes().to_vec()),
        }),
        psks: psks.to_vec(),
    };
    let mut pt = Zeroizing::new(Vec::new());
    let encoded = gs.encode_into(&mut pt);
    // Dropping the wire struct wipes its copies of the secrets.
    drop(gs);
    encoded?;
    Ok(pt)
}

/// Encrypts one GroupSecrets to `init_key` (RFC 9420 §12.4.3.1):
/// `EncryptWithLabel(init_key, "Welcome", encrypted_group_info, group_secrets)`.
pub fn encrypt_group_secrets(
    cs: &dyn CipherSuiteProvider,
    init_key: &[u8],
    encrypted_group_info: &[u8],
    joiner_secret: &Secret,
    path_secret: Option<&Secret>,
    psks: &[PreSharedKeyId],
    rng: &mut dyn Rng,
) -> Result<HpkeCiphertext, Error> {
    let pt = group_secrets_plaintext(joiner_secret, path_secret, psks)?;
    let ct = encrypt_with_label(cs, init_key, WELCOME, encrypted_group_info, &pt, rng)?;
    Ok(HpkeCiphertext {
        kem_output: VLBytes::new(ct.kem_output),
        ciphertext: VLBytes::new(ct.ciphertext),
    })
}

/// Builds a Welcome (RFC 9420 §12.4.3.1): the signed `group_info` encrypted
/// under the welcome secret derived from `joiner_secret` and `psk_secret`,
/// and one GroupSecrets per new member, HPKE-encrypted to its init key and
/// keyed by its KeyPackageRef.
pub fn encrypt_welcome(
    cs: &dyn CipherSuiteProvider,
    group_info: &GroupInfo,
    joiner_secret: &Secret,
    psk_secret: &Secret,
    psks: &[PreSharedKeyId],
    new_members: &[NewMember<'_>],
    rng: &mut dyn Rng,
) -> Result<Welcome, Error> {
    let ws = welcome_secret(cs, joiner_secret, psk_secret)?;
    let encrypted_group_info = encrypt_group_info(cs, &ws, group_info)?;
    let mut refs = Vec::with_capacity(new_members.len());
    let mut plaintexts = Vec::with_capacity(new_members.len());
    for m in new_members {
        if m.key_package.cipher_suite != cs.cipher_suite() {
            return Err(WelcomeError::CipherSuiteMismatch.into());
        }
        refs.push(key_package_reference(cs, m.key_package)?);
        plaintexts.push(group_secrets_plaintext(joiner_secret, m.path_secret, psks)?);
    }
    // One EncryptContext (holding the whole encrypted GroupInfo) for all
    // new members, hashed once by the backend's HPKE where it can.
    let recipients: Vec<(&[u8], &[u8])> = new_members
        .iter()
        .zip(&plaintexts)
        .map(|(m, pt)| (m.key_package.init_key.as_slice(), pt.as_slice()))
        .collect();
    let cts = encrypt_with_label_many(cs, &recipients, WELCOME, &encrypted_group_info, rng)?;
    if cts.len() != recipients.len() {
        return Err(crate::crypto::CryptoError::Internal.into());
    }
    let secrets = refs
        .into_iter()
        .zip(cts)
        .map(|(kp_ref, ct)| EncryptedGroupSecrets {
            new_member: VLBytes::new(kp_ref.to_vec()),
            encrypted_group_secrets: HpkeCiphertext {
                kem_output: VLBytes::new(ct.kem_output),
                ciphertext: VLBytes::new(ct.ciphertext),
            },
        })
        .collect();
    Ok(Welcome {
        cipher_suite: cs.cipher_suite(),
        secrets,
        encrypted_group_info: VLBytes::new(encrypted_group_info),
    })
}
