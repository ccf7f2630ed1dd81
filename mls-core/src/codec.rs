//! The wire codec (RFC 9420 §2.1): TLS presentation language with the
//! variable-length vector headers of §2.1.2, on `tls_codec`.
//!
//! Wire structs derive `tls_codec`'s `TlsSize`, `TlsSerializeBytes` and
//! `TlsDeserializeBytes`; with the `std` feature they also derive the
//! writer-based `TlsSerialize`, which [`Encode::encode`] then uses to write straight
//! into one buffer instead of allocating a vector per field.
//!
//! Decoding is slice-based ([`decode`], [`decode_prefix`]): it never copies
//! more than the owned result needs and rejects trailing bytes where a whole
//! message is expected.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

pub use tls_codec::{self, DeserializeBytes, Size};

/// Longest vector an MLS length header can describe (RFC 9420 §2.1.2).
pub const MAX_VECTOR_LEN: usize = (1 << 30) - 1;

/// A malformed or unencodable wire value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// The input ended before the value did.
    Truncated,
    /// A variable-length header used more bytes than needed (RFC 9420 §2.1.2).
    NonMinimalLength,
    /// A variable-length header with the invalid prefix `11`, or a length
    /// past 2^30-1 (RFC 9420 §2.1.2).
    InvalidLength,
    /// Bytes were left over after a complete value.
    TrailingData,
    /// An enumerated value outside its defined range, or a value the
    /// structure forbids.
    InvalidValue,
    /// Any other decoding or encoding failure reported by `tls_codec`.
    Malformed,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Truncated => "input truncated",
            Self::NonMinimalLength => "variable-length header is not minimal (RFC 9420 §2.1.2)",
            Self::InvalidLength => "invalid variable-length header (RFC 9420 §2.1.2)",
            Self::TrailingData => "trailing bytes after value",
            Self::InvalidValue => "invalid enumerated value",
            Self::Malformed => "malformed encoding",
        };
        f.write_str(s)
    }
}

impl core::error::Error for CodecError {}

impl From<tls_codec::Error> for CodecError {
    fn from(e: tls_codec::Error) -> Self {
        match e {
            tls_codec::Error::EndOfStream => Self::Truncated,
            tls_codec::Error::InvalidVectorLength => Self::InvalidLength,
            tls_codec::Error::TrailingData => Self::TrailingData,
            tls_codec::Error::UnknownValue(_) => Self::InvalidValue,
            _ => Self::Malformed,
        }
    }
}

/// Encodes a variable-length vector header for `len` (RFC 9420 §2.1.2):
/// the shortest of 1, 2 or 4 bytes.
pub fn write_length(len: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.extend_from_slice(&(0x4000u16 | len as u16).to_be_bytes());
    } else if len <= MAX_VECTOR_LEN {
        out.extend_from_slice(&(0x8000_0000u32 | len as u32).to_be_bytes());
    } else {
        return Err(CodecError::InvalidLength);
    }
    Ok(())
}

/// Size in bytes of the header [`write_length`] writes for `len`.
pub const fn length_header_len(len: usize) -> usize {
    if len < 1 << 6 {
        1
    } else if len < 1 << 14 {
        2
    } else {
        4
    }
}

/// Decodes a variable-length vector header (RFC 9420 §2.1.2, `ReadVarint`),
/// returning the length and the rest of the input. Rejects the `11` prefix
/// and non-minimal encodings.
pub fn read_length(input: &[u8]) -> Result<(usize, &[u8]), CodecError> {
    let (&first, rest) = input.split_first().ok_or(CodecError::Truncated)?;
    let prefix = first >> 6;
    let n = match prefix {
        0 => 1usize,
        1 => 2,
        2 => 4,
        _ => return Err(CodecError::InvalidLength),
    };
    if rest.len() < n - 1 {
        return Err(CodecError::Truncated);
    }
    let (tail, rest) = rest.split_at(n - 1);
    let mut v = u64::from(first & 0x3f);
    for &b in tail {
        v = (v << 8) | u64::from(b);
    }
    if prefix >= 1 && v < 1u64 << (8 * (n / 2) - 2) {
        return Err(CodecError::NonMinimalLength);
    }
    Ok((v as usize, rest))
}

