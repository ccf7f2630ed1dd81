//! Mutation testing of every receive path: each valid message of the
//! official vectors (the passive-client files) and of the scenario driver,
//! mutated, is fed to [`Group::process`], [`Group::join`] or
//! [`Group::join_external`], whichever receives it.
//!
//! # Cases
//!
//! A [`Case`] is one valid message and the state that accepts it:
//! - the passive-client vectors: the Welcome (joined with the vector's
//!   KeyPackage and keys), then every proposal and commit of every epoch,
//!   each against the member's state just before it;
//! - the scenario driver ([`crate::scenario::Scenario`]), with handshakes as
//!   PublicMessage and as PrivateMessage: an application message, Update,
//!   Remove, Add and PSK proposals, commits (empty, with a path, with an
//!   Add, with a Remove, by reference), an external commit, the Welcome of
//!   the Add (joined by the new member) and a GroupInfo (joined by external
//!   commit).
//!
//! Every case's message is first checked to be accepted unmutated; the
//! state it leads to is kept to compare void mutations against.
//!
//! # Mutations
//!
//! See [`Mutation`]: bit flips, byte overwrites, truncations, insertions,
//! deletions, duplicated runs, splices from another message, fields of the
//! decoded message swapped with the same field of another valid message,
//! and rewritten length prefixes that still look valid (in range, nested
//! lengths adjusted, non-minimal encodings). A mutation always changes the
//! bytes.
//!
//! # Verdicts
//!
//! Every mutated input is tried under `catch_unwind`: a panic anywhere
//! (decoder included) is counted and reported. Otherwise:
//! - **rejected**: the input does not decode as an MLSMessage, or the
//!   receiving call returns an error. After an error from `process`, the
//!   receiver's snapshot (`Group::to_bytes`) must be byte-identical to the
//!   one before; any difference is a **state change**.
//! - **void**: the input was accepted but carries nothing the original did
//!   not. "Void" means exactly one of:
//!   1. the input decodes to a value equal to the original message (the
//!      codec read different bytes as the same value);
//!   2. it decodes to a value equal to another valid message of the corpus
//!      (a field swap rebuilt a genuine message: that is a replay, not a
//!      forgery, and replays are judged elsewhere);
//!   3. for a Welcome: the cipher suite, the `encrypted_group_info` and the
//!      joiner's own `EncryptedGroupSecrets` entry (the first whose
//!      KeyPackageRef is the joiner's) are unchanged. The entries of other
//!      new members are opaque to the joiner (RFC 9420 §12.4.3.1), so
//!      editing, reordering or dropping them changes nothing it reads.
//!
//!   A void input must also lead to the state the original led to (the
//!   same snapshot after `process`, the same joined state after a join);
//!   otherwise it counts as accepted.
//! - **accepted**: anything else that was accepted. Every part of a
//!   message a receiver acts on is authenticated (signature, membership
//!   tag, AEAD, confirmation tag, HPKE), so each of these is a bug.
//!
//! Everything is deterministic: the mutations come from [`Xorshift`]
//! seeded by [`Options::seed`], the groups from seeded [`TestRng`]s.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use mls_core::codec::{Encode, VLBytes, decode};
use mls_core::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePrivateKey, SignaturePrivateKey,
};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, ProcessEnv,
    Received,
};
use mls_core::key_package::{KeyPackageParams, generate_key_package, key_package_reference};
use mls_core::messages::{
    Add, Credential, KeyPackage, Lifetime, MlsMessage, MlsMessageBody, Node, Proposal,
    RatchetTree as RatchetTreeExt, Remove, Welcome,
};
use serde_json::Value;

use crate::TestRng;
use crate::fixtures::capabilities;
use crate::scenario::Scenario;

/// The passive-client vector files the corpus is read from.
pub const VECTOR_FILES: &[&str] = &[
    "passive-client-welcome.json",
    "passive-client-handling-commit.json",
    "passive-client-random.json",
];

/// xorshift64*: a tiny deterministic generator for mutation choices.
#[derive(Debug, Clone)]
pub struct Xorshift(u64);

impl Xorshift {
    /// A generator seeded with `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        Self((seed ^ 0x6A09_E667_F3BC_C909).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// One kind of mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mutation {
    /// One to three bits flipped.
    BitFlip,
    /// One byte set to a boundary value (0x00, 0xff, 0x7f, 0x80, 0x3f, 0x40).
    ByteSet,
    /// Cut at a random position.
    Truncate,
    /// One to sixteen random bytes inserted.
    Insert,
    /// One to sixteen bytes removed.
    Delete,
    /// A run of bytes repeated in place.
    Duplicate,
    /// A run of bytes replaced by a run of another valid message.
    Splice,
    /// A field of the decoded message replaced by the same field of another
    /// valid message (or two of its own entries exchanged), re-encoded.
    FieldSwap,
    /// A length prefix rewritten to another value that still fits the
    /// input (0, ±1, the rest of the input, doubled, the maxima).
    Length,
    /// A length prefix changed by a few bytes and the vector grown or
    /// shrunk to match, enclosing length prefixes adjusted too: every
    /// length looks consistent.
    LengthResize,
    /// A length prefix re-encoded in more bytes than needed (same value).
    NonMinimalLength,
}

impl Mutation {
    /// How often each mutation is drawn, relative to the others: the
    /// structure-aware ones more often, so that more inputs decode and
    /// reach the receiver's checks.
    pub fn weight(self) -> usize {
        match self {
            Self::FieldSwap => 4,
            Self::BitFlip => 3,
            Self::ByteSet | Self::Splice | Self::LengthResize => 2,
            _ => 1,
        }
    }

    fn draw(rng: &mut Xorshift) -> Self {
        let total: usize = Self::ALL.iter().map(|m| m.weight()).sum();
        let mut x = rng.below(total);
        for m in Self::ALL {
            if x < m.weight() {
                return m;
            }
            x -= m.weight();
        }
        Self::BitFlip
    }

    /// Every mutation, in the order they are drawn from.
    pub const ALL: [Mutation; 11] = [
        Self::BitFlip,
        Self::ByteSet,
        Self::Truncate,
        Self::Insert,
        Self::Delete,
        Self::Duplicate,
        Self::Splice,
        Self::FieldSwap,
        Self::Length,
        Self::LengthResize,
        Self::NonMinimalLength,
    ];
}

/// The MLS variable-length integer at `b[i..]` (RFC 9420 §2.1.2): its
/// width and value, when its prefix is one of the three valid ones.
fn varint_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let first = *b.get(i)?;
    let w = match first >> 6 {
        0 => 1,
        1 => 2,
        2 => 4,
        _ => return None,
    };
    let bytes = b.get(i..i + w)?;
    let mut v = usize::from(first & 0x3f);
    for &x in &bytes[1..] {
        v = (v << 8) | usize::from(x);
    }
    Some((w, v))
}

