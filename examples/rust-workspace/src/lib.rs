//! The blog's domain models. They live under `models/`, where buildamp reads
//! them (see `buildamp.toml`), and compile here as ordinary modules.

// Brings `#[derive(BuildAmpDomain)]` and `#[buildamp_domain]` into every
// module, so the model files need no `use` line.
#[macro_use]
extern crate buildamp;

#[path = "../models/users/users_domain.rs"]
pub mod users_domain;

#[path = "../models/comments/comments_domain.rs"]
pub mod comments_domain;

pub use comments_domain::Comment;
pub use users_domain::{User, UserStatus};
