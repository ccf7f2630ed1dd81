//! The key schedule (RFC 9420 §8): joiner, welcome and epoch secrets, the
//! secrets derived from the epoch secret, the exporter (§8.5), the external
//! key pair (§8.3) and the PSK secret (§8.4).

use alloc::vec::Vec;

use crate::crypto::labeled::{derive_secret, expand_with_label, expand_with_label_into};
use crate::crypto::{CipherSuiteProvider, CryptoError, HpkePrivateKey, Secret, SecretVec};
use crate::error::{Error, ProtocolError};

/// The secrets of one epoch (RFC 9420 §8, Table 4), plus the next
/// `init_secret`. Every field zeroizes on drop.
#[derive(Debug)]
pub struct EpochSecrets {
    /// "sender data": keys for sender-data encryption (§6.3.2).
    pub sender_data_secret: Secret,
    /// "encryption": root of the secret tree (§9). A group moves it into
    /// its secret tree with [`EpochSecrets::take_encryption_secret`] and
    /// keeps none (§9.2).
    pub encryption_secret: Secret,
    /// "exporter": the exporter secret (§8.5).
    pub exporter_secret: Secret,
    /// "external": seeds the external key pair (§8.3).
    pub external_secret: Secret,
    /// "confirm": the confirmation key (§8.2).
    pub confirmation_key: Secret,
    /// "membership": the membership key (§6.2).
    pub membership_key: Secret,
    /// "resumption": the resumption PSK (§8.6).
    pub resumption_psk: Secret,
    /// "authentication": the epoch authenticator (§8.7).
    pub epoch_authenticator: Secret,
    /// DeriveSecret(epoch_secret, "init"): the next epoch's init secret.
    pub init_secret: Secret,
}

impl EpochSecrets {
    /// All epoch-derived secrets from `epoch_secret` (RFC 9420 §8, Table 4).
    pub fn from_epoch_secret(
        cs: &dyn CipherSuiteProvider,
        epoch_secret: &Secret,
    ) -> Result<Self, CryptoError> {
        let d = |label: &[u8]| derive_secret(cs, epoch_secret.as_bytes(), label);
        Ok(Self {
            sender_data_secret: d(b"sender data")?,
            encryption_secret: d(b"encryption")?,
            exporter_secret: d(b"exporter")?,
            external_secret: d(b"external")?,
            confirmation_key: d(b"confirm")?,
            membership_key: d(b"membership")?,
            resumption_psk: d(b"resumption")?,
            epoch_authenticator: d(b"authentication")?,
            init_secret: d(b"init")?,
        })
    }

    /// Moves `encryption_secret` out, leaving an empty secret: once the
    /// secret tree holds it, nothing else may (RFC 9420 §9.2: whoever
    /// holds it re-derives every message key of the epoch, including keys
    /// of messages already read and deleted).
    pub fn take_encryption_secret(&mut self) -> Secret {
        core::mem::replace(&mut self.encryption_secret, Secret::empty())
    }

    /// MLS-Exporter(label, context, len) (RFC 9420 §8.5).
    pub fn export(
        &self,
        cs: &dyn CipherSuiteProvider,
        label: &[u8],
        context: &[u8],
        len: usize,
    ) -> Result<SecretVec, CryptoError> {
        export(cs, &self.exporter_secret, label, context, len)
    }

    /// external_priv, external_pub = KEM.DeriveKeyPair(external_secret) (RFC 9420 §8).
    pub fn external_key_pair(
        &self,
        cs: &dyn CipherSuiteProvider,
    ) -> Result<(HpkePrivateKey, Vec<u8>), CryptoError> {
        cs.hpke().derive_key_pair(self.external_secret.as_bytes())
    }
}

