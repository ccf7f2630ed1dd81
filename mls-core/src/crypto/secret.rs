//! Secret and digest newtypes.
//!
//! Secrets are zeroized on drop, redacted in `Debug`, compared in constant
//! time and not `Clone` by accident: cloning is an explicit [`Secret::duplicate`].

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::any::Any;
use core::fmt;
use once_cell::race::OnceBox;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::CryptoError;

/// Largest hash output of any registered suite (SHA-512).
pub const MAX_HASH_LEN: usize = 64;

/// A hash or MAC output, held on the stack. Not secret.
#[derive(Clone, Copy)]
pub struct Digest {
    bytes: [u8; MAX_HASH_LEN],
    len: u8,
}

impl Digest {
    /// Builds a digest from a slice of at most [`MAX_HASH_LEN`] bytes.
    pub fn from_slice(s: &[u8]) -> Result<Self, CryptoError> {
        if s.len() > MAX_HASH_LEN {
            return Err(CryptoError::InvalidLength);
        }
        let mut bytes = [0u8; MAX_HASH_LEN];
        bytes[..s.len()].copy_from_slice(s);
        Ok(Self {
            bytes,
            len: s.len() as u8,
        })
    }

    /// A zeroed digest of `len` bytes, to be filled through [`Digest::as_mut_bytes`].
    pub fn zeroed(len: usize) -> Result<Self, CryptoError> {
        if len > MAX_HASH_LEN {
            return Err(CryptoError::InvalidLength);
        }
        Ok(Self {
            bytes: [0u8; MAX_HASH_LEN],
            len: len as u8,
        })
    }

    /// The digest bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Mutable digest bytes.
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.bytes[..self.len as usize]
    }

    /// Copies the digest into a vector.
    pub fn to_vec(&self) -> Vec<u8> {
        self.as_slice().to_vec()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when the digest has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl Eq for Digest {}

impl core::hash::Hash for Digest {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest(")?;
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// A KDF-sized secret (at most [`MAX_HASH_LEN`] bytes) held inline.
///
/// Zeroized on drop, redacted in `Debug`, compared in constant time.
pub struct Secret {
    bytes: [u8; MAX_HASH_LEN],
    len: u8,
}

impl Secret {
    /// A zeroed secret of `len` bytes (the "0" vector of §8).
    pub fn zero(len: usize) -> Result<Self, CryptoError> {
        if len > MAX_HASH_LEN {
            return Err(CryptoError::InvalidLength);
        }
        Ok(Self {
            bytes: [0u8; MAX_HASH_LEN],
            len: len as u8,
        })
    }

    /// The empty secret: what is left where a secret was deleted.
    pub const fn empty() -> Self {
        Self {
            bytes: [0u8; MAX_HASH_LEN],
            len: 0,
        }
    }

    /// Copies `s` into a new secret.
    pub fn from_slice(s: &[u8]) -> Result<Self, CryptoError> {
        let mut out = Self::zero(s.len())?;
        out.as_mut_bytes().copy_from_slice(s);
        Ok(out)
    }

    /// The secret bytes. Handle with care.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Mutable secret bytes, for backends that fill a secret in place.
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.bytes[..self.len as usize]
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True for a zero-length secret.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An explicit copy. Secrets are not `Clone` so that copies are visible.
    pub fn duplicate(&self) -> Self {
        Self {
            bytes: self.bytes,
            len: self.len,
        }
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}
impl ZeroizeOnDrop for Secret {}

impl ConstantTimeEq for Secret {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.as_bytes().ct_eq(other.as_bytes())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.len)
    }
}

/// A secret of arbitrary length on the heap (HPKE shared secrets, exporter
/// output, private keys). Zeroized on drop, redacted in `Debug`.
#[derive(Default)]
pub struct SecretVec(Zeroizing<Vec<u8>>);

impl SecretVec {
    /// Takes ownership of `v`; it is zeroized when this value drops.
    pub fn new(v: Vec<u8>) -> Self {
        Self(Zeroizing::new(v))
    }

    /// Copies `s` into a new secret.
    pub fn from_slice(s: &[u8]) -> Self {
        Self::new(s.to_vec())
    }

    /// A zero-filled secret of `len` bytes.
    pub fn zero(len: usize) -> Self {
        Self::new(alloc::vec![0u8; len])
    }

    /// The secret bytes. Handle with care.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Mutable secret bytes.
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An explicit copy.
    pub fn duplicate(&self) -> Self {
        Self::from_slice(self.as_bytes())
    }

    /// The underlying vector, for writers that reserved enough capacity:
    /// a reallocation would leave an unzeroized copy behind.
    pub fn vec_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }

    /// Appends `parts`. Reserve capacity first: a reallocation would leave
    /// an unzeroized copy behind.
    pub fn extend_parts(&mut self, parts: &[&[u8]]) {
        for p in parts {
            self.0.extend_from_slice(p);
        }
    }
}

impl ConstantTimeEq for SecretVec {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.as_bytes().ct_eq(other.as_bytes())
    }
}

