//! gatewalk: a wizard that builds Fargate in a private subnet behind an internal NLB,
//! published through an API Gateway REST API and a VPC Link, one checked step at a time.
//!
//! The library is the engine (steps, sessions, AWS access, sandbox) and its
//! two front ends, the headless CLI and the TUI. The front ends reach the
//! steps only through [`engine::Engine`], which the binary hands them
//! (`steps::ENGINE`); below both sit the shared words ([`model`]), the inputs
//! ([`inputs`]) and the summary of what was built ([`summary`]).

pub mod aws;
pub mod classroom;
pub mod cli;
pub mod discover;
pub mod engine;
pub mod error;
pub mod inputs;
pub mod logging;
pub mod model;
pub mod progress;
pub mod sandbox;
pub mod session;
pub mod signals;
pub mod steps;
pub mod summary;
pub mod text;
pub mod tui;

pub use error::{Error, Result};