/// Writes `data` as `opaque data<V>`.
pub fn write_opaque(data: &[u8], out: &mut Vec<u8>) -> Result<(), CodecError> {
    write_length(data.len(), out)?;
    out.extend_from_slice(data);
    Ok(())
}

/// Reads an `opaque data<V>` without copying it.
pub fn read_opaque(input: &[u8]) -> Result<(&[u8], &[u8]), CodecError> {
    let (len, rest) = read_length(input)?;
    if rest.len() < len {
        return Err(CodecError::Truncated);
    }
    Ok(rest.split_at(len))
}

/// `opaque data<V>` (RFC 9420 §2.1.2): a byte vector with a
/// variable-length header.
///
/// Our own type rather than `tls_codec::VLBytes`: that one trips a
/// `debug_assert` on a truncated vector, so a debug build of an
/// application would panic on hostile input. This one returns
/// [`CodecError::Truncated`] in every build, and rejects non-minimal
/// length headers.
///
/// Held as a boxed slice (two words, no spare capacity): a ratchet tree
/// holds several per member.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct VLBytes(Box<[u8]>);

impl VLBytes {
    /// Wraps `bytes` (its spare capacity, if any, is released).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes.into_boxed_slice())
    }
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
    /// The bytes, by value.
    pub fn into_vec(self) -> Vec<u8> {
        self.0.into_vec()
    }
    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Overwrites the bytes with zeros (for secrets carried on the wire).
    pub fn zeroize(&mut self) {
        zeroize::Zeroize::zeroize(&mut *self.0);
    }
}

impl fmt::Debug for VLBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VLBytes(")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl From<Vec<u8>> for VLBytes {
    fn from(v: Vec<u8>) -> Self {
        Self::new(v)
    }
}

impl From<VLBytes> for Vec<u8> {
    fn from(v: VLBytes) -> Self {
        v.into_vec()
    }
}

impl From<&[u8]> for VLBytes {
    fn from(v: &[u8]) -> Self {
        Self(v.into())
    }
}

impl AsRef<[u8]> for VLBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// `T items<V>` (RFC 9420 §2.1.2) held as a boxed slice: two words and
/// no spare capacity, for the lists every leaf of a ratchet tree carries
/// (capabilities, extensions). It reads like a slice (`Deref<Target =
/// [T]>`) and is built from a `Vec`, an array or an iterator; the wire
/// format is exactly that of a `Vec<T>`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct List<T>(Box<[T]>);

impl<T> List<T> {
    /// The list of `items`.
    pub fn new(items: Vec<T>) -> Self {
        Self(items.into_boxed_slice())
    }
    /// The items.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
    /// The items, by value (to change the list, change this and convert back).
    pub fn into_vec(self) -> Vec<T> {
        self.0.into_vec()
    }
    /// Appends `item`. Reallocates the list: O(len), for building and
    /// editing the short lists this type holds.
    pub fn push(&mut self, item: T) {
        let mut v = core::mem::take(self).into_vec();
        v.push(item);
        *self = Self::new(v);
    }
    /// Removes every item.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self(Box::default())
    }
}

impl<T> core::ops::Deref for List<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(v: Vec<T>) -> Self {
        Self::new(v)
    }
}

impl<T, const N: usize> From<[T; N]> for List<T> {
    fn from(a: [T; N]) -> Self {
        Self(Box::new(a))
    }
}

impl<T> From<List<T>> for Vec<T> {
    fn from(l: List<T>) -> Self {
        l.into_vec()
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for List<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        *self.0 == **other
    }
}

