//! The `etalage` command line, built inside the test package: Cargo builds it from the current
//! source before the end-to-end tests run and tells them where it is, so that a test can run
//! the server as a process of its own — and kill it without warning.
use std::process::ExitCode;

fn main() -> ExitCode {
    etalage::cli::main()
}
