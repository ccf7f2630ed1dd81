//! One [`Peer`](crate::peer::Peer) adapter per implementation.

pub mod mls_rs;
pub mod openmls;
pub mod ours;
