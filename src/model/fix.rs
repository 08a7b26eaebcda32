//! How to fix a failed check, typed, so the CLI and the wizard each word it
//! their own way.

use super::StepId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How to fix a failed check, typed so each front end words it its own way:
/// the CLI names a command, the wizard a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Apply this step (again).
    Apply(StepId),
    /// An AWS CLI command that fixes it by hand.
    Aws(String),
    /// Anything else, in words for both front ends.
    Text(String),
}

impl Fix {
    /// How the headless CLI (and JSON output) words it.
    pub fn for_cli(&self) -> String {
        match self {
            Fix::Apply(s) => format!("run `gatewalk apply --through {s}`"),
            Fix::Aws(c) | Fix::Text(c) => c.clone(),
        }
    }
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.for_cli())
    }
}

/// Words become a fix: an `aws …` command line is an [`Fix::Aws`], the CLI's
/// own "run `gatewalk apply --through STEP`" an [`Fix::Apply`], the rest text.
impl From<String> for Fix {
    fn from(s: String) -> Self {
        if let Some(step) = s
            .strip_prefix("run `gatewalk apply --through ")
            .and_then(|r| r.strip_suffix('`'))
            .and_then(|r| StepId::parse(r).ok())
        {
            Fix::Apply(step)
        } else if s.starts_with("aws ") {
            Fix::Aws(s)
        } else {
            Fix::Text(s)
        }
    }
}

impl From<&str> for Fix {
    fn from(s: &str) -> Self {
        Fix::from(s.to_string())
    }
}

impl Serialize for Fix {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        ser.serialize_str(&self.for_cli())
    }
}

impl<'de> Deserialize<'de> for Fix {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(de).map(Fix::from)
    }
}