/// The minimal encoding of `v` (at most 2^30 - 1).
fn varint(v: usize) -> Vec<u8> {
    let v = v.min((1 << 30) - 1);
    if v < 0x40 {
        vec![v as u8]
    } else if v < 0x4000 {
        vec![0x40 | (v >> 8) as u8, v as u8]
    } else {
        vec![
            0x80 | (v >> 24) as u8,
            (v >> 16) as u8,
            (v >> 8) as u8,
            v as u8,
        ]
    }
}

/// `v` encoded in exactly `w` bytes (1, 2 or 4), if it fits.
fn varint_wide(v: usize, w: usize) -> Option<Vec<u8>> {
    match w {
        1 if v < 0x40 => Some(vec![v as u8]),
        2 if v < 0x4000 => Some(vec![0x40 | (v >> 8) as u8, v as u8]),
        4 if v < 1 << 30 => Some(vec![
            0x80 | (v >> 24) as u8,
            (v >> 16) as u8,
            (v >> 8) as u8,
            v as u8,
        ]),
        _ => None,
    }
}

/// Positions that look like a length prefix: a valid varint whose vector
/// ends inside the input. Returns `(position, width, value)`.
fn length_candidates(b: &[u8]) -> Vec<(usize, usize, usize)> {
    (0..b.len())
        .filter_map(|i| {
            let (w, v) = varint_at(b, i)?;
            (i + w + v <= b.len()).then_some((i, w, v))
        })
        .collect()
}

fn splice(b: &[u8], at: usize, remove: usize, insert: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() + insert.len());
    out.extend_from_slice(&b[..at]);
    out.extend_from_slice(insert);
    out.extend_from_slice(&b[(at + remove).min(b.len())..]);
    out
}

fn mutate_length(b: &[u8], rng: &mut Xorshift) -> Option<Vec<u8>> {
    let c = length_candidates(b);
    if c.is_empty() {
        return None;
    }
    let (i, w, v) = c[rng.below(c.len())];
    let rest = b.len() - i - w;
    let nv = match rng.below(9) {
        0 => 0,
        1 => v + 1,
        2 => v.saturating_sub(1),
        3 => rest,
        4 => rest + 1,
        5 => v * 2 + 1,
        6 => 0x3fff,
        7 => (1 << 30) - 1,
        _ => v ^ (1 << rng.below(8)),
    };
    Some(splice(b, i, w, &varint(nv)))
}

fn mutate_length_resize(b: &[u8], rng: &mut Xorshift) -> Option<Vec<u8>> {
    let c = length_candidates(b);
    if c.is_empty() {
        return None;
    }
    let (i, w, v) = c[rng.below(c.len())];
    let delta: isize = match rng.below(6) {
        0 => 1,
        1 => -1,
        2 => 1 + rng.below(32) as isize,
        3 => -(1 + rng.below(8) as isize),
        4 => -(v as isize),
        _ => v.max(1) as isize,
    };
    let nv = (v as isize + delta).max(0) as usize;
    let end = i + w + v;
    // The body first (from the end, so earlier offsets stay valid).
    let mut out = if nv > v {
        let fill = rng.bytes(nv - v);
        splice(b, end, 0, &fill)
    } else {
        splice(b, i + w + nv, v - nv, &[])
    };
    let d = nv as isize - v as isize;
    // Enclosing vectors grow or shrink by the same amount when their
    // prefix keeps its width; outermost first does not matter (widths kept).
    for &(j, wj, vj) in c.iter().rev() {
        if j + wj <= i && j + wj + vj >= end {
            let nvj = (vj as isize + d).max(0) as usize;
            if let Some(enc) = varint_wide(nvj, wj) {
                out[j..j + wj].copy_from_slice(&enc);
            }
        }
    }
    let new = varint(nv);
    Some(splice(&out, i, w, &new))
}

fn mutate_non_minimal(b: &[u8], rng: &mut Xorshift) -> Option<Vec<u8>> {
    let c: Vec<_> = length_candidates(b)
        .into_iter()
        .filter(|&(_, w, _)| w < 4)
        .collect();
    if c.is_empty() {
        return None;
    }
    let (i, w, v) = c[rng.below(c.len())];
    let nw = if w == 1 && rng.below(2) == 0 { 2 } else { 4 };
    Some(splice(b, i, w, &varint_wide(v, nw)?))
}

/// Replaces one field of `m` by the same field of `p` (or exchanges two
/// entries of `m`); `None` when the two have no field in common.
fn swap_field(m: &MlsMessage, p: &MlsMessage, rng: &mut Xorshift) -> Option<MlsMessage> {
    let mut out = m.clone();
    match (&mut out.body, &p.body) {
        (MlsMessageBody::PublicMessage(a), MlsMessageBody::PublicMessage(b)) => {
            match rng.below(9) {
                0 => a.content.group_id = b.content.group_id.clone(),
                1 => a.content.epoch = b.content.epoch,
                2 => a.content.sender = b.content.sender,
                3 => a.content.authenticated_data = b.content.authenticated_data.clone(),
                4 => a.content.content = b.content.content.clone(),
                5 => a.auth.signature = b.auth.signature.clone(),
                6 => a.auth.confirmation_tag = b.auth.confirmation_tag.clone(),
                7 => a.membership_tag = b.membership_tag.clone(),
                _ => a.content.epoch = a.content.epoch.wrapping_add(1),
            }
        }
        (MlsMessageBody::PrivateMessage(a), MlsMessageBody::PrivateMessage(b)) => {
            match rng.below(7) {
                0 => a.group_id = b.group_id.clone(),
                1 => a.epoch = b.epoch,
                2 => a.content_type = b.content_type,
                3 => a.authenticated_data = b.authenticated_data.clone(),
                4 => a.encrypted_sender_data = b.encrypted_sender_data.clone(),
                5 => a.ciphertext = b.ciphertext.clone(),
                _ => a.epoch = a.epoch.wrapping_sub(1),
            }
        }
        (MlsMessageBody::PublicMessage(a), MlsMessageBody::PrivateMessage(b)) => {
            match rng.below(3) {
                0 => a.content.group_id = b.group_id.clone(),
                1 => a.content.epoch = b.epoch,
                _ => a.content.authenticated_data = b.authenticated_data.clone(),
            }
        }
        (MlsMessageBody::PrivateMessage(a), MlsMessageBody::PublicMessage(b)) => {
            match rng.below(3) {
                0 => a.group_id = b.content.group_id.clone(),
                1 => a.epoch = b.content.epoch,
                _ => a.authenticated_data = b.content.authenticated_data.clone(),
            }
        }
        (MlsMessageBody::Welcome(a), MlsMessageBody::Welcome(b)) => match rng.below(6) {
            0 => a.cipher_suite = b.cipher_suite,
            1 => a.secrets = b.secrets.clone(),
            2 => a.encrypted_group_info = b.encrypted_group_info.clone(),
            3 if !a.secrets.is_empty() && !b.secrets.is_empty() => {
                let i = rng.below(a.secrets.len());
                let j = rng.below(b.secrets.len());
                a.secrets[i].encrypted_group_secrets = b.secrets[j].encrypted_group_secrets.clone();
            }
            4 if !a.secrets.is_empty() && !b.secrets.is_empty() => {
                let i = rng.below(a.secrets.len());
                let j = rng.below(b.secrets.len());
                a.secrets[i].new_member = b.secrets[j].new_member.clone();
            }
            _ if a.secrets.len() > 1 => {
                let i = rng.below(a.secrets.len());
                let j = rng.below(a.secrets.len());
                let (x, y) = (a.secrets[i].clone(), a.secrets[j].clone());
                a.secrets[i].encrypted_group_secrets = y.encrypted_group_secrets;
                a.secrets[j].encrypted_group_secrets = x.encrypted_group_secrets;
            }
            _ => a.encrypted_group_info = b.encrypted_group_info.clone(),
        },
        (MlsMessageBody::GroupInfo(a), MlsMessageBody::GroupInfo(b)) => match rng.below(9) {
            0 => a.group_context = b.group_context.clone(),
            1 => a.extensions = b.extensions.clone(),
            2 => a.confirmation_tag = b.confirmation_tag.clone(),
            3 => a.signer = b.signer,
            4 => a.signature = b.signature.clone(),
            5 => a.group_context.tree_hash = b.group_context.tree_hash.clone(),
            6 => {
                a.group_context.confirmed_transcript_hash =
                    b.group_context.confirmed_transcript_hash.clone()
            }
            7 => a.group_context.extensions = b.group_context.extensions.clone(),
            _ => a.group_context.epoch = b.group_context.epoch,
        },
        (MlsMessageBody::Welcome(a), MlsMessageBody::GroupInfo(b)) => {
            a.cipher_suite = b.group_context.cipher_suite;
        }
        (MlsMessageBody::GroupInfo(a), MlsMessageBody::Welcome(b)) => {
            a.group_context.cipher_suite = b.cipher_suite;
        }
        _ => return None,
    }
    Some(out)
}

