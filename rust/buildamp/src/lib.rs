//! Model-side support for buildamp: the crate a Rust project depends on so its
//! model files compile, and the `cargo run --bin buildamp` entry point.
//!
//! buildamp itself is a Python tool that reads model files as text; nothing
//! here generates SQL. This crate only makes the model vocabulary legal Rust:
//!
//! * [`BuildAmpDomain`](macro@BuildAmpDomain) (derive) and
//!   [`buildamp_domain`] (attribute) mark a struct as a table and make the
//!   `#[table(...)]` / `#[migration(...)]` options legal on it and its fields;
//! * [`framework`] holds the framework types (`DatabaseId<T>`, `Timestamp`, ...);
//! * [`cli_main`] runs the Python CLI, so a project gets the seed's command with
//!   `src/bin/buildamp.rs` = `fn main() { buildamp::cli_main() }`.
//!
//! ```
//! use buildamp::prelude::*;
//!
//! #[derive(BuildAmpDomain)]
//! #[table(name = "users", indexes = ["created_at DESC"])]
//! pub struct User {
//!     pub id: DatabaseId<String>,
//!     #[migration(unique = true)]
//!     pub username: String,
//!     pub created_at: CreateTimestamp,
//! }
//!
//! fn is_model<M: BuildAmpDomain>() {}
//! is_model::<User>();
//! ```
//!
//! Targets Rust 1.63 (Debian's cargo) and has no dependencies, so it builds
//! offline.

pub mod framework;

mod cli;

pub use buildamp_macros::{buildamp_domain, BuildAmpDomain};
pub use cli::cli_main;

/// Implemented by `#[derive(BuildAmpDomain)]`: the type is a buildamp model
/// (a table). It has no methods; it exists so generic code can ask for a model
/// (`fn register<M: BuildAmpDomain>()`), and so the derive expands to
/// something a reader of `cargo expand` recognises.
///
/// The derive refuses what cannot be a table, with a compile error:
///
/// ```compile_fail
/// #[derive(buildamp::BuildAmpDomain)] // generic: no single column type for `id`
/// pub struct Wrapper<T> {
///     pub id: T,
/// }
/// ```
///
/// ```compile_fail
/// #[derive(buildamp::BuildAmpDomain)] // enums are column types, not tables
/// pub enum Status {
///     Active,
/// }
/// ```
pub trait BuildAmpDomain {}

/// Everything a model file uses: `use buildamp::prelude::*;`.
///
/// A crate can instead put `#[macro_use] extern crate buildamp;` at its root
/// to make the macros (not the types) visible in every module, which lets
/// model files compile unchanged without a `use` line.
pub mod prelude {
    pub use crate::framework::*;
    pub use crate::{buildamp_domain, BuildAmpDomain};
}
