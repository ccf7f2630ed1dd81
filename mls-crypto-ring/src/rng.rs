//! Randomness: [`SystemRng`], the operating system's generator through
//! `ring::rand::SystemRandom`, for applications to pass in where the core
//! asks for `&mut dyn Rng`.

use mls_core::crypto::{CryptoError, Rng};
use ring::rand::{SecureRandom, SystemRandom};

/// The operating system's generator (`ring::rand::SystemRandom`). The core
/// never has a generator of its own: pass `&mut SystemRng::new()` where it
/// asks for `&mut dyn Rng`.
#[derive(Debug, Clone)]
pub struct SystemRng(SystemRandom);

impl SystemRng {
    /// A handle on the operating system's generator.
    pub fn new() -> Self {
        Self(SystemRandom::new())
    }
}

impl Default for SystemRng {
    fn default() -> Self {
        Self::new()
    }
}

impl Rng for SystemRng {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), CryptoError> {
        self.0.fill(out).map_err(|_| CryptoError::RngFailure)
    }
}