/// Mutates `orig` (the encoding of `msg`) once; `partners` are other valid
/// messages to splice and swap from. The result always differs from `orig`.
pub fn mutate(
    orig: &[u8],
    msg: &MlsMessage,
    partners: &[(Vec<u8>, MlsMessage)],
    rng: &mut Xorshift,
) -> (Mutation, Vec<u8>) {
    for _ in 0..8 {
        let op = Mutation::draw(rng);
        if let Some(out) = apply(op, orig, msg, partners, rng)
            && out != orig
        {
            return (op, out);
        }
    }
    // A bit flip always changes the input.
    let mut out = orig.to_vec();
    if out.is_empty() {
        out.push(0);
    } else {
        let i = rng.below(out.len());
        out[i] ^= 1 << rng.below(8);
    }
    (Mutation::BitFlip, out)
}

fn apply(
    op: Mutation,
    orig: &[u8],
    msg: &MlsMessage,
    partners: &[(Vec<u8>, MlsMessage)],
    rng: &mut Xorshift,
) -> Option<Vec<u8>> {
    let n = orig.len();
    if n == 0 {
        return None;
    }
    match op {
        Mutation::BitFlip => {
            let mut out = orig.to_vec();
            for _ in 0..1 + rng.below(3) {
                let i = rng.below(n);
                out[i] ^= 1 << rng.below(8);
            }
            Some(out)
        }
        Mutation::ByteSet => {
            const VALUES: [u8; 6] = [0x00, 0xff, 0x7f, 0x80, 0x3f, 0x40];
            let mut out = orig.to_vec();
            out[rng.below(n)] = VALUES[rng.below(VALUES.len())];
            Some(out)
        }
        Mutation::Truncate => Some(orig[..rng.below(n)].to_vec()),
        Mutation::Insert => {
            let k = 1 + rng.below(16);
            let fill = rng.bytes(k);
            Some(splice(orig, rng.below(n + 1), 0, &fill))
        }
        Mutation::Delete => {
            let k = 1 + rng.below(16.min(n));
            Some(splice(orig, rng.below(n - k + 1), k, &[]))
        }
        Mutation::Duplicate => {
            let k = 1 + rng.below(64.min(n));
            let at = rng.below(n - k + 1);
            let run = orig[at..at + k].to_vec();
            Some(splice(orig, at, 0, &run))
        }
        Mutation::Splice => {
            let (p, _) = partners.get(rng.below(partners.len()))?;
            if p.is_empty() {
                return None;
            }
            let k = 1 + rng.below(64.min(p.len()).min(n));
            let from = rng.below(p.len() - k + 1);
            let at = rng.below(n - k + 1);
            Some(splice(orig, at, k, &p[from..from + k]))
        }
        Mutation::FieldSwap => {
            // A partner of the same wire format when there is one.
            let same: Vec<&MlsMessage> = partners
                .iter()
                .map(|(_, p)| p)
                .filter(|p| p.wire_format() == msg.wire_format())
                .collect();
            let p = match same.len() {
                0 => &partners.get(rng.below(partners.len()))?.1,
                n => same[rng.below(n)],
            };
            let m = swap_field(msg, p, rng)?;
            m.encode().ok()
        }
        Mutation::Length => mutate_length(orig, rng),
        Mutation::LengthResize => mutate_length_resize(orig, rng),
        Mutation::NonMinimalLength => mutate_non_minimal(orig, rng),
    }
}

/// Who receives a case's message, and how.
#[allow(clippy::large_enum_variant)]
pub enum Target {
    /// `Group::process` by the member whose snapshot this is.
    Process {
        /// The receiver's snapshot before the message.
        before: Vec<u8>,
        /// External PSKs the receiver knows.
        psks: BTreeMap<Vec<u8>, Vec<u8>>,
    },
    /// `Group::join` by the owner of `key_package`.
    Join {
        /// The joiner's KeyPackage.
        key_package: KeyPackage,
        /// Its init private key.
        init_key: HpkePrivateKey,
        /// Its leaf encryption private key.
        encryption_key: HpkePrivateKey,
        /// Its signature private key.
        signature_key: SignaturePrivateKey,
        /// The ratchet tree, when not in the GroupInfo.
        tree: Option<Vec<Option<Node>>>,
        /// External PSKs the joiner knows.
        psks: BTreeMap<Vec<u8>, Vec<u8>>,
    },
    /// `Group::join_external` from a GroupInfo, by a new client whose
    /// signature key comes from a fixed seed.
    JoinExternal,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Process { .. } => "Process",
            Self::Join { .. } => "Join",
            Self::JoinExternal => "JoinExternal",
        })
    }
}

/// One valid message and its receiver.
#[derive(Debug)]
pub struct Case {
    /// Where it comes from (file and entry, or scenario step).
    pub origin: String,
    /// The message.
    pub message: MlsMessage,
    /// Its receiver.
    pub target: Target,
    /// The suite of the group.
    pub suite: CipherSuite,
    /// The receiver's configuration.
    pub config: GroupConfig,
}

/// What went wrong with one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingKind {
    /// The receiving call (or the decoder) panicked.
    Panic,
    /// `process` returned an error but the snapshot changed.
    StateChange,
    /// A mutated message that is not void was accepted.
    Accepted,
    /// The unmutated message was not accepted (a corpus problem).
    Corpus,
}

