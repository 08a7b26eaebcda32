//! Every integration test, in one test binary: the SDK crates are linked once
//! instead of once per file. Each module is one area, tested as a user meets it —
//! separate processes against the emulator behind the strict-AWS layer, unless the
//! module says otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that unwraps fails with the message

mod common;

mod account_sessions;
mod adopt;

mod bad_input;
mod classroom;
mod cli;
mod cli_hints;
mod cli_output;
mod cli_plan;
mod cli_shell;
mod container_logs;
mod crash_safety;
mod data_plane;
mod dns_name;
mod doctor;
mod egress_endpoints;
mod exercises;
mod full_deployment;
mod iam_policy;
mod inputs;
mod ownership;
mod service_step;
mod session_store;
mod smoke_test;
mod steps_emulator;
mod strict_layer_data;
mod strict_layer_dns;
mod strict_layer_ecs;
mod strict_layer_endpoints;
mod strict_layer_network;
mod strict_layer_tls;
mod strict_regressions;
mod tls;
mod tui_adopt;
mod tui_flow;
mod tui_newcomer;
mod tui_screens;
