//! The `etalage` binary: the command line in front of the library.
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    etalage::cli::main().await
}