/// One failure, with what reproduces it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What happened.
    pub kind: FindingKind,
    /// The case's origin.
    pub origin: String,
    /// The mutation applied.
    pub mutation: Option<Mutation>,
    /// The index of the input in the run (same options: same input).
    pub input: usize,
    /// The mutated input, hex.
    pub input_hex: String,
    /// The panic message, error, or what differed.
    pub detail: String,
}

/// The counts of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Valid messages (cases) mutated.
    pub cases: usize,
    /// Mutated inputs tried.
    pub tried: usize,
    /// Rejected: did not decode as an MLSMessage.
    pub rejected_decode: usize,
    /// Rejected by `process`, `join` or `join_external`.
    pub rejected: usize,
    /// Accepted, and void (see the module documentation).
    pub void: usize,
    /// Accepted though not void.
    pub accepted: usize,
    /// Panics.
    pub panics: usize,
    /// Rejections after which the snapshot differed.
    pub state_changes: usize,
    /// Unmutated messages not accepted.
    pub corpus_errors: usize,
    /// Inputs per mutation kind.
    pub per_mutation: BTreeMap<String, usize>,
    /// Inputs per receiving call.
    pub per_target: BTreeMap<String, usize>,
    /// The first findings (at most [`Report::MAX_FINDINGS`]).
    pub findings: Vec<Finding>,
    /// True when the official vectors were not found (scenario cases only).
    pub vectors_missing: bool,
}

impl Report {
    /// How many findings are kept.
    pub const MAX_FINDINGS: usize = 20;

    /// True when nothing panicked, no rejection changed the state, nothing
    /// non-void was accepted and every unmutated message was accepted.
    pub fn clean(&self) -> bool {
        self.panics == 0 && self.state_changes == 0 && self.accepted == 0 && self.corpus_errors == 0
    }

    fn find(&mut self, f: Finding) {
        if self.findings.len() < Self::MAX_FINDINGS {
            self.findings.push(f);
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "cases (valid messages): {}", self.cases)?;
        writeln!(f, "inputs tried: {}", self.tried)?;
        writeln!(
            f,
            "rejected: {} ({} undecodable, {} by the receiver)",
            self.rejected_decode + self.rejected,
            self.rejected_decode,
            self.rejected
        )?;
        writeln!(f, "accepted as void: {}", self.void)?;
        writeln!(f, "accepted (not void): {}", self.accepted)?;
        writeln!(f, "panics: {}", self.panics)?;
        writeln!(f, "state changes after a rejection: {}", self.state_changes)?;
        writeln!(f, "unmutated messages not accepted: {}", self.corpus_errors)?;
        let per: Vec<String> = self
            .per_target
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        writeln!(f, "inputs per receiver: {}", per.join(" "))?;
        let per: Vec<String> = self
            .per_mutation
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        write!(f, "inputs per mutation: {}", per.join(" "))?;
        if self.vectors_missing {
            write!(
                f,
                "\nMLS TEST VECTORS MISSING: only scenario cases were mutated"
            )?;
        }
        for x in &self.findings {
            write!(
                f,
                "\n{:?} in {} (input {}, {:?}): {}\n  input: {}",
                x.kind, x.origin, x.input, x.mutation, x.detail, x.input_hex
            )?;
        }
        Ok(())
    }
}

/// What a run does.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Mutated inputs to try (at least; spread evenly over the cases).
    pub count: usize,
    /// Seed of the mutations.
    pub seed: u64,
    /// Include the official passive-client vectors (when present).
    pub vectors: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            count: 10_000,
            seed: 1,
            vectors: true,
        }
    }
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs `f`, turning a panic into `Err(message at location)`.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let recorded = LAST_PANIC.lock().ok().and_then(|mut g| g.take());
        recorded.unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into())
        })
    })
}

/// What `merge_staged` returns, whichever form it has.
trait MergeOutcome {
    fn into_result(self) -> Result<(), String>;
}

impl MergeOutcome for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: fmt::Display> MergeOutcome for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|e| e.to_string())
    }
}

fn merge(g: &mut Group, staged: mls_core::group::StagedCommit) -> Result<(), String> {
    MergeOutcome::into_result(g.merge_staged(staged))
}

fn snapshot(g: &Group) -> Result<Vec<u8>, String> {
    g.to_bytes()
        .map(|s| s.as_bytes().to_vec())
        .map_err(|e| format!("to_bytes: {e}"))
}

fn restore(provider: &dyn CryptoProvider, bytes: &[u8]) -> Result<Group, String> {
    Group::from_bytes(provider, bytes).map_err(|e| format!("from_bytes: {e}"))
}

fn received_kind(r: &Received) -> String {
    match r {
        Received::Application { data, .. } => format!("application {}", hex::encode(data)),
        Received::Proposal(_) => "proposal".into(),
        Received::Commit(s) => format!(
            "commit to epoch {} ({})",
            s.new_epoch(),
            s.epoch_authenticator().map(hex::encode).unwrap_or_default()
        ),
        Received::OwnCommit => "own commit".into(),
        _ => "other".into(),
    }
}

/// The outcome of one receiving call on one message.
enum Outcome {
    /// Accepted: the receiver's state afterwards (process: its snapshot,
    /// joins: the new member's snapshot) and what was received.
    Accepted(Vec<u8>, String),
    /// Rejected; for process, whether the snapshot changed.
    Rejected { changed: Option<String> },
}

/// A receiver that stays alive across the inputs of one case and is
/// restored only when an input changed it.
struct Receiver<'a> {
    provider: &'static dyn CryptoProvider,
    case: &'a Case,
    group: Option<Group>,
}

fn external_identity(cs: &dyn CipherSuiteProvider) -> Result<MemberIdentity, String> {
    let mut rng = TestRng::new(0xE7);
    let (sk, pk) = cs
        .signature()
        .generate_key_pair(&mut rng)
        .map_err(|e| e.to_string())?;
    Ok(MemberIdentity {
        credential: Credential::Basic(VLBytes::new(b"mutate-external".to_vec())),
        signature_key: sk.into(),
        signature_public_key: pk,
        capabilities: capabilities(cs),
        extensions: vec![],
        lifetime: forever(),
    })
}

fn forever() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