impl<T: Size> Size for List<T> {
    fn tls_serialized_len(&self) -> usize {
        (&*self.0).tls_serialized_len()
    }
}

impl<T: tls_codec::SerializeBytes> tls_codec::SerializeBytes for List<T> {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        (&*self.0).tls_serialize_bytes()
    }
}

#[cfg(feature = "std")]
impl<T: tls_codec::Serialize + fmt::Debug> tls_codec::Serialize for List<T> {
    fn tls_serialize<W: std::io::Write>(&self, writer: &mut W) -> Result<usize, tls_codec::Error> {
        (&*self.0).tls_serialize(writer)
    }
}

impl<T: DeserializeBytes> DeserializeBytes for List<T> {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (v, rest) = Vec::<T>::tls_deserialize_bytes(bytes)?;
        Ok((Self::new(v), rest))
    }
}

fn to_tls(e: CodecError) -> tls_codec::Error {
    match e {
        CodecError::Truncated => tls_codec::Error::EndOfStream,
        CodecError::InvalidLength | CodecError::NonMinimalLength => {
            tls_codec::Error::InvalidVectorLength
        }
        CodecError::TrailingData => tls_codec::Error::TrailingData,
        _ => tls_codec::Error::InvalidInput,
    }
}

impl Size for VLBytes {
    fn tls_serialized_len(&self) -> usize {
        length_header_len(self.0.len()) + self.0.len()
    }
}

impl tls_codec::SerializeBytes for VLBytes {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = Vec::with_capacity(self.tls_serialized_len());
        write_opaque(&self.0, &mut out).map_err(to_tls)?;
        Ok(out)
    }
}

#[cfg(feature = "std")]
impl tls_codec::Serialize for VLBytes {
    fn tls_serialize<W: std::io::Write>(&self, writer: &mut W) -> Result<usize, tls_codec::Error> {
        // The header on the stack: no allocation per field encoded.
        let len = self.0.len();
        let (buf, n) = match len {
            l if l < 1 << 6 => ([l as u8, 0, 0, 0], 1),
            l if l < 1 << 14 => {
                let [a, b] = (0x4000u16 | l as u16).to_be_bytes();
                ([a, b, 0, 0], 2)
            }
            l if l <= MAX_VECTOR_LEN => ((0x8000_0000u32 | l as u32).to_be_bytes(), 4),
            _ => return Err(to_tls(CodecError::InvalidLength)),
        };
        let header = buf.get(..n).unwrap_or_default();
        writer.write_all(header)?;
        writer.write_all(&self.0)?;
        Ok(n + len)
    }
}

impl DeserializeBytes for VLBytes {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (data, rest) = read_opaque(bytes).map_err(to_tls)?;
        Ok((Self(data.into()), rest))
    }
}

/// A value that can be written to the wire.
///
/// Implemented for every `tls_codec` serializable type: with the `std`
/// feature through the writer-based `Serialize` (one buffer for the whole
/// value), without it through `SerializeBytes`.
pub trait Encode {
    /// Appends the encoding of `self` to `out`.
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), CodecError>;
    /// The encoding of `self`.
    fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }
}

#[cfg(feature = "std")]
impl<T: tls_codec::Serialize + ?Sized> Encode for T {
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        out.reserve(self.tls_serialized_len());
        self.tls_serialize(out)?;
        Ok(())
    }
}

#[cfg(not(feature = "std"))]
impl<T: tls_codec::SerializeBytes + ?Sized> Encode for T {
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        out.extend_from_slice(&self.tls_serialize_bytes()?);
        Ok(())
    }
}

/// Decodes a complete value: trailing bytes are an error.
pub fn decode<T: DeserializeBytes>(input: &[u8]) -> Result<T, CodecError> {
    let (v, rest) = T::tls_deserialize_bytes(input)?;
    if !rest.is_empty() {
        return Err(CodecError::TrailingData);
    }
    Ok(v)
}

