//! DER encoding of ECDSA P-256 signatures (RFC 3279 §2.2.3,
//! `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`).
//!
//! libcrux signs and verifies raw (r, s) pairs; MLS carries DER (RFC 9420
//! §5.1.2). The decoder is strict DER: short-form lengths only (a P-256
//! signature is at most 72 bytes), minimal non-negative INTEGERs, no
//! trailing bytes. It never panics: every access is checked.

use mls_core::crypto::CryptoError;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;

/// Appends `v` (32 big-endian bytes) as a minimal non-negative INTEGER.
fn push_integer(out: &mut Vec<u8>, v: &[u8; 32]) {
    let start = v.iter().position(|b| *b != 0).unwrap_or(31);
    let content = &v[start..];
    let pad = content.first().is_some_and(|b| b & 0x80 != 0);
    out.push(INTEGER);
    // At most 33 content bytes: always a short-form length.
    out.push((content.len() + usize::from(pad)) as u8);
    if pad {
        out.push(0x00);
    }
    out.extend_from_slice(content);
}

/// Encodes raw (r, s) as a DER `ECDSA-Sig-Value`.
pub fn encode(r: &[u8; 32], s: &[u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(70);
    push_integer(&mut body, r);
    push_integer(&mut body, s);
    let mut out = Vec::with_capacity(72);
    out.push(SEQUENCE);
    // At most 70 body bytes: always a short-form length.
    out.push(body.len() as u8);
    out.extend_from_slice(&body);
    out
}

/// Reads one TLV with tag `tag` and a short-form length from the front of
/// `input`; returns (content, rest).
fn read_tlv(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), CryptoError> {
    let (&t, rest) = input.split_first().ok_or(CryptoError::InvalidSignature)?;
    if t != tag {
        return Err(CryptoError::InvalidSignature);
    }
    let (&len, rest) = rest.split_first().ok_or(CryptoError::InvalidSignature)?;
    if len & 0x80 != 0 {
        // Long form: never needed (nor, in DER, allowed) below 128 bytes.
        return Err(CryptoError::InvalidSignature);
    }
    let len = usize::from(len);
    if rest.len() < len {
        return Err(CryptoError::InvalidSignature);
    }
    Ok(rest.split_at(len))
}

/// Reads a minimal non-negative INTEGER of at most 32 value bytes.
fn read_integer(input: &[u8]) -> Result<([u8; 32], &[u8]), CryptoError> {
    let (content, rest) = read_tlv(input, INTEGER)?;
    let value = match content {
        [] => return Err(CryptoError::InvalidSignature),
        // Negative.
        [first, ..] if first & 0x80 != 0 => return Err(CryptoError::InvalidSignature),
        // A leading zero is allowed only before a byte with the high bit set.
        [0x00, second, ..] if second & 0x80 == 0 => return Err(CryptoError::InvalidSignature),
        [0x00, tail @ ..] if !tail.is_empty() => tail,
        _ => content,
    };
    if value.len() > 32 {
        return Err(CryptoError::InvalidSignature);
    }
    let mut out = [0u8; 32];
    out[32 - value.len()..].copy_from_slice(value);
    Ok((out, rest))
}

/// Decodes a DER `ECDSA-Sig-Value` into raw (r, s).
pub fn decode(der: &[u8]) -> Result<([u8; 32], [u8; 32]), CryptoError> {
    let (body, trailing) = read_tlv(der, SEQUENCE)?;
    if !trailing.is_empty() {
        return Err(CryptoError::InvalidSignature);
    }
    let (r, rest) = read_integer(body)?;
    let (s, rest) = read_integer(rest)?;
    if !rest.is_empty() {
        return Err(CryptoError::InvalidSignature);
    }
    Ok((r, s))
}
