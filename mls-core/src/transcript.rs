//! Transcript hashes and the confirmation tag (RFC 9420 §8.2).
//!
//! ```text
//! confirmed_transcript_hash_[epoch] =
//!     Hash(interim_transcript_hash_[epoch - 1] || ConfirmedTranscriptHashInput_[epoch]);
//! interim_transcript_hash_[epoch] =
//!     Hash(confirmed_transcript_hash_[epoch] || InterimTranscriptHashInput_[epoch]);
//! ```

use alloc::vec::Vec;

use crate::codec::write_opaque;
use crate::crypto::{CipherSuiteProvider, CryptoError, Digest, Secret};
use crate::error::{Error, ProtocolError};
use subtle::ConstantTimeEq;

/// The confirmed transcript hash from the previous interim hash and the
/// encoded `ConfirmedTranscriptHashInput` (`wire_format || content || signature<V>`).
pub fn confirmed_transcript_hash(
    cs: &dyn CipherSuiteProvider,
    interim_before: &[u8],
    confirmed_input: &[u8],
) -> Digest {
    cs.hash().hash_parts(&[interim_before, confirmed_input])
}

/// The interim transcript hash from the confirmed hash and the confirmation
/// tag (`InterimTranscriptHashInput { MAC confirmation_tag; }`).
pub fn interim_transcript_hash(
    cs: &dyn CipherSuiteProvider,
    confirmed: &[u8],
    confirmation_tag: &[u8],
) -> Result<Digest, Error> {
    let mut input = Vec::with_capacity(confirmation_tag.len() + 4);
    write_opaque(confirmation_tag, &mut input)?;
    Ok(cs.hash().hash_parts(&[confirmed, &input]))
}

/// confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash) (RFC 9420 §6.1).
pub fn confirmation_tag(
    cs: &dyn CipherSuiteProvider,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
) -> Result<Digest, CryptoError> {
    cs.kdf()
        .mac(confirmation_key.as_bytes(), confirmed_transcript_hash)
}

/// Checks a received confirmation tag in constant time (RFC 9420 §12.4.2).
pub fn verify_confirmation_tag(
    cs: &dyn CipherSuiteProvider,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
    tag: &[u8],
) -> Result<(), Error> {
    let want = confirmation_tag(cs, confirmation_key, confirmed_transcript_hash)?;
    if bool::from(want.as_slice().ct_eq(tag)) {
        Ok(())
    } else {
        Err(ProtocolError::ConfirmationTagMismatch.into())
    }
}

/// The encoded `ConfirmedTranscriptHashInput` of an AuthenticatedContent
/// (RFC 9420 §8.2): `wire_format || content || signature<V>`.
pub fn confirmed_transcript_input(
    content: &crate::messages::AuthenticatedContent,
) -> Result<Vec<u8>, Error> {
    use crate::codec::Encode;
    let mut out = Vec::new();
    content.wire_format.encode_into(&mut out)?;
    content.content.encode_into(&mut out)?;
    write_opaque(content.auth.signature.as_slice(), &mut out)?;
    Ok(out)
}