impl Receiver<'_> {
    fn run(&mut self, msg: &MlsMessage) -> Result<Outcome, String> {
        let provider = self.provider;
        let creds = AcceptAllCredentials;
        match &self.case.target {
            Target::Process { before, psks } => {
                let g = match self.group.take() {
                    Some(g) => g,
                    None => restore(provider, before)?,
                };
                let mut g = g;
                let mut env = ProcessEnv {
                    psks,
                    credentials: &creds,
                    now: None,
                };
                let r = g.process(provider, msg, &mut env);
                match r {
                    Ok(rcv) => {
                        let kind = received_kind(&rcv);
                        let after = snapshot(&g)?;
                        // Changed: the next input restores it.
                        Ok(Outcome::Accepted(after, kind))
                    }
                    Err(e) => {
                        let after = snapshot(&g);
                        let changed = match after {
                            Ok(a) if a == *before => None,
                            Ok(_) => Some(format!("{e}; the snapshot changed")),
                            Err(s) => Some(format!("{e}; then {s}")),
                        };
                        if changed.is_none() {
                            self.group = Some(g);
                        }
                        Ok(Outcome::Rejected { changed })
                    }
                }
            }
            Target::Join {
                key_package,
                init_key,
                encryption_key,
                signature_key,
                tree,
                psks,
            } => {
                let MlsMessageBody::Welcome(w) = &msg.body else {
                    return Ok(Outcome::Rejected { changed: None });
                };
                let mut env = ProcessEnv {
                    psks,
                    credentials: &creds,
                    now: None,
                };
                match Group::join(
                    provider,
                    w,
                    key_package,
                    mls_core::key_package::KeyPackagePrivate {
                        init_key: init_key.duplicate(),
                        encryption_key: encryption_key.duplicate(),
                    },
                    signature_key.duplicate(),
                    tree.clone(),
                    &mut env,
                    self.case.config,
                ) {
                    Ok(g) => Ok(Outcome::Accepted(snapshot(&g)?, "joined".into())),
                    Err(_) => Ok(Outcome::Rejected { changed: None }),
                }
            }
            Target::JoinExternal => {
                let MlsMessageBody::GroupInfo(gi) = &msg.body else {
                    return Ok(Outcome::Rejected { changed: None });
                };
                let cs = provider
                    .cipher_suite(self.case.suite)
                    .ok_or("suite not served")?;
                let identity = external_identity(cs)?;
                let mut rng = TestRng::new(0xE8);
                let psks: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
                let mut env = CommitEnv {
                    rng: &mut rng,
                    psks: &psks,
                    credentials: &creds,
                    now: None,
                };
                match Group::join_external(
                    provider,
                    gi,
                    None,
                    identity,
                    None,
                    &mut env,
                    self.case.config,
                ) {
                    Ok((g, commit)) => {
                        let c = commit.encode().map_err(|e| e.to_string())?;
                        Ok(Outcome::Accepted(snapshot(&g)?, hex::encode(c)))
                    }
                    Err(_) => Ok(Outcome::Rejected { changed: None }),
                }
            }
        }
    }
}

/// True when `m` (accepted for `case`) is void (see the module docs).
fn is_void(
    provider: &dyn CryptoProvider,
    case: &Case,
    m: &MlsMessage,
    partners: &[(Vec<u8>, MlsMessage)],
) -> bool {
    if *m == case.message || partners.iter().any(|(_, p)| p == m) {
        return true;
    }
    if let (
        Target::Join { key_package, .. },
        MlsMessageBody::Welcome(a),
        MlsMessageBody::Welcome(b),
    ) = (&case.target, &m.body, &case.message.body)
    {
        let Some(cs) = provider.cipher_suite(case.suite) else {
            return false;
        };
        let Ok(r) = key_package_reference(cs, key_package) else {
            return false;
        };
        let own = |w: &Welcome| {
            w.secrets
                .iter()
                .find(|e| e.new_member.as_slice() == r.as_ref())
                .cloned()
        };
        return a.cipher_suite == b.cipher_suite
            && a.encrypted_group_info == b.encrypted_group_info
            && own(a).is_some()
            && own(a) == own(b);
    }
    false
}

/// The verdict on one mutated input (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Rejected: not an MLSMessage.
    Undecodable,
    /// Rejected by the receiver, state unchanged.
    Rejected,
    /// Accepted and void.
    Void,
    /// Accepted though not void (what was received, or how it differed).
    Accepted(String),
    /// A panic (message and location).
    Panic(String),
    /// Rejected, but the receiver's snapshot changed.
    StateChange(String),
}

/// What the unmutated message leads to: the receiver's snapshot after it
/// and what was received.
type Reference = (Vec<u8>, String);

fn reference(receiver: &mut Receiver<'_>) -> Result<Reference, String> {
    let case = receiver.case;
    let r = match guarded(|| receiver.run(&case.message)) {
        Ok(Ok(Outcome::Accepted(after, kind))) => Ok((after, kind)),
        Ok(Ok(Outcome::Rejected { changed })) => Err(format!(
            "the unmutated message was rejected{}",
            changed.map(|c| format!(" ({c})")).unwrap_or_default()
        )),
        Ok(Err(e)) => Err(e),
        Err(p) => Err(format!("panic: {p}")),
    };
    receiver.group = None;
    r
}

fn judge(
    receiver: &mut Receiver<'_>,
    reference: &Reference,
    bytes: &[u8],
    partners: &[(Vec<u8>, MlsMessage)],
) -> Verdict {
    let decoded = match guarded(|| decode::<MlsMessage>(bytes)) {
        Ok(Ok(m)) => m,
        Ok(Err(_)) => return Verdict::Undecodable,
        Err(p) => return Verdict::Panic(format!("decode: {p}")),
    };
    match guarded(|| receiver.run(&decoded)) {
        Err(p) => {
            receiver.group = None;
            Verdict::Panic(p)
        }
        Ok(Err(e)) => {
            // The harness itself failed (a snapshot did not restore).
            receiver.group = None;
            Verdict::StateChange(e)
        }
        Ok(Ok(Outcome::Rejected { changed: None })) => Verdict::Rejected,
        Ok(Ok(Outcome::Rejected {
            changed: Some(detail),
        })) => {
            receiver.group = None;
            Verdict::StateChange(detail)
        }
        Ok(Ok(Outcome::Accepted(after, kind))) => {
            receiver.group = None;
            if !is_void(receiver.provider, receiver.case, &decoded, partners) {
                Verdict::Accepted(format!("received {kind}"))
            } else if after != reference.0 || kind != reference.1 {
                Verdict::Accepted(format!(
                    "void input led elsewhere: received {kind}, expected {}",
                    reference.1
                ))
            } else {
                Verdict::Void
            }
        }
    }
}

/// The verdict on `bytes` as a mutation of `case` (for regression tests
/// and reproducers); an error when the case's own message is not accepted.
pub fn check_input(
    provider: &'static dyn CryptoProvider,
    case: &Case,
    bytes: &[u8],
    partners: &[(Vec<u8>, MlsMessage)],
) -> Result<Verdict, String> {
    let mut receiver = Receiver {
        provider,
        case,
        group: None,
    };
    let r = reference(&mut receiver)?;
    Ok(judge(&mut receiver, &r, bytes, partners))
}