/// Decodes a value from the front of `input`, returning the rest.
pub fn decode_prefix<T: DeserializeBytes>(input: &[u8]) -> Result<(T, &[u8]), CodecError> {
    Ok(T::tls_deserialize_bytes(input)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc9420_2_1_2_examples() {
        assert_eq!(
            read_length(&[0x9d, 0x7f, 0x3e, 0x7d]).unwrap().0,
            494_878_333
        );
        assert_eq!(read_length(&[0x7b, 0xbd]).unwrap().0, 15_293);
        assert_eq!(read_length(&[0x25]).unwrap().0, 37);
    }

    #[test]
    fn rfc9420_2_1_2_rejects_prefix_11_and_non_minimal() {
        assert_eq!(
            read_length(&[0xc0, 0, 0, 0, 0, 0, 0, 1]),
            Err(CodecError::InvalidLength)
        );
        assert_eq!(
            read_length(&[0x40, 0x25]),
            Err(CodecError::NonMinimalLength)
        );
        assert_eq!(
            read_length(&[0x80, 0, 0x3f, 0xff]),
            Err(CodecError::NonMinimalLength)
        );
        assert_eq!(read_length(&[0x80, 0]), Err(CodecError::Truncated));
        assert!(write_length(MAX_VECTOR_LEN + 1, &mut Vec::new()).is_err());
    }

    #[test]
    fn rfc9420_2_1_2_tls_codec_agrees_on_non_minimal() {
        // tls_codec must reject what we reject.
        // Truncated: an error in debug builds too (tls_codec's own VLBytes
        // would hit a debug_assert here).
        assert_eq!(
            decode::<VLBytes>(&[0x05, 0xAA, 0xBB]),
            Err(CodecError::Truncated)
        );
        assert!(decode::<VLBytes>(&[0x40, 0x01, 0xAA]).is_err());
        assert!(decode::<VLBytes>(&[0xc0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert_eq!(
            decode::<VLBytes>(&[0x01, 0xAA]).unwrap().as_slice(),
            &[0xAA]
        );
    }

    #[test]
    fn reader_count_is_bounded_by_the_remaining_input() {
        let mut r = Reader::new(&[0, 0, 0, 2, 1, 2, 3, 4]);
        assert_eq!(r.count(2), Ok(2));
        assert_eq!(r.remaining(), 4);
        let mut r = Reader::new(&[0, 0, 0, 3, 1, 2, 3, 4]);
        assert_eq!(r.count(2), Err(CodecError::Truncated));
        let mut r = Reader::new(&[0xFF; 8]);
        assert_eq!(r.count(usize::MAX), Err(CodecError::Truncated));
        assert_eq!(Reader::new(&[0, 0]).count(1), Err(CodecError::Truncated));
    }

    #[test]
    fn list_edits() {
        let mut l: List<u16> = [1, 2].into();
        l.push(3);
        assert_eq!(l, alloc::vec![1, 2, 3]);
        assert_eq!(l.iter().sum::<u16>(), 6);
        l.clear();
        assert!(l.is_empty());
        assert_eq!(l, List::<u16>::default());
    }

    proptest! {
        #[test]
        fn rfc9420_2_1_2_list_encodes_as_a_vector(items in proptest::collection::vec(any::<u16>(), 0..200)) {
            let list: List<u16> = items.clone().into();
            let bytes = list.encode().unwrap();
            prop_assert_eq!(&bytes, &items.encode().unwrap());
            prop_assert_eq!(list.tls_serialized_len(), bytes.len());
            let back: List<u16> = decode(&bytes).unwrap();
            prop_assert_eq!(back.into_vec(), items);
        }

        #[test]
        fn rfc9420_2_1_2_length_roundtrip(len in 0usize..=MAX_VECTOR_LEN) {
            let mut out = Vec::new();
            write_length(len, &mut out).unwrap();
            prop_assert_eq!(out.len(), length_header_len(len));
            let (got, rest) = read_length(&out).unwrap();
            prop_assert_eq!(got, len);
            prop_assert!(rest.is_empty());
        }

        #[test]
        fn rfc9420_2_1_2_opaque_matches_tls_codec(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut ours = Vec::new();
            write_opaque(&data, &mut ours).unwrap();
            let theirs = VLBytes::new(data.clone()).encode().unwrap();
            prop_assert_eq!(&ours, &theirs);
            let (got, rest) = read_opaque(&ours).unwrap();
            prop_assert_eq!(got, &data[..]);
            prop_assert!(rest.is_empty());
        }

        #[test]
        fn read_length_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            let _ = read_length(&bytes);
        }

        #[test]
        fn rfc9420_2_1_2_vlbytes_roundtrip(data in proptest::collection::vec(any::<u8>(), 0..20_000)) {
            let v = VLBytes::new(data.clone());
            let enc = v.encode().unwrap();
            prop_assert_eq!(enc.len(), v.tls_serialized_len());
            prop_assert_eq!(&enc, &tls_codec::SerializeBytes::tls_serialize_bytes(&v).unwrap());
            let mut expected = Vec::new();
            write_opaque(&data, &mut expected).unwrap();
            prop_assert_eq!(&enc, &expected);
            prop_assert_eq!(decode::<VLBytes>(&enc).unwrap(), v);
            // Every proper prefix is an error, not a panic.
            for n in [0, enc.len() / 2, enc.len() - 1] {
                prop_assert!(decode::<VLBytes>(&enc[..n]).is_err());
            }
        }

        #[test]
        fn vlbytes_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_prefix::<VLBytes>(&bytes);
        }
    }
}

/// A byte reader for hand-written formats (snapshots): every read is
/// bounds-checked and fails with [`CodecError::Truncated`].
#[derive(Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads from `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Self { input }
    }
    /// Takes `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.input.len() < n {
            return Err(CodecError::Truncated);
        }
        let (head, rest) = self.input.split_at(n);
        self.input = rest;
        Ok(head)
    }
    /// Reads a u8.
    pub fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.take(1)?[0])
    }
    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Result<u32, CodecError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Reads a big-endian u64.
    pub fn u64(&mut self) -> Result<u64, CodecError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    /// Reads an `opaque<V>`.
    pub fn opaque(&mut self) -> Result<&'a [u8], CodecError> {
        let (v, rest) = read_opaque(self.input)?;
        self.input = rest;
        Ok(v)
    }
    /// Takes a whole variable-length vector, header included, without
    /// decoding its items (RFC 9420 §2.1.2).
    pub fn vector(&mut self) -> Result<&'a [u8], CodecError> {
        let (len, rest) = read_length(self.input)?;
        let header = self.input.len() - rest.len();
        let total = header.checked_add(len).ok_or(CodecError::InvalidLength)?;
        self.take(total)
    }
    /// Decodes a `tls_codec` value.
    pub fn value<T: DeserializeBytes>(&mut self) -> Result<T, CodecError> {
        let (v, rest) = decode_prefix::<T>(self.input)?;
        self.input = rest;
        Ok(v)
    }
    /// True when all input is consumed.
    pub fn is_empty(&self) -> bool {
        self.input.is_empty()
    }
    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.input.len()
    }
    /// Reads a big-endian u32 item count, refused as truncated when the
    /// rest of the input cannot hold that many items of at least
    /// `min_item_len` bytes each: a count never drives a loop or an
    /// allocation past what the input can back.
    pub fn count(&mut self, min_item_len: usize) -> Result<u32, CodecError> {
        let n = self.u32()?;
        match (n as usize).checked_mul(min_item_len) {
            Some(total) if total <= self.input.len() => Ok(n),
            _ => Err(CodecError::Truncated),
        }
    }
}
