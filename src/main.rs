//! fargate-stack: build and run AWS ECS Fargate stacks from one YAML file.
//! This file only wires things up: arguments, logging, the runtime, and the
//! mapping from errors to exit codes (0 ok, 1 failure, 2 bad input).

mod aws;
mod cli;
mod commands;
mod config;
mod discovery;
mod engine;
mod error;
mod output;
mod ownership;
mod plan;
mod resources;
mod settings;

#[cfg(test)]
mod fixture;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn init_logging(g: &cli::Global) {
    let level = match g.log_level {
        cli::LogLevel::Trace => "trace",
        cli::LogLevel::Debug => "debug",
        cli::LogLevel::Info => "info",
        cli::LogLevel::Warn => "warn",
        cli::LogLevel::Error => "error",
    };
    let filter = EnvFilter::try_from_env("FARGATE_STACK_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("error,fargate_stack={level}")));
    let ansi = match g.color_flag() {
        Some(c) => c,
        None => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false);
    if g.no_log_time {
        builder.without_time().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    // `fargate-stack plan | head -1`: a closed pipe ends the process quietly,
    // as it does for other command-line tools, instead of a panic.
    // SAFETY: restoring the default disposition of one signal, before any
    // thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = cli::Cli::parse();
    init_logging(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::note(format!("error: cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    let own_interrupt = commands::handles_interrupt(&cli);
    let result = runtime.block_on(async {
        if own_interrupt {
            return commands::run(cli).await;
        }
        tokio::select! {
            r = commands::run(cli) => r,
            _ = tokio::signal::ctrl_c() => {
                output::note("interrupted");
                Ok(130)
            }
        }
    });
    // A thread still blocked reading the terminal (a prompt answered with
    // Ctrl-C) must not hold the exit until Enter.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
            output::note(format!("error: {}", chain.join(": ")));
            ExitCode::from(error::exit_code(&err))
        }
    }
}
