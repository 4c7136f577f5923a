//! Integration tests: the real binary against a moto server (one per test,
//! on a free port, through scripts/moto_server.py). All tests compile into
//! this one binary to keep build time down.

mod support;

mod architecture;
mod aws_models;
mod bad_input;
mod cli;
mod config_file;
mod converge;
mod create_stack;
mod destroy;
mod discovery;
mod import;
mod lifecycle;
mod operations;
mod robustness;
mod safety;
mod schedules;
mod state;
mod web;
mod worker;
