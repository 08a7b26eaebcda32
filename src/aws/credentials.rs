//! Which credentials gatewalk uses, resolved as the AWS CLI resolves them, and
//! every secret it sees handed to the log's redactor before any request is
//! signed with it.
//!
//! The rules gatewalk claims (AWS CLI user guide, "Configuration and
//! credentials precedence":
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-chap-configure.html#configure-precedence>,
//! and "Precedence of options" in
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html>):
//! 1. `--profile NAME` beats the environment's keys (`AWS_ACCESS_KEY_ID`, …):
//!    the credentials come from that profile.
//! 2. `--profile NAME` beats `AWS_PROFILE`.
//! 3. Without `--profile`, the environment's keys beat `AWS_PROFILE` and the
//!    profile files.
//! 4. A profile that no config or credentials file defines — named by
//!    `--profile` or `AWS_PROFILE` — is an error naming the files read.
//! 5. `--region` beats `AWS_REGION`, which beats `AWS_DEFAULT_REGION`, which
//!    beats the profile's `region` (aws-config's region chain does this).

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};
use std::path::PathBuf;

/// The profile to use and where it came from, or `None` for the default chain.
pub fn chosen_profile(flag: Option<&str>) -> Option<(String, &'static str)> {
    if let Some(p) = flag {
        return Some((p.to_string(), "--profile"));
    }
    std::env::var("AWS_PROFILE")
        .ok()
        .filter(|p| !p.is_empty())
        .map(|p| (p, "AWS_PROFILE"))
}

/// The config and credentials files the SDK reads, as the AWS CLI names them.
pub fn profile_files() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let pick = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map_or_else(|| home.join(".aws").join(default), PathBuf::from)
    };
    vec![
        pick("AWS_CONFIG_FILE", "config"),
        pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
}

/// Refuses a profile that no profile file defines (rule 4), before any call.
pub async fn check_profile_exists(name: &str, source: &str) -> Result<(), String> {
    let shown = crate::text::shown(name);
    crate::text::printable(name).map_err(|m| format!("{source}: {m}"))?;
    let files: Vec<String> = profile_files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let set = aws_config::profile::parser::load(
        &Fs::real(),
        &Env::real(),
        &EnvConfigFiles::default(),
        None,
    )
    .await
    .map_err(|e| {
        format!(
            "cannot read the AWS profile files ({}): {e}",
            files.join(", ")
        )
    })?;
    if set.get_profile(name).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = set.profiles().collect();
    let known = if known.is_empty() {
        "they define no profile".to_string()
    } else {
        format!("they define: {}", known.join(", "))
    };
    Err(format!(
        "{source} names profile `{shown}`, which is not in {} ({known}).\n  hint: check the name, or create it with `aws configure --profile {shown}`",
        files.join(" or ")
    ))
}

/// A credentials provider that registers every secret it hands out with the
/// log redactor, so no log level can write a secret key or session token.
#[derive(Debug)]
pub struct Registering(pub SharedCredentialsProvider);

impl ProvideCredentials for Registering {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let c = self.0.provide_credentials().await?;
            crate::logging::redact(c.secret_access_key());
            if let Some(t) = c.session_token() {
                crate::logging::redact(t);
            }
            Ok(c)
        })
    }
}
