//! gatewalk: a wizard that builds Fargate in a private subnet behind an internal NLB,
//! published through an API Gateway REST API and a VPC Link, one checked step at a time.
//!
//! The library is the engine (steps, sessions, AWS access, sandbox); the binary's
//! headless CLI (and later the TUI) are front ends over it.

pub mod aws;
pub mod cli;
pub mod error;
pub mod logging;
pub mod model;
pub mod progress;
pub mod sandbox;
pub mod session;
pub mod signals;
pub mod steps;
pub mod text;
pub mod tui;

pub use error::{Error, Result};
