//! Waiting for the signals that ask gatewalk to stop: Ctrl-C (SIGINT) and
//! SIGTERM. Front ends race these against their work.

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
        _ = terminate() => "SIGTERM",
    }
}
