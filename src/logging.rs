//! Logging to a file (never to stdout, which belongs to command output and,
//! later, the TUI). Level from `GATEWALK_LOG` (tracing's filter syntax).
//! Every secret gatewalk learns (the secret key and session token of the
//! credentials in use) is replaced by `[redacted]` in whatever is written, at
//! every level.

use crate::session::store::{ensure_private_dir, home_dir};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};
use tracing_subscriber::EnvFilter;

/// Secrets shorter than this are not secrets gatewalk could hold (AWS secret
/// keys are 40 characters, session tokens hundreds); skipping them keeps a
/// throwaway sandbox key from blanking ordinary words.
const SHORTEST_SECRET: usize = 16;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Registers a secret: from now on the log never shows it.
pub fn redact(secret: &str) {
    if secret.len() < SHORTEST_SECRET {
        return;
    }
    if let Ok(mut v) = SECRETS.write()
        && !v.iter().any(|s| s == secret)
    {
        v.push(secret.to_string());
    }
}

/// `text` with every registered secret replaced.
pub fn scrub(text: &str) -> String {
    let mut out = text.to_string();
    if let Ok(v) = SECRETS.read() {
        for s in v.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[redacted]");
            }
        }
    }
    out
}

/// The log file, scrubbing each event as it is written (the formatter hands
/// over one whole event per write).
struct Redacting(File);

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Starts logging to `<home>/logs/gatewalk.log`; returns the log file's path.
pub fn init() -> Result<PathBuf, String> {
    for var in [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ] {
        if let Ok(v) = std::env::var(var) {
            redact(&v);
        }
    }
    let home = home_dir().map_err(|e| e.to_string())?;
    let dir = home.join("logs");
    ensure_private_dir(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("gatewalk.log");
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // SDK transport internals are noise for users; keep our own info and up.
    let filter = EnvFilter::try_from_env("GATEWALK_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn,aws_sdk_sts=warn")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(Redacting(file)))
        .try_init()
        .map_err(|e| e.to_string())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_scrubbed() {
        redact("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        redact("short");
        let s = scrub("signing with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, key short");
        assert_eq!(s, "signing with [redacted], key short");
    }
}
