//! The `etalage` binary: the command line in front of the library.
use std::process::ExitCode;

fn main() -> ExitCode {
    etalage::cli::main()
}
