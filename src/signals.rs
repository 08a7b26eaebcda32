//! Signals: waiting for the ones that ask gatewalk to stop (Ctrl-C, SIGTERM),
//! which front ends race against their work, and the few libc signal calls
//! gatewalk makes, kept here as safe functions (the crate denies unsafe code
//! everywhere else).

/// Resolves when SIGTERM arrives (never, if it cannot be listened for).
pub async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

/// Resolves with the signal's name when Ctrl-C or SIGTERM arrives.
pub async fn interrupt() -> &'static str {
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
        () = terminate() => "SIGTERM",
    }
}

/// A process id as kill(2) and waitpid(2) take it. Zero and values past
/// `i32::MAX` would name a process group or every process, so they are refused.
fn one_process(pid: u32) -> Option<libc::pid_t> {
    libc::pid_t::try_from(pid).ok().filter(|p| *p > 0)
}

/// Sends `sig` to process `pid` (signal 0 only checks that it exists);
/// true when the signal was delivered.
#[allow(unsafe_code)]
pub fn send(pid: u32, sig: i32) -> bool {
    let Some(pid) = one_process(pid) else {
        return false;
    };
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    unsafe { libc::kill(pid, sig) == 0 }
}

/// Reaps `pid` if it is an exited child of this process; never blocks.
#[allow(unsafe_code)]
pub fn reap(pid: u32) {
    let Some(pid) = one_process(pid) else {
        return;
    };
    // SAFETY: waitpid(2) accepts a null status pointer; WNOHANG never blocks.
    unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
}

/// Gives SIGPIPE its default action back (Rust ignores it), so output piped
/// into `head` and closed early ends gatewalk quietly, as it ends every Unix
/// tool, instead of a panic from `println!`. Call first in `main`.
#[allow(unsafe_code)]
pub fn default_sigpipe() {
    // SAFETY: called before any other thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
