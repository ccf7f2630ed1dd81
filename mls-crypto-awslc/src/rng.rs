//! [`SystemRng`]: AWS-LC's generator presented as the core's [`Rng`].

use mls_core::crypto::{CryptoError, Rng};

/// AWS-LC's system generator (aws-lc-rs `rand::fill`), the application's
/// default source of randomness when it uses this backend. The core never
/// has one of its own: pass `&mut SystemRng` where it asks for
/// `&mut dyn Rng`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRng;

impl Rng for SystemRng {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), CryptoError> {
        aws_lc_rs::rand::fill(out).map_err(|_| CryptoError::RngFailure)
    }
}