/// Mutates `case` `budget` times; `index` counts inputs over the run.
fn run_case(
    provider: &'static dyn CryptoProvider,
    case: &Case,
    budget: usize,
    partners: &[(Vec<u8>, MlsMessage)],
    rng: &mut Xorshift,
    index: &mut usize,
    report: &mut Report,
) {
    report.cases += 1;
    let target = format!("{:?}", case.target);
    let mut receiver = Receiver {
        provider,
        case,
        group: None,
    };
    let corpus_error = |report: &mut Report, input: usize, input_hex: String, detail| {
        report.corpus_errors += 1;
        report.find(Finding {
            kind: FindingKind::Corpus,
            origin: case.origin.clone(),
            mutation: None,
            input,
            input_hex,
            detail,
        });
    };
    let orig = match case.message.encode() {
        Ok(b) => b,
        Err(e) => return corpus_error(report, *index, String::new(), format!("encode: {e}")),
    };
    let reference = match reference(&mut receiver) {
        Ok(r) => r,
        Err(e) => return corpus_error(report, *index, hex::encode(&orig), e),
    };
    for _ in 0..budget {
        let (op, bytes) = mutate(&orig, &case.message, partners, rng);
        let input = *index;
        *index += 1;
        report.tried += 1;
        *report.per_mutation.entry(format!("{op:?}")).or_default() += 1;
        let verdict = judge(&mut receiver, &reference, &bytes, partners);
        if verdict != Verdict::Undecodable {
            *report.per_target.entry(target.clone()).or_default() += 1;
        }
        let (kind, detail) = match verdict {
            Verdict::Undecodable => {
                report.rejected_decode += 1;
                continue;
            }
            Verdict::Rejected => {
                report.rejected += 1;
                continue;
            }
            Verdict::Void => {
                report.void += 1;
                continue;
            }
            Verdict::Accepted(d) => {
                report.accepted += 1;
                (FindingKind::Accepted, d)
            }
            Verdict::Panic(d) => {
                report.panics += 1;
                (FindingKind::Panic, d)
            }
            Verdict::StateChange(d) => {
                report.rejected += 1;
                report.state_changes += 1;
                (FindingKind::StateChange, d)
            }
        };
        report.find(Finding {
            kind,
            origin: case.origin.clone(),
            mutation: Some(op),
            input,
            input_hex: hex::encode(&bytes),
            detail,
        });
    }
}

/// How many shares of the inputs a scenario case gets (a vector case gets
/// one): the scenario cases are few but cover every message kind, the
/// external join and both wire formats of handshakes.
pub const SCENARIO_WEIGHT: usize = 10;

/// Spreads the inputs over the cases by weight: each case gets the
/// remaining inputs times its share of the remaining weight, rounded up.
struct Budget {
    remaining_inputs: usize,
    remaining_weight: usize,
}

impl Budget {
    fn next(&mut self, weight: usize) -> usize {
        if self.remaining_weight == 0 {
            return 0;
        }
        let w = weight.min(self.remaining_weight);
        let b = (self.remaining_inputs * w).div_ceil(self.remaining_weight);
        let b = b.min(self.remaining_inputs);
        self.remaining_weight -= w;
        self.remaining_inputs -= b;
        b
    }
}

fn case_weight(case: &Case) -> usize {
    if case.origin.starts_with("scenario") {
        SCENARIO_WEIGHT
    } else {
        1
    }
}

/// Recent valid messages, for splices and field swaps.
struct Partners {
    items: Vec<(Vec<u8>, MlsMessage)>,
    next: usize,
}

impl Partners {
    const SIZE: usize = 16;

    fn push(&mut self, m: &MlsMessage) {
        let Ok(b) = m.encode() else { return };
        if self.items.len() < Self::SIZE {
            self.items.push((b, m.clone()));
        } else {
            self.items[self.next] = (b, m.clone());
            self.next = (self.next + 1) % Self::SIZE;
        }
    }
}

fn hex_field(v: &Value, k: &str) -> Result<Vec<u8>, String> {
    crate::hex_field(v, k)
}

fn message_field(v: &Value) -> Result<MlsMessage, String> {
    let s = v.as_str().ok_or("message not a string")?;
    decode(&hex::decode(s).map_err(|e| e.to_string())?).map_err(|e| format!("decode: {e}"))
}

/// The number of cases of a passive-client entry (join, proposals, commits).
fn entry_cases(entry: &Value) -> usize {
    1 + entry
        .get("epochs")
        .and_then(Value::as_array)
        .map(|eps| {
            eps.iter()
                .map(|ep| {
                    1 + ep
                        .get("proposals")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                })
                .sum::<usize>()
        })
        .unwrap_or(0)
}

fn entry_suite(entry: &Value) -> Option<CipherSuite> {
    entry
        .get("cipher_suite")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .map(CipherSuite)
}

/// The cases of one passive-client entry, each handed to `each` in order
/// (the state advances through the epochs as the vector prescribes).
fn entry_cases_each(
    provider: &'static dyn CryptoProvider,
    origin: &str,
    entry: &Value,
    each: &mut dyn FnMut(&Case),
) -> Result<(), String> {
    let suite = entry_suite(entry).ok_or("no cipher_suite")?;
    let cs = provider.cipher_suite(suite).ok_or("suite not served")?;
    let mut psks = BTreeMap::new();
    for p in entry
        .get("external_psks")
        .and_then(Value::as_array)
        .ok_or("missing external_psks")?
    {
        psks.insert(hex_field(p, "psk_id")?, hex_field(p, "psk")?);
    }
    let MlsMessageBody::KeyPackage(key_package) =
        message_field(entry.get("key_package").ok_or("no key_package")?)?.body
    else {
        return Err("key_package is not a KeyPackage".into());
    };
    let welcome = message_field(entry.get("welcome").ok_or("no welcome")?)?;
    let init_key = HpkePrivateKey::new(hex_field(entry, "init_priv")?).normalized(cs.info());
    let encryption_key =
        HpkePrivateKey::new(hex_field(entry, "encryption_priv")?).normalized(cs.info());
    let signature_key =
        SignaturePrivateKey::new(hex_field(entry, "signature_priv")?).normalized(cs.info());
    let tree = match entry.get("ratchet_tree") {
        Some(Value::String(s)) => {
            let t: RatchetTreeExt = decode(&hex::decode(s).map_err(|e| e.to_string())?)
                .map_err(|e| format!("ratchet_tree: {e}"))?;
            Some(t.0)
        }
        _ => None,
    };
    let config = GroupConfig::default();
    let join = Case {
        origin: format!("{origin} welcome"),
        message: welcome.clone(),
        target: Target::Join {
            key_package: key_package.clone(),
            init_key: init_key.duplicate(),
            encryption_key: encryption_key.duplicate(),
            signature_key: signature_key.duplicate(),
            tree: tree.clone(),
            psks: psks.clone(),
        },
        suite,
        config,
    };
    each(&join);
    let MlsMessageBody::Welcome(w) = &welcome.body else {
        return Err("welcome is not a Welcome".into());
    };
    let creds = AcceptAllCredentials;
    let mut env = ProcessEnv {
        psks: &psks,
        credentials: &creds,
        now: None,
    };
    let mut group = Group::join(
        provider,
        w,
        &key_package,
        mls_core::key_package::KeyPackagePrivate {
            init_key: init_key.duplicate(),
            encryption_key,
        },
        signature_key,
        tree,
        &mut env,
        config,
    )
    .map_err(|e| format!("join: {e}"))?;
    for (n, ep) in entry
        .get("epochs")
        .and_then(Value::as_array)
        .ok_or("missing epochs")?
        .iter()
        .enumerate()
    {
        let proposals = ep
            .get("proposals")
            .and_then(Value::as_array)
            .ok_or("missing proposals")?;
        let commit = ep.get("commit").ok_or("missing commit")?;
        for (k, p) in proposals.iter().map(Some).chain([None]).enumerate() {
            let (what, v) = match p {
                Some(v) => (format!("proposal {k}"), v),
                None => ("commit".to_string(), commit),
            };
            let message = message_field(v)?;
            let case = Case {
                origin: format!("{origin} epoch {n} {what}"),
                message: message.clone(),
                target: Target::Process {
                    before: snapshot(&group)?,
                    psks: psks.clone(),
                },
                suite,
                config,
            };
            each(&case);
            match group
                .process(provider, &message, &mut env)
                .map_err(|e| format!("epoch {n} {what}: {e}"))?
            {
                Received::Commit(staged) => merge(&mut group, *staged)?,
                Received::Proposal(_) => {}
                other => return Err(format!("epoch {n} {what}: {other:?}")),
            }
        }
    }
    Ok(())
}