/// MLS-Exporter(label, context, len) over an exporter secret (RFC 9420 §8.5).
pub fn export(
    cs: &dyn CipherSuiteProvider,
    exporter_secret: &Secret,
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Result<SecretVec, CryptoError> {
    let derived = derive_secret(cs, exporter_secret.as_bytes(), label)?;
    let context_hash = cs.hash().hash(context);
    let mut out = SecretVec::zero(len);
    expand_with_label_into(
        cs,
        derived.as_bytes(),
        b"exported",
        context_hash.as_slice(),
        out.as_mut_bytes(),
    )?;
    Ok(out)
}

/// joiner_secret = ExpandWithLabel(Extract(init_secret, commit_secret),
/// "joiner", `GroupContext_[n]`, Nh) (RFC 9420 §8).
pub fn joiner_secret(
    cs: &dyn CipherSuiteProvider,
    init_secret: &Secret,
    commit_secret: &[u8],
    group_context: &[u8],
) -> Result<Secret, CryptoError> {
    let prk = cs.kdf().extract(init_secret.as_bytes(), commit_secret)?;
    expand_with_label(cs, prk.as_bytes(), b"joiner", group_context, cs.kdf().nh())
}

/// The outputs of the key schedule from the joiner secret on.
#[derive(Debug)]
pub struct JoinerOutput {
    /// welcome_secret = DeriveSecret(Extract(joiner_secret, psk_secret), "welcome").
    pub welcome_secret: Secret,
    /// The epoch's derived secrets.
    pub epoch: EpochSecrets,
}

/// From joiner_secret and psk_secret to the epoch secrets (RFC 9420 §8).
/// `psk_secret` is the all-zero vector when no PSK is used.
pub fn from_joiner_secret(
    cs: &dyn CipherSuiteProvider,
    joiner_secret: &Secret,
    psk_secret: &Secret,
    group_context: &[u8],
) -> Result<JoinerOutput, CryptoError> {
    let member = cs
        .kdf()
        .extract(joiner_secret.as_bytes(), psk_secret.as_bytes())?;
    let welcome_secret = derive_secret(cs, member.as_bytes(), b"welcome")?;
    let epoch_secret = expand_with_label(
        cs,
        member.as_bytes(),
        b"epoch",
        group_context,
        cs.kdf().nh(),
    )?;
    Ok(JoinerOutput {
        welcome_secret,
        epoch: EpochSecrets::from_epoch_secret(cs, &epoch_secret)?,
    })
}

/// welcome_key and welcome_nonce from the welcome secret (RFC 9420 §12.4.3.1).
pub fn welcome_key_nonce(
    cs: &dyn CipherSuiteProvider,
    welcome_secret: &Secret,
) -> Result<(Secret, Secret), CryptoError> {
    let info = cs.info();
    let key = expand_with_label(cs, welcome_secret.as_bytes(), b"key", b"", info.nk)?;
    let nonce = expand_with_label(cs, welcome_secret.as_bytes(), b"nonce", b"", info.nn)?;
    Ok((key, nonce))
}

/// One PSK as the key schedule consumes it: the encoded `PreSharedKeyID`
/// and the PSK value.
#[derive(Debug, Clone, Copy)]
pub struct PskInput<'a> {
    /// The encoded `PreSharedKeyID` (RFC 9420 §8.4).
    pub id: &'a [u8],
    /// The PSK itself.
    pub psk: &'a [u8],
}

/// psk_secret over the PSKs in order (RFC 9420 §8.4). With no PSK, the
/// all-zero vector of length Nh.
pub fn psk_secret(cs: &dyn CipherSuiteProvider, psks: &[PskInput<'_>]) -> Result<Secret, Error> {
    let nh = cs.kdf().nh();
    let zero = Secret::zero(nh)?;
    let count = u16::try_from(psks.len()).map_err(|_| ProtocolError::TooManyPsks)?;
    let mut acc = Secret::zero(nh)?;
    for (index, p) in psks.iter().enumerate() {
        // PSKLabel { PreSharedKeyID id; uint16 index; uint16 count; }
        let mut label = Vec::with_capacity(p.id.len() + 4);
        label.extend_from_slice(p.id);
        label.extend_from_slice(&(index as u16).to_be_bytes());
        label.extend_from_slice(&count.to_be_bytes());
        let extracted = cs.kdf().extract(zero.as_bytes(), p.psk)?;
        let input = expand_with_label(cs, extracted.as_bytes(), b"derived psk", &label, nh)?;
        acc = cs.kdf().extract(input.as_bytes(), acc.as_bytes())?;
    }
    Ok(acc)
}

/// The full derivation of one epoch from the previous init secret
/// (RFC 9420 §8): joiner secret, welcome secret and epoch secrets.
#[derive(Debug)]
pub struct EpochDerivation {
    /// The joiner secret (sent to new members in GroupSecrets).
    pub joiner_secret: Secret,
    /// The welcome secret.
    pub welcome_secret: Secret,
    /// The epoch secrets.
    pub epoch: EpochSecrets,
}

/// Runs the key schedule for a new epoch.
pub fn derive_epoch(
    cs: &dyn CipherSuiteProvider,
    init_secret: &Secret,
    commit_secret: &[u8],
    psk_secret: &Secret,
    group_context: &[u8],
) -> Result<EpochDerivation, CryptoError> {
    let joiner_secret = joiner_secret(cs, init_secret, commit_secret, group_context)?;
    let JoinerOutput {
        welcome_secret,
        epoch,
    } = from_joiner_secret(cs, &joiner_secret, psk_secret, group_context)?;
    Ok(EpochDerivation {
        joiner_secret,
        welcome_secret,
        epoch,
    })
}
