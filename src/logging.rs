//! Logging to a file (never to stdout, which belongs to command output and,
//! later, the TUI). Level from `GATEWALK_LOG` (tracing's filter syntax).

use crate::session::store::{ensure_private_dir, home_dir};
use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// Starts logging to `<home>/logs/gatewalk.log`; returns the log file's path.
pub fn init() -> Result<PathBuf, String> {
    let home = home_dir().map_err(|e| e.to_string())?;
    let dir = home.join("logs");
    ensure_private_dir(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("gatewalk.log");
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // SDK transport internals are noise for users; keep our own info and up.
    let filter = EnvFilter::try_from_env("GATEWALK_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn,aws_sdk_sts=warn")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .map_err(|e| e.to_string())?;
    Ok(path)
}
