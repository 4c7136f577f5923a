//! Discovery: what the account already has. Everything here is read-only,
//! and independent look-ups run concurrently. The result is an `Observed`
//! snapshot that the pure planner compares with the config.

pub mod efs;
pub mod identity;
pub mod images;
pub mod network;
pub mod running;
pub mod secrets;
pub mod web;

pub use identity::{Identity, identity, partition_of_region};
pub use images::ResolvedImage;
pub use network::Network;