/// The scenario cases of one group: built by [`Scenario`] with `config`,
/// then one sender's messages of every kind, each against a receiver.
pub fn scenario_cases(
    provider: &'static dyn CryptoProvider,
    suite: CipherSuite,
    config: GroupConfig,
    seed: u64,
) -> Result<Vec<Case>, String> {
    let cs = provider.cipher_suite(suite).ok_or("suite not served")?;
    let mut s = Scenario::with_config(provider, suite, seed, config);
    s.add_members(3);
    for _ in 0..4 {
        s.random_operation();
    }
    while s.active().len() < 3 {
        s.add_members(2);
    }
    let active = s.active();
    let (r, snd, third) = (active[0], active[1], active[2]);
    let group = |i: usize| s.members[i].group.as_ref().ok_or("inactive");
    let receiver = snapshot(group(r)?)?;
    let sender = snapshot(group(snd)?)?;
    let third_leaf = group(third)?.own_leaf();
    let mut psks = BTreeMap::new();
    psks.insert(b"mutate-psk".to_vec(), vec![7u8; cs.kdf().nh()]);
    let mut rng = TestRng::new(seed ^ 0x5EED);
    let creds = AcceptAllCredentials;
    let mut cases = Vec::new();
    let name = format!(
        "scenario seed {seed:#x} encrypt_handshake={}",
        config.encrypt_handshake
    );
    let process = |what: &str, before: &[u8], message: MlsMessage| Case {
        origin: format!("{name} {what}"),
        message,
        target: Target::Process {
            before: before.to_vec(),
            psks: psks.clone(),
        },
        suite,
        config,
    };
    let e = |e: mls_core::Error| e.to_string();
    let new_kp = |rng: &mut TestRng| -> Result<_, String> {
        let (sk, _) = cs
            .signature()
            .generate_key_pair(rng)
            .map_err(|e| e.to_string())?;
        let (kp, private) = generate_key_package(
            cs,
            KeyPackageParams {
                signer: &sk,
                credential: Credential::Basic(VLBytes::new(b"mutate-joiner".to_vec())),
                capabilities: capabilities(cs),
                lifetime: forever(),
                leaf_extensions: vec![],
                extensions: vec![],
            },
            rng,
        )
        .map_err(e)?;
        Ok((kp, private, sk))
    };

    // Application data and proposals.
    let msg = restore(provider, &sender)?
        .protect(provider, b"mutate", b"aad", &mut rng)
        .map_err(e)?;
    cases.push(process("application", &receiver, msg));
    let msg = restore(provider, &sender)?
        .propose_update(provider, &mut rng)
        .map_err(e)?;
    cases.push(process("update proposal", &receiver, msg));
    let (kp, _, _) = new_kp(&mut rng)?;
    let msg = restore(provider, &sender)?
        .propose_add(provider, kp, &mut rng)
        .map_err(e)?;
    cases.push(process("add proposal", &receiver, msg));
    let msg = restore(provider, &sender)?
        .propose_external_psk(provider, b"mutate-psk".to_vec(), &mut rng)
        .map_err(e)?;
    cases.push(process("psk proposal", &receiver, msg));

    // Commits by value.
    let commit = |options: CommitOptions, rng: &mut TestRng| {
        let mut g = restore(provider, &sender)?;
        let mut env = CommitEnv {
            rng,
            psks: &psks,
            credentials: &creds,
            now: None,
        };
        g.commit(provider, options, &mut env).map_err(e)
    };
    let out = commit(CommitOptions::default(), &mut rng)?;
    cases.push(process("empty commit", &receiver, out.commit));
    let out = commit(
        CommitOptions {
            force_path: true,
            authenticated_data: b"aad".to_vec(),
            ..CommitOptions::default()
        },
        &mut rng,
    )?;
    cases.push(process("path commit", &receiver, out.commit));
    let out = commit(
        CommitOptions {
            proposals: vec![Proposal::Remove(Remove {
                removed: third_leaf,
            })],
            ..CommitOptions::default()
        },
        &mut rng,
    )?;
    cases.push(process("remove commit", &receiver, out.commit));
    // Two joiners: the Welcome has an entry the first joiner cannot read.
    let (kp, private, sk) = new_kp(&mut rng)?;
    let (other, _, _) = new_kp(&mut rng)?;
    let out = commit(
        CommitOptions {
            proposals: vec![
                Proposal::Add(Add {
                    key_package: kp.clone(),
                }),
                Proposal::Add(Add { key_package: other }),
            ],
            ..CommitOptions::default()
        },
        &mut rng,
    )?;
    cases.push(process("add commit", &receiver, out.commit));
    let welcome = out.welcome.ok_or("an Add commit without a Welcome")?;
    cases.push(Case {
        origin: format!("{name} welcome"),
        message: welcome,
        target: Target::Join {
            key_package: kp,
            init_key: private.init_key,
            encryption_key: private.encryption_key,
            signature_key: sk,
            tree: None,
            psks: psks.clone(),
        },
        suite,
        config,
    });

    // A commit by reference: the receiver has cached the proposal.
    {
        let mut g = restore(provider, &sender)?;
        let proposal = g
            .propose_remove(provider, third_leaf, &mut rng)
            .map_err(e)?;
        let mut rcv = restore(provider, &receiver)?;
        let mut env = ProcessEnv {
            psks: &psks,
            credentials: &creds,
            now: None,
        };
        let _ = rcv.process(provider, &proposal, &mut env).map_err(e)?;
        let cached = snapshot(&rcv)?;
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &psks,
            credentials: &creds,
            now: None,
        };
        let out = g
            .commit(
                provider,
                CommitOptions {
                    include_pending: true,
                    ..CommitOptions::default()
                },
                &mut env,
            )
            .map_err(e)?;
        cases.push(process("commit by reference", &cached, out.commit));
    }

    // A GroupInfo, joined by external commit; that commit, received.
    let gi = restore(provider, &sender)?
        .group_info(provider, true)
        .map_err(e)?;
    let gi_msg = MlsMessage {
        body: MlsMessageBody::GroupInfo(gi.clone()),
    };
    cases.push(Case {
        origin: format!("{name} group info"),
        message: gi_msg,
        target: Target::JoinExternal,
        suite,
        config,
    });
    {
        let mut env = CommitEnv {
            rng: &mut rng,
            psks: &psks,
            credentials: &creds,
            now: None,
        };
        let (_, ext_commit) = Group::join_external(
            provider,
            &gi,
            None,
            external_identity(cs)?,
            None,
            &mut env,
            config,
        )
        .map_err(e)?;
        cases.push(process("external commit", &receiver, ext_commit));
    }
    Ok(cases)
}

