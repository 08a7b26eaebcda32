//! The `gatewalk` binary: parse the command line, start logging, hand off.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Output piped into `head` and closed early ends gatewalk quietly, as it
    // ends every Unix tool, instead of a panic from println!. Rust ignores
    // SIGPIPE by default; this restores the default before any thread starts.
    // SAFETY: called first in main, while the process has a single thread.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = gatewalk::cli::Args::parse();
    // Logging must never stop the tool; say once why it is off.
    if let Err(e) = gatewalk::logging::init() {
        eprintln!("gatewalk: logging disabled: {e}");
    }
    gatewalk::cli::run(args)
}