impl PartialEq for SecretVec {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for SecretVec {}

impl fmt::Debug for SecretVec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretVec(<{} bytes redacted>)", self.len())
    }
}

macro_rules! private_key_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(PartialEq, Eq)]
        pub struct $name(SecretVec);

        impl $name {
            /// Wraps the key bytes in the encoding the suite's algorithm uses.
            pub fn new(bytes: Vec<u8>) -> Self {
                Self(SecretVec::new(bytes))
            }
            /// Copies the key bytes.
            pub fn from_slice(bytes: &[u8]) -> Self {
                Self(SecretVec::from_slice(bytes))
            }
            /// The encoded private key. Handle with care.
            pub fn as_bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }
            /// An explicit copy.
            pub fn duplicate(&self) -> Self {
                Self(self.0.duplicate())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

private_key_type!(
    /// An HPKE private key in the KEM's serialization (RFC 9180 §7.1.2).
    HpkePrivateKey
);

/// Left-pads a big-endian scalar shorter than `len` with zeros. Some
/// implementations (and some published test vectors) drop leading zero
/// bytes of P-521 and other prime-curve scalars; RFC 9180 §7.1.2 and
/// SEC 1 fix the length, so keys are brought to it before use.
fn left_pad(bytes: &[u8], len: usize) -> Option<Vec<u8>> {
    if bytes.is_empty() || bytes.len() >= len {
        return None;
    }
    let mut v = alloc::vec![0u8; len];
    v[len - bytes.len()..].copy_from_slice(bytes);
    Some(v)
}

impl HpkePrivateKey {
    /// The key in the canonical Nsk-byte encoding of `suite`'s KEM: a
    /// prime-curve scalar given with its leading zero bytes dropped is
    /// left-padded. Other keys are returned unchanged.
    pub fn normalized(self, suite: &super::SuiteInfo) -> Self {
        use super::KemId;
        match suite.kem {
            KemId::DhKemP256 | KemId::DhKemP384 | KemId::DhKemP521 => {
                match left_pad(self.as_bytes(), suite.nsk) {
                    Some(v) => Self::new(v),
                    None => self,
                }
            }
            _ => self,
        }
    }
}

/// A signature private key: the RFC 8032 seed for EdDSA, the big-endian
/// scalar for ECDSA (the encodings the RFC 9420 test vectors use).
///
/// Besides its bytes the key can hold the backend's *prepared* form of
/// itself (an expanded EdDSA key with its public point, an ECDSA key pair),
/// built on the first signature and kept until the key is dropped: turning
/// a seed into a key pair costs a scalar multiplication, as much as the
/// signature itself, and a member signs every message with the same key.
/// See [`SignaturePrivateKey::with_prepared`].
pub struct SignaturePrivateKey {
    bytes: SecretVec,
    prepared: OnceBox<Box<dyn Any + Send + Sync>>,
}

impl SignaturePrivateKey {
    /// Wraps the key bytes in the encoding the suite's algorithm uses.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes: SecretVec::new(bytes),
            prepared: OnceBox::new(),
        }
    }
    /// Copies the key bytes.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }
    /// The encoded private key. Handle with care.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_bytes()
    }
    /// An explicit copy (of the bytes: the copy prepares its own form).
    pub fn duplicate(&self) -> Self {
        Self {
            bytes: self.bytes.duplicate(),
            prepared: OnceBox::new(),
        }
    }

    /// Runs `f` on the backend's prepared form of this key, of type `T`.
    /// On the first call `prepare` builds it from the key bytes and the key
    /// keeps it; later calls reuse it. If the key already holds a prepared
    /// form of another type (another backend signed with it first), `T` is
    /// built for this call only. An error from `prepare` is returned and
    /// nothing is kept.
    ///
    /// For backends. `T` holds secret material for as long as the key lives:
    /// a backend stores here only a type that wipes its secrets on drop
    /// (and signs without preparing where its library's key type does not).
    pub fn with_prepared<T: Any + Send + Sync, R>(
        &self,
        prepare: impl FnOnce(&[u8]) -> Result<T, CryptoError>,
        f: impl FnOnce(&T) -> R,
    ) -> Result<R, CryptoError> {
        if let Some(held) = self.prepared.get() {
            return match held.downcast_ref::<T>() {
                Some(t) => Ok(f(t)),
                None => Ok(f(&prepare(self.as_bytes())?)),
            };
        }
        let made: Box<dyn Any + Send + Sync> = Box::new(prepare(self.as_bytes())?);
        let kept = match self.prepared.set(Box::new(made)) {
            Ok(()) => self.prepared.get().and_then(|h| h.downcast_ref::<T>()),
            // Another thread prepared the same key first: ours is dropped
            // after this call.
            Err(ours) => return ours.downcast_ref::<T>().map(f).ok_or(CryptoError::Internal),
        };
        kept.map(f).ok_or(CryptoError::Internal)
    }

    /// The key in the canonical encoding of `suite`'s signature scheme: an
    /// ECDSA scalar given with its leading zero bytes dropped is left-padded
    /// to the field size. Other keys are returned unchanged.
    pub fn normalized(self, suite: &super::SuiteInfo) -> Self {
        use super::SignatureScheme;
        let len = match suite.signature {
            SignatureScheme::EcdsaP256Sha256 => 32,
            SignatureScheme::EcdsaP384Sha384 => 48,
            SignatureScheme::EcdsaP521Sha512 => 66,
            _ => return self,
        };
        match left_pad(self.as_bytes(), len) {
            Some(v) => Self::new(v),
            None => self,
        }
    }
}