/// The scenario groups the corpus takes messages from: both wire formats
/// of handshake messages, two seeds each.
pub fn all_scenario_cases(provider: &'static dyn CryptoProvider) -> Result<Vec<Case>, String> {
    let mut out = Vec::new();
    for encrypt_handshake in [false, true] {
        for seed in [0x4D55_7441, 0x7E57] {
            let config = GroupConfig {
                encrypt_handshake,
                ..GroupConfig::default()
            };
            out.extend(scenario_cases(provider, CipherSuite(1), config, seed)?);
        }
    }
    Ok(out)
}

/// The loaded passive-client vector files with their names; `None` when
/// the vectors are missing.
pub fn vector_entries() -> Option<Vec<(String, Vec<Value>)>> {
    let mut out = Vec::new();
    for f in VECTOR_FILES {
        match crate::load(f) {
            Ok(v) => out.push((f.to_string(), v)),
            Err(_) => return None,
        }
    }
    Some(out)
}

/// Every case of the corpus, handed to `each` in a fixed order: scenario
/// cases first, then the vector cases (when `vectors` is given).
/// Returns the number of cases (counted before they are built).
pub fn for_each_case(
    provider: &'static dyn CryptoProvider,
    vectors: Option<&[(String, Vec<Value>)]>,
    each: &mut dyn FnMut(&Case),
) -> Result<(), String> {
    for c in all_scenario_cases(provider)? {
        each(&c);
    }
    for (file, entries) in vectors.unwrap_or_default() {
        for (i, entry) in entries.iter().enumerate() {
            if entry_suite(entry).is_none_or(|s| provider.cipher_suite(s).is_none()) {
                continue;
            }
            entry_cases_each(provider, &format!("{file}#{i}"), entry, each)
                .map_err(|e| format!("{file}#{i}: {e}"))?;
        }
    }
    Ok(())
}

fn total_weight(
    provider: &'static dyn CryptoProvider,
    scenario: usize,
    vectors: Option<&[(String, Vec<Value>)]>,
) -> usize {
    scenario * SCENARIO_WEIGHT
        + vectors
            .unwrap_or_default()
            .iter()
            .flat_map(|(_, es)| es.iter())
            .filter(|e| entry_suite(e).is_some_and(|s| provider.cipher_suite(s).is_some()))
            .map(entry_cases)
            .sum::<usize>()
}

/// Runs the mutation test: at least `options.count` mutated inputs, spread
/// over every case (more passes over the corpus when one is not enough).
pub fn run(provider: &'static dyn CryptoProvider, options: Options) -> Report {
    let mut report = Report::default();
    let vectors = if options.vectors {
        let v = vector_entries();
        report.vectors_missing = v.is_none();
        v
    } else {
        None
    };
    let scenario = match all_scenario_cases(provider) {
        Ok(c) => c.len(),
        Err(e) => {
            report.corpus_errors += 1;
            report.find(Finding {
                kind: FindingKind::Corpus,
                origin: "scenario".into(),
                mutation: None,
                input: 0,
                input_hex: String::new(),
                detail: e,
            });
            return report;
        }
    };
    let weight = total_weight(provider, scenario, vectors.as_deref()).max(1);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut g) = LAST_PANIC.lock() {
            *g = Some(info.to_string());
        }
    }));
    let mut rng = Xorshift::new(options.seed);
    let mut index = 0usize;
    let mut pass = 0;
    while report.tried < options.count && pass < 100 {
        pass += 1;
        let tried_before = report.tried;
        let mut budget = Budget {
            remaining_inputs: options.count - report.tried,
            remaining_weight: weight,
        };
        let mut partners = Partners {
            items: Vec::new(),
            next: 0,
        };
        let result = for_each_case(provider, vectors.as_deref(), &mut |case| {
            partners.push(&case.message);
            let b = budget.next(case_weight(case));
            run_case(
                provider,
                case,
                b,
                &partners.items,
                &mut rng,
                &mut index,
                &mut report,
            );
        });
        if let Err(e) = result {
            report.corpus_errors += 1;
            report.find(Finding {
                kind: FindingKind::Corpus,
                origin: "corpus".into(),
                mutation: None,
                input: index,
                input_hex: String::new(),
                detail: e,
            });
            break;
        }
        if report.tried == tried_before {
            break;
        }
    }
    std::panic::set_hook(previous);
    report
}

/// Every encoded structure of the official vectors a fuzz target can take,
/// as `(file:field, bytes)`: the messages of `messages.json` (proposal
/// bodies with their ProposalType prepended, so they decode as a
/// Proposal), the Welcomes of `welcome.json` and the passive-client files,
/// and every ratchet tree (`tree-validation.json`, `treekem.json`,
/// `tree-operations.json`, the passive-client files). `None` when the
/// vectors are missing. For seed corpora (`cargo xtask fuzz-corpus`).
pub fn vector_seeds() -> Option<Vec<(String, Vec<u8>)>> {
    const PROPOSALS: &[(&str, u16)] = &[
        ("add_proposal", 1),
        ("update_proposal", 2),
        ("remove_proposal", 3),
        ("pre_shared_key_proposal", 4),
        ("re_init_proposal", 5),
        ("external_init_proposal", 6),
        ("group_context_extensions_proposal", 7),
    ];
    const FIELDS: &[(&str, &[&str])] = &[
        (
            "messages.json",
            &[
                "mls_welcome",
                "mls_group_info",
                "mls_key_package",
                "ratchet_tree",
                "commit",
                "public_message_application",
                "public_message_proposal",
                "public_message_commit",
                "private_message",
            ],
        ),
        ("welcome.json", &["welcome", "key_package"]),
        ("tree-validation.json", &["tree"]),
        ("treekem.json", &["ratchet_tree"]),
        ("tree-operations.json", &["tree_before", "tree_after"]),
        ("passive-client-welcome.json", &["welcome", "ratchet_tree"]),
        (
            "passive-client-handling-commit.json",
            &["welcome", "ratchet_tree"],
        ),
        ("passive-client-random.json", &["welcome", "ratchet_tree"]),
    ];
    let mut out = Vec::new();
    for (file, fields) in FIELDS {
        let entries = crate::load(file).ok()?;
        for e in &entries {
            for f in *fields {
                if let Ok(b) = crate::hex_field(e, f) {
                    out.push((format!("{file}:{f}"), b));
                }
            }
            if *file == "messages.json" {
                for (f, t) in PROPOSALS {
                    if let Ok(b) = crate::hex_field(e, f) {
                        let mut p = t.to_be_bytes().to_vec();
                        p.extend_from_slice(&b);
                        out.push((format!("{file}:{f}"), p));
                    }
                }
            }
        }
    }
    Some(out)
}
