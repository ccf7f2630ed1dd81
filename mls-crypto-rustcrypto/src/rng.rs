//! Randomness: the `rand_core` 0.10 adapter over the core's `&mut dyn Rng`,
//! and [`SystemRng`] (also named [`OsRng`]), the operating system's
//! generator via `getrandom`. Every backend names its generator
//! `SystemRng`, so that switching backends changes one `use` line.

use core::convert::Infallible;
use core::fmt;

use mls_core::crypto::{CryptoError, Rng};

/// The operating system's generator (`getrandom`), the application's
/// default source of randomness. The core never has one of its own: pass
/// `&mut SystemRng` where it asks for `&mut dyn Rng`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRng;

/// [`SystemRng`] under its earlier name.
pub use SystemRng as OsRng;

impl Rng for SystemRng {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), CryptoError> {
        getrandom::fill(out).map_err(|_| CryptoError::RngFailure)
    }
}

/// Presents a `&mut dyn mls_core::crypto::Rng` as a `rand_core` 0.10
/// `CryptoRng` (the generation shared by `hpke`, the curve crates and the
/// dalek crates).
///
/// `rand_core::CryptoRng` is infallible while the core's `Rng` is not: a
/// failure of the underlying generator is recorded, the requested bytes
/// are zero-filled, and [`RandCoreRng::finish`] reports
/// [`CryptoError::RngFailure`]. Callers must call `finish` after the
/// operation and discard its result on error. (The only user, HPKE
/// encapsulation, draws its Nsk ephemeral bytes in one call and never loops
/// on them.)
pub struct RandCoreRng<'a> {
    rng: &'a mut dyn Rng,
    failed: bool,
}

impl fmt::Debug for RandCoreRng<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandCoreRng")
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<'a> RandCoreRng<'a> {
    /// Wraps `rng`.
    pub fn new(rng: &'a mut dyn Rng) -> Self {
        Self { rng, failed: false }
    }

    /// True when the underlying generator has failed at least once.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// `Err(RngFailure)` when the underlying generator failed during use.
    pub fn finish(self) -> Result<(), CryptoError> {
        if self.failed {
            Err(CryptoError::RngFailure)
        } else {
            Ok(())
        }
    }

    fn fill(&mut self, dst: &mut [u8]) {
        if self.failed || self.rng.fill(dst).is_err() {
            self.failed = true;
            dst.fill(0);
        }
    }
}

impl rand_core::TryRng for RandCoreRng<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for RandCoreRng<'_> {}
