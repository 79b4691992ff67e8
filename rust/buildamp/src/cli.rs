//! `cargo run --bin buildamp ...`: hand the arguments to the Python CLI.

use std::env;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{self, Command};

/// Set in the child's environment so a second copy of this launcher (say one
/// installed with `cargo install` as `buildamp`) never searches PATH again and
/// loops forever.
const GUARD: &str = "BUILDAMP_LAUNCHED_BY";

/// Exit status for "could not start buildamp", the CLI's own "bad input" code.
const EXIT_USAGE: i32 = 2;

/// Runs buildamp's Python CLI with this process's arguments (without `argv[0]`)
/// and exits with its exit code.
///
/// The CLI is, in order:
/// 1. `$BUILDAMP_PYTHON -m buildamp` when `BUILDAMP_PYTHON` is set (an
///    explicit choice beats whatever happens to be on PATH);
/// 2. the `buildamp` command on `PATH` (not this program itself);
/// 3. otherwise one line on stderr saying how to install it, and exit 2.
///
/// On Unix the CLI replaces this process (`exec`), so signals such as Ctrl-C
/// and the exit status pass straight through; elsewhere it runs as a child.
///
/// A project gets `cargo run --bin buildamp migrate --generate` with
/// `src/bin/buildamp.rs`:
///
/// ```no_run
/// // src/bin/buildamp.rs
/// fn main() {
///     buildamp::cli_main()
/// }
/// ```
#[allow(clippy::needless_doctest_main)] // the doc shows a whole file
pub fn cli_main() -> ! {
    let args: Vec<OsString> = env::args_os().skip(1).collect();
    let launcher = locate(
        env::var_os("BUILDAMP_PYTHON"),
        env::var_os("PATH"),
        env::current_exe().ok(),
        env::var_os(GUARD).is_some(),
    );
    let mut command = match launcher {
        Some(launcher) => launcher.command(),
        None => {
            eprintln!(
                "buildamp: the buildamp CLI was not found: install it with `pip install buildamp` \
                 (puts `buildamp` on PATH) or set BUILDAMP_PYTHON to a Python that has it"
            );
            process::exit(EXIT_USAGE)
        }
    };
    command.args(&args);
    if let Ok(me) = env::current_exe() {
        command.env(GUARD, me);
    }
    process::exit(run(command))
}

/// What runs the CLI.
#[derive(Debug, PartialEq, Eq)]
enum Launcher {
    /// A `buildamp` executable.
    Executable(PathBuf),
    /// `<python> -m buildamp`.
    Python(OsString),
}

impl Launcher {
    fn command(&self) -> Command {
        match self {
            Launcher::Executable(path) => Command::new(path),
            Launcher::Python(python) => {
                let mut command = Command::new(python);
                command.args(["-m", "buildamp"]);
                command
            }
        }
    }
}

/// Picks the CLI from the environment; see [`cli_main`] for the order.
fn locate(
    python: Option<OsString>,
    path: Option<OsString>,
    current_exe: Option<PathBuf>,
    launched_by_us: bool,
) -> Option<Launcher> {
    if let Some(python) = python.filter(|p| !p.is_empty()) {
        return Some(Launcher::Python(python));
    }
    if launched_by_us {
        return None;
    }
    let me = current_exe.and_then(|exe| fs::canonicalize(exe).ok());
    let name = format!("buildamp{}", env::consts::EXE_SUFFIX);
    env::split_paths(&path?)
        .map(|dir| dir.join(&name))
        .find(|candidate| {
            is_executable(candidate) && (me.is_none() || fs::canonicalize(candidate).ok() != me)
        })
        .map(Launcher::Executable)
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Runs `command` in place of this process; returns only on failure.
#[cfg(unix)]
fn run(mut command: Command) -> i32 {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    report_start_failure(command.get_program(), &error)
}

/// Runs `command` and returns its exit code.
#[cfg(not(unix))]
fn run(mut command: Command) -> i32 {
    match command.status() {
        Ok(status) => status.code().unwrap_or(1),
        Err(error) => report_start_failure(command.get_program(), &error),
    }
}

fn report_start_failure(program: &OsStr, error: &std::io::Error) -> i32 {
    eprintln!(
        "buildamp: could not run {}: {} (check BUILDAMP_PYTHON or reinstall with `pip install buildamp`)",
        Path::new(program).display(),
        error
    );
    EXIT_USAGE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = env::temp_dir().join(format!("buildamp-cli-{}-{}", name, process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        #[cfg(unix)]
        fn executable(&self, name: &str) -> PathBuf {
            use std::os::unix::fs::PermissionsExt;
            let path = self.0.join(name);
            fs::write(&path, "#!/bin/sh\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn buildamp_python_wins_over_path() {
        let found = locate(Some("python3".into()), Some("/usr/bin".into()), None, false);
        assert_eq!(found, Some(Launcher::Python("python3".into())));
    }

    #[test]
    fn nothing_found_without_path_or_python() {
        assert_eq!(locate(None, None, None, false), None);
        assert_eq!(locate(Some("".into()), Some("".into()), None, false), None);
    }

    #[cfg(unix)]
    #[test]
    fn finds_buildamp_on_path_but_not_itself() {
        let first = Scratch::new("first");
        let second = Scratch::new("second");
        let me = first.executable("buildamp");
        let other = second.executable("buildamp");
        let path = env::join_paths([&first.0, &second.0]).unwrap();
        assert_eq!(
            locate(None, Some(path.clone()), None, false),
            Some(Launcher::Executable(me.clone()))
        );
        assert_eq!(
            locate(None, Some(path.clone()), Some(me), false),
            Some(Launcher::Executable(other))
        );
        // Started by another launcher: never search PATH again.
        assert_eq!(locate(None, Some(path), None, true), None);
    }

    #[cfg(unix)]
    #[test]
    fn skips_files_that_are_not_executable() {
        let dir = Scratch::new("plain");
        fs::write(dir.0.join("buildamp"), "").unwrap();
        assert_eq!(locate(None, Some(dir.0.clone().into()), None, false), None);
    }
}