impl PartialEq for SignaturePrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for SignaturePrivateKey {}

impl fmt::Debug for SignaturePrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignaturePrivateKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn debug_redacts_secrets() {
        let s = Secret::from_slice(&[0xAB; 32]).unwrap();
        let d = format!("{s:?}");
        assert!(!d.contains("ab") && !d.contains("AB"), "{d}");
        let v = SecretVec::from_slice(&[0xCD; 8]);
        assert!(!format!("{v:?}").contains("cd"));
        let k = HpkePrivateKey::from_slice(&[0xEF; 8]);
        assert!(!format!("{k:?}").contains("ef"));
    }

    #[test]
    fn secret_eq_is_length_aware() {
        let a = Secret::from_slice(&[1, 2, 3]).unwrap();
        let b = Secret::from_slice(&[1, 2, 3, 0]).unwrap();
        assert_ne!(a, b);
        assert_eq!(a, a.duplicate());
    }

    #[test]
    fn a_prepared_signing_key_is_built_once_and_kept_per_type() {
        use core::cell::Cell;
        let key = SignaturePrivateKey::from_slice(&[7; 32]);
        let calls = Cell::new(0);
        let prep = |b: &[u8]| {
            calls.set(calls.get() + 1);
            Ok(b.iter().map(|x| u32::from(*x)).sum::<u32>())
        };
        assert_eq!(key.with_prepared(prep, |t| *t), Ok(224));
        assert_eq!(key.with_prepared(prep, |t| *t + 1), Ok(225));
        assert_eq!(calls.get(), 1, "the second call reuses the first's form");
        // Another type: built for the call, the kept one is untouched.
        let other = |b: &[u8]| {
            calls.set(calls.get() + 1);
            Ok(b.len() as u64)
        };
        assert_eq!(key.with_prepared(other, |t| *t), Ok(32));
        assert_eq!(key.with_prepared(other, |t| *t), Ok(32));
        assert_eq!(calls.get(), 3);
        assert_eq!(key.with_prepared(prep, |t| *t), Ok(224));
        assert_eq!(calls.get(), 3);
        // A copy prepares its own.
        let copy = key.duplicate();
        assert_eq!(copy.with_prepared(prep, |t| *t), Ok(224));
        assert_eq!(calls.get(), 4);
        assert_eq!(copy, key);
    }

    #[test]
    fn a_failed_preparation_keeps_nothing() {
        let key = SignaturePrivateKey::from_slice(&[1; 3]);
        let fail = |_: &[u8]| Err::<u8, _>(CryptoError::InvalidKey);
        assert_eq!(
            key.with_prepared(fail, |_| ()),
            Err(CryptoError::InvalidKey)
        );
        assert_eq!(key.with_prepared(|b| Ok(b[0]), |t| *t), Ok(1));
        assert!(!format!("{key:?}").contains('1'));
    }

    #[test]
    fn oversized_inline_values_are_rejected() {
        assert!(Secret::zero(65).is_err());
        assert!(Digest::from_slice(&[0; 65]).is_err());
    }
}
