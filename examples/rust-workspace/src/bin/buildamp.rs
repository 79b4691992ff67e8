//! `cargo run --bin buildamp migrate --generate` and friends: runs buildamp's
//! Python CLI with these arguments.
fn main() {
    buildamp::cli_main()
}
