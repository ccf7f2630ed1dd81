//! One implementation (with one crypto backend and suite) as the report
//! drives it: every operation takes and returns wire bytes, so encoding
//! and decoding are inside the timing.

/// Identifies a measured configuration.
#[derive(Debug, Clone)]
pub struct Label {
    /// "ours", "openmls" or "mls-rs".
    pub implementation: &'static str,
    /// The crypto backend / provider.
    pub backend: &'static str,
    /// The cipher suite.
    pub suite: u16,
}

/// The operations the report times, for one implementation.
pub trait Mls {
    /// A member's state in the group (with whatever client context the
    /// implementation needs to act on it).
    type Member;
    /// A client with one KeyPackage, not in a group yet.
    type Joiner;

    fn label(&self) -> Label;
    /// A one-member group, created by "m0".
    fn create(&self) -> Self::Member;
    /// Client `i` and its KeyPackage (`MLSMessage` bytes).
    fn joiner(&self, i: usize) -> (Self::Joiner, Vec<u8>);
    /// An independent copy of a member's state (not measured).
    fn fork(&self, m: &Self::Member) -> Self::Member;
    /// An independent copy of a joiner that can join again (not measured).
    fn fork_joiner(&self, j: &Self::Joiner) -> Self::Joiner;
    /// Commits Adds of the KeyPackages with an UpdatePath and merges;
    /// returns the Commit and the Welcome.
    fn add(&self, m: &mut Self::Member, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>);
    /// Joins from a Welcome carrying the ratchet tree.
    fn join(&self, j: Self::Joiner, welcome: &[u8]) -> Self::Member;
    /// Commits a full-path update (an empty commit with an UpdatePath) and merges.
    fn update(&self, m: &mut Self::Member) -> Vec<u8>;
    /// Commits the removal of `leaf` (with its UpdatePath) and merges.
    fn remove(&self, m: &mut Self::Member, leaf: u32) -> Vec<u8>;
    /// Processes a commit from another member and merges it.
    fn process(&self, m: &mut Self::Member, commit: &[u8]);
    /// Encrypts application data.
    fn seal(&self, m: &mut Self::Member, data: &[u8]) -> Vec<u8>;
    /// Decrypts an application message; returns the data's length.
    fn open(&self, m: &mut Self::Member, message: &[u8]) -> usize;
    /// The member's leaf index.
    fn leaf(&self, m: &Self::Member) -> u32;
}
