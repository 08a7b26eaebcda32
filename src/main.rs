//! The `gatewalk` binary: parse the command line, start logging, hand off.

use clap::Parser;

fn main() -> std::process::ExitCode {
    gatewalk::signals::default_sigpipe();
    let args = gatewalk::cli::Args::parse();
    // Logging must never stop the tool; say once why it is off.
    if let Err(e) = gatewalk::logging::init() {
        eprintln!("gatewalk: logging disabled: {e}");
    }
    gatewalk::cli::run(args, &gatewalk::steps::ENGINE)
}
