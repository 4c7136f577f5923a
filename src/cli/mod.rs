//! Command-line arguments, and nothing else: clap structs whose doc comments
//! are the `--help` text. Global options may come before or after the
//! subcommand, as in the original.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

const AFTER_HELP: &str = "\
Examples:
  fargate-stack create-stack my-app daemon:worker image:my-repo
  fargate-stack plan -c my-app.yml
  fargate-stack apply -c my-app.yml

Config file: --config, else the one saved with `fargate-stack state FILE`,
else $FARGATE_STACK_CONFIG, else fargate-stack.yml.
Exit codes: 0 success, 1 failure (AWS or network), 2 bad input.";

/// The version and the commit it was built from (see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("FARGATE_STACK_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "fargate-stack",
    version = VERSION,
    about = "Build and run AWS ECS Fargate stacks from one YAML file",
    long_about = "Build and run AWS ECS Fargate stacks from one YAML file.\n\nThe config file is also the state: `plan` and `apply` write the IDs and ARNs they discover back into it, keeping your comments.",
    disable_version_flag = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When stdout is a terminal and NO_COLOR is unset
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Config file (YAML)
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// AWS profile (default: the saved one, then the config's `profile`, then AWS_PROFILE)
    #[arg(short = 'p', long, global = true)]
    pub profile: Option<String>,

    /// AWS region (wins over the config's `region`)
    #[arg(short = 'r', long, global = true)]
    pub region: Option<String>,

    /// AWS profile for Route 53, when DNS lives in another account
    #[arg(
        long,
        visible_alias = "dns-profile",
        global = true,
        value_name = "PROFILE"
    )]
    pub route53_profile: Option<String>,

    /// Show what would happen; change nothing in AWS
    #[arg(short = 'd', long, global = true)]
    pub dryrun: bool,

    /// Give the stack its own load balancer `<app>-alb` (as `alb.create: true`) instead of using one found in the VPC
    #[arg(short = 'C', long, global = true)]
    pub create_alb: bool,

    /// Write discovered values back to the config (default)
    #[arg(short = 'u', long, global = true, overrides_with = "no_update")]
    pub update: bool,

    /// Never write the config file
    #[arg(long, global = true, overrides_with = "update")]
    pub no_update: bool,

    /// Trust IDs already in the config (default; only once it has `last_updated`)
    #[arg(long, global = true, overrides_with = "no_cache")]
    pub cache: bool,

    /// Re-discover everything, ignoring IDs already in the config
    #[arg(long, global = true, overrides_with = "cache")]
    pub no_cache: bool,

    /// Approve prompts AND skip two safety checks: an image tag that moved
    /// since it was registered, and deleting a stack's only task. Never
    /// ownership: what another stack owns is changed only when the config
    /// names it under `take_over`
    #[arg(long, global = true)]
    pub force: bool,

    /// Approve confirmation prompts only; safety checks still apply
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Log level for messages on stderr
    #[arg(long, global = true, value_enum, default_value = "info")]
    pub log_level: LogLevel,

    /// Timestamp log lines (default)
    #[arg(long, global = true, overrides_with = "no_log_time")]
    pub log_time: bool,

    /// Do not timestamp log lines
    #[arg(long, global = true, overrides_with = "log_time")]
    pub no_log_time: bool,

    /// Colour: auto (a terminal without NO_COLOR), always, never; `--color` alone is always
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        num_args = 0..=1,
        default_missing_value = "always",
        overrides_with = "no_color"
    )]
    pub color: Option<ColorWhen>,

    /// No colour (as --color never)
    #[arg(long, global = true, overrides_with = "color")]
    pub no_color: bool,

    /// Read and write .fargatestack/defaults.json (default)
    #[arg(short = 'H', long, global = true, overrides_with = "no_history")]
    pub history: bool,

    /// Ignore .fargatestack/defaults.json
    #[arg(long, global = true, overrides_with = "history")]
    pub no_history: bool,

    /// Output format: text for people, json for scripts (every command that prints data)
    #[arg(short = 'o', long, global = true, value_enum, default_value = "text")]
    pub output: Format,

    /// How often commands that wait poll AWS (`2s`, `500ms`, or seconds)
    #[arg(long, visible_alias = "log-poll-time", global = true, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub poll_time: std::time::Duration,

    /// Print the version
    #[arg(short = 'v', visible_short_alias = 'V', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,
}

impl Global {
    /// `Some` when colour was asked for or refused; `None` decides by the terminal.
    pub fn color_flag(&self) -> Option<bool> {
        if self.no_color {
            return Some(false);
        }
        match self.color {
            Some(ColorWhen::Always) => Some(true),
            Some(ColorWhen::Never) => Some(false),
            Some(ColorWhen::Auto) | None => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what apply would create or change; changes nothing in AWS
    #[command(
        after_help = "Example:\n  fargate-stack plan -c my-app.yml\n  fargate-stack plan --output json --no-update\n  fargate-stack plan --detailed-exitcode    # CI: exit 3 when there are changes\n\nOne line per resource: + create, ~ update, - delete, -/+ replace.\nThe file gains what was discovered (account, VPC, subnets, existing ARNs) unless --no-update."
    )]
    Plan(PlanArgs),

    /// Create or update the stack's resources
    #[command(
        after_help = "Example:\n  fargate-stack apply -c my-app.yml\n  fargate-stack apply --yes      # no prompt (needed without a terminal)\n  fargate-stack apply --prune    # also delete what the config no longer asks for\n\nA second apply with an unchanged config makes no changes."
    )]
    Apply(PlanArgs),

    /// Write a starter config from task clauses
    #[command(
        name = "create-stack",
        after_help = "Clauses: each task starts with TYPE:NAME (daemon, task, scheduled, http, https), then\n  image:IMAGE  schedule:EXPR  domain:DOMAIN  env:KEY=VALUE (repeatable)\n  autoscaling:cpu[=N]|requests[=N]  waf:true|RULES\n\nExamples:\n  fargate-stack create-stack my-app daemon:worker image:my-repo env:LOG_LEVEL=info\n  fargate-stack create-stack my-app task:report image:my-repo:v2 scheduled:nightly image:my-repo 'schedule:cron(0 2 * * ? *)'"
    )]
    CreateStack {
        /// App name, then clauses
        #[arg(value_name = "APP|CLAUSE", required = true, num_args = 1..)]
        args: Vec<String>,
    },

    /// Write a config from what you run today: running ECS services, or an AWS Copilot workspace
    #[command(
        after_help = "Examples:\n  fargate-stack import --cluster shop --service worker --service mailer -c shop.yml\n  fargate-stack import --cluster shop --service worker --own -c shop.yml\n  fargate-stack import --cluster shop --schedule nightly-report -c report.yml\n  fargate-stack import --from-copilot ~/src/shop --env prod -c shop.yml\n\nFrom running services (--cluster, --service): reads the cluster, each service\nand its current task definition, its roles, log group, security group,\nsubnets and autoscaling, and writes a config that records every name and id\nas it is (nothing is renamed), with the roles used as they are (`as_is`), so\nthe next `plan` says \"No changes.\" What exists stays adopted: shown as not\nthe stack's, never changed without a conflict, never deleted by destroy.\nWith --own it is also tagged as this stack's (what another service in the\ncluster shares is not), so later applies and destroy manage it fully.\nWhat the config cannot say (a sidecar, an entry point, placement\nconstraints) is listed on stderr and as comments; the plan refuses a new\nrevision that would drop it. A service behind a load balancer brings its\nlistener rule (host, path), target group, health check, certificate, the\nload balancer and the alias record; --schedule RULE imports the task an\nEventBridge rule runs in the cluster as a scheduled task.\n\nFrom Copilot (--from-copilot): reads copilot/.workspace and each\ncopilot/<service>/manifest.yml (with the environment's overrides for --env):\nLoad Balanced Web Services become https tasks, Backend and Worker Services\ndaemons (a worker's queue the stack's queue), Scheduled Jobs scheduled tasks.\nEvery manifest key with no equivalent is listed with its file and line.\nRequest-Driven Web Services, static sites and pipelines are not converted.\nNo AWS call is made; run `plan` next.\n\nSee docs/migrating.md for moving safely."
    )]
    Import(ImportArgs),

    /// Show or set the default config file (.fargatestack/defaults.json)
    #[command(
        after_help = "Examples:\n  fargate-stack state           # show the defaults\n  fargate-stack state my-app.yml"
    )]
    State {
        /// Config file to make the default
        file: Option<PathBuf>,
    },

    /// Forget the saved defaults (.fargatestack/defaults.json)
    #[command(
        name = "reset-history",
        after_help = "Example:\n  fargate-stack reset-history"
    )]
    ResetHistory,

    /// Create the ECS service for a daemon task and wait until it is stable
    #[command(
        name = "create-service",
        visible_alias = "deploy-service",
        after_help = "Examples:\n  fargate-stack create-service            # the stack's only daemon, desired_count or 1\n  fargate-stack create-service worker 2\n  fargate-stack create-service worker --no-wait\n\nRefuses when the image tag now points at another digest than the one recorded (--force to go ahead)."
    )]
    CreateService(ServiceCount),

    /// Set a service's desired count and, with autoscaling, its range; or pause autoscaling
    #[command(
        after_help = "Examples:\n  fargate-stack scale worker 3\n  fargate-stack scale web 4 --min 2 --max 10\n  fargate-stack scale web --suspend-autoscaling    # hold the count while you investigate\n  fargate-stack scale web --resume-autoscaling\n\nThe count and range are written to the config too (desired_count, autoscaling.min_capacity,\nautoscaling.max_capacity), so the next apply keeps them. Waits until the service is stable."
    )]
    Scale(ScaleArgs),

    /// Set a service's desired count (default 1) and wait until it is stable
    #[command(
        name = "start-service",
        after_help = "Examples:\n  fargate-stack start-service\n  fargate-stack start-service worker 3"
    )]
    StartService(ServiceCount),

    /// Set a service's desired count to 0
    #[command(
        name = "stop-service",
        after_help = "Examples:\n  fargate-stack stop-service worker              # waits until its tasks stopped\n  fargate-stack stop-service worker --no-wait"
    )]
    StopService(ServiceWait),

    /// Point a service at the task definition revision this config recorded, and wait
    #[command(
        name = "update-service",
        after_help = "Example:\n  fargate-stack apply && fargate-stack update-service worker"
    )]
    UpdateService(ServiceWait),

    /// Force a new deployment of a service (same task definition) and wait
    #[command(
        after_help = "Example:\n  fargate-stack redeploy worker    # e.g. to pull a new image for the same tag"
    )]
    Redeploy(ServiceWait),

    /// Delete a service (the cluster, roles and task definitions are kept)
    #[command(
        name = "delete-service",
        visible_alias = "remove-service",
        after_help = "Examples:\n  fargate-stack delete-service worker            # asks first on a terminal\n  fargate-stack delete-service worker --yes      # no prompt"
    )]
    DeleteService(ServiceWait),

    /// Show services: counts, deployments, recent events and tasks
    #[command(
        after_help = "Examples:\n  fargate-stack status\n  fargate-stack status worker --max-events 10 --output json"
    )]
    Status {
        /// Service (default: every service of the stack)
        service: Option<String>,
        /// How many recent service events to show
        #[arg(short = 'm', long)]
        max_events: Option<usize>,
    },

    /// Run a one-off task, stream its logs, and exit with its exit code
    #[command(
        name = "run-task",
        after_help = "Examples:\n  fargate-stack run-task report\n  fargate-stack run-task report --no-wait          # print the task id and return\n  fargate-stack run-task report --task-timeout 10m\n  fargate-stack run-task report --subnet-id subnet-0abc   # a public subnet gets a public IP\n\nExit code: the essential container's exit code; 1 when the task never started or the wait timed out."
    )]
    RunTask {
        /// Task (default: the stack's only task of type `task`)
        task: Option<String>,
        /// Subnet to run in (default: the first private subnet)
        #[arg(long)]
        subnet_id: Option<String>,
        #[command(flatten)]
        wait: WaitFlags,
        /// Longest to wait for the task to stop (`600`, `10m`, `1h`)
        #[arg(short = 't', long, value_name = "DURATION", default_value = "5h", value_parser = parse_duration)]
        task_timeout: std::time::Duration,
    },

    /// Stop running tasks: by id, ARN, or task name (all of that task's)
    #[command(
        name = "stop-task",
        after_help = "Examples:\n  fargate-stack stop-task report\n  fargate-stack stop-task 0f3c1b2a9d8e4f5a6b7c8d9e0f1a2b3c"
    )]
    StopTask {
        /// Task id, task ARN, or task name
        target: Option<String>,
    },

    /// List the cluster's running (or stopped) tasks
    #[command(
        name = "list-tasks",
        after_help = "Examples:\n  fargate-stack list-tasks\n  fargate-stack list-tasks stopped --output json"
    )]
    ListTasks {
        /// `stopped` to list stopped tasks instead
        which: Option<String>,
    },

    /// Show a task's CloudWatch logs, optionally following them
    #[command(
        after_help = "Examples:\n  fargate-stack logs worker 1h\n  fargate-stack logs 1h                # a one-task stack\n  fargate-stack logs worker -f\n  fargate-stack logs worker 2026-11-24T10:00:00Z 2026-11-24T11:00:00Z\n  fargate-stack logs worker 5m --follow --filter ERROR\n\nSTART and END are durations ago (`5m`, `2h`, `1d`) or RFC 3339 times. Default start: 5m."
    )]
    Logs {
        /// Task (default: the stack's only task)
        task: Option<String>,
        /// From when (`5m`, `2h`, `1d`, or an RFC 3339 time)
        start: Option<String>,
        /// Until when (same forms; default now)
        end: Option<String>,
        /// Keep printing new lines until interrupted (as tail -f)
        #[arg(short = 'f', long, visible_alias = "log-wait")]
        follow: bool,
        /// CloudWatch Logs filter pattern
        #[arg(long, value_name = "PATTERN")]
        filter: Option<String>,
    },

    /// Register a task definition revision from the config and record it
    #[command(
        name = "register-task-definition",
        visible_alias = "register-task",
        after_help = "Example:\n  fargate-stack register-task-definition report"
    )]
    RegisterTaskDefinition {
        /// Task (default: the stack's only task)
        task: Option<String>,
    },

    /// Summary of the stack: cluster, VPC, roles, and each task
    #[command(after_help = "Example:\n  fargate-stack tasks")]
    Tasks,

    /// List Route 53 hosted zones for a domain
    #[command(
        name = "list-zones",
        after_help = "Example:\n  fargate-stack list-zones example.com"
    )]
    ListZones {
        /// Domain, e.g. example.com
        domain: String,
    },

    /// Delete everything the stack owns (asks first); the config stays as a skeleton
    #[command(
        after_help = "Examples:\n  fargate-stack destroy --dryrun     # the plan only\n  fargate-stack destroy\n  fargate-stack destroy --force      # no prompt (needed without a terminal)\n\nServices are scaled to 0 and deleted first, then task definitions, the cluster,\nthe security group, policies and roles, the log group. Resources the stack did\nnot create (no fargate-stack tags, not recorded in the config) are kept and listed.\nThe config keeps your keys and comments; the recorded IDs are removed (.bak beside it)."
    )]
    Destroy,

    /// Delete one one-off task's resources (its service, task definition family)
    #[command(
        name = "delete-task",
        after_help = "Example:\n  fargate-stack delete-task report\n\nRefuses when it is the stack's only task (use destroy), unless --force."
    )]
    DeleteTask(DeleteArgs),

    /// Delete one daemon's resources: its service, then its task definitions
    #[command(
        name = "delete-daemon",
        after_help = "Example:\n  fargate-stack delete-daemon worker\n\nRefuses when it is the stack's only task (use destroy), unless --force."
    )]
    DeleteDaemon(DeleteArgs),

    /// Delete one scheduled task's resources
    #[command(
        name = "delete-schedule",
        visible_alias = "delete-scheduled-task",
        after_help = "Example:\n  fargate-stack delete-schedule nightly"
    )]
    DeleteSchedule(DeleteArgs),

    /// Delete one http/https service's resources
    #[command(
        name = "delete-http-service",
        after_help = "Example:\n  fargate-stack delete-http-service web"
    )]
    DeleteHttpService(DeleteArgs),

    /// Enable a scheduled task's EventBridge rule
    #[command(
        name = "enable-scheduled-task",
        after_help = "Example:\n  fargate-stack enable-scheduled-task nightly"
    )]
    EnableScheduledTask(DeleteArgs),

    /// Disable a scheduled task's EventBridge rule (apply keeps it disabled)
    #[command(
        name = "disable-scheduled-task",
        after_help = "Example:\n  fargate-stack disable-scheduled-task nightly"
    )]
    DisableScheduledTask(DeleteArgs),

    /// Re-sync a schedule's EventBridge target with the recorded task definition, and nothing else
    #[command(
        name = "update-target",
        after_help = "Example:\n  fargate-stack register-task-definition nightly && fargate-stack update-target nightly"
    )]
    UpdateTarget(DeleteArgs),

    /// Add (or change) a service's target-tracking autoscaling policy in the config; `apply` sets it up
    #[command(
        name = "add-scaling-policy",
        after_help = "METRIC is cpu or memory (average percent) or requests (per target per minute, http/https only).\nDefaults: MIN 1, MAX 2, OUT_COOLDOWN 60, IN_COOLDOWN 300 (seconds).\n\nExamples:\n  fargate-stack add-scaling-policy cpu 60\n  fargate-stack add-scaling-policy web requests 500 2 10\n  fargate-stack add-scaling-policy web memory 70 1 4 60 300 && fargate-stack apply"
    )]
    AddScalingPolicy {
        /// [TASK] METRIC TARGET [MIN MAX [OUT_COOLDOWN IN_COOLDOWN]]
        #[arg(required = true, num_args = 2..=7, value_name = "ARGS")]
        args: Vec<String>,
    },

    /// Add (or change) a scheduled capacity change in the config; `apply` sets it up
    #[command(
        name = "add-scheduled-action",
        after_help = "START and END are MM:HH in UTC, minute first (as the original). DAYS is a day or a range\n(MON-FRI, SAT, 2-6). MIN and MAX are OUT/IN pairs: the capacity from START, then from END.\n\nExample (2-4 tasks on weekdays 08:00-18:00 UTC, 1 otherwise):\n  fargate-stack add-scheduled-action web business-hours 00:08 00:18 MON-FRI 2/1 4/1"
    )]
    AddScheduledAction {
        /// [TASK] NAME START END DAYS MIN MAX
        #[arg(required = true, num_args = 6..=7, value_name = "ARGS")]
        args: Vec<String>,
    },

    /// Delete a service's autoscaling policy in AWS and its keys in the config
    #[command(
        name = "delete-scaling-policy",
        visible_alias = "delete-autoscaling-policy",
        after_help = "Without scheduled actions left, the service's scalable target is deregistered too\n(its desired count then stays where autoscaling left it).\n\nExample:\n  fargate-stack delete-scaling-policy web"
    )]
    DeleteScalingPolicy(DeleteArgs),

    /// Delete a scheduled action (both its scale-out and scale-in) in AWS and in the config
    #[command(
        name = "delete-scheduled-action",
        after_help = "NAME is the entry under `autoscaling.scheduled` (the original always deleted the first one).\n\nExample:\n  fargate-stack delete-scheduled-action business-hours"
    )]
    DeleteScheduledAction {
        /// The scheduled action's name (its key under `scheduled:`)
        name: String,
        /// Task (default: the only one with that action)
        task: Option<String>,
    },

    /// Rebuild the IAM policies from the config (cache off) and put those that differ
    #[command(
        name = "update-policy",
        after_help = "Example:\n  fargate-stack update-policy --dryrun   # show the policy diffs\n  fargate-stack update-policy"
    )]
    UpdatePolicy,

    /// Show things AWS recorded: `show cloudtrail-events TASK START [END]`
    #[command(
        after_help = "Examples:\n  fargate-stack show cloudtrail-events nightly 7d\n  fargate-stack show cloudtrail-events nightly 2026-11-01T00:00:00Z 2026-11-02T00:00:00Z --output json"
    )]
    Show {
        #[command(subcommand)]
        what: ShowWhat,
    },

    /// Open a shell (or run a command) in a running container (ECS Exec)
    #[command(
        after_help = "Examples:\n  fargate-stack exec web                 # an interactive shell in one of web's tasks\n  fargate-stack exec web -- ls -la /app\n  fargate-stack exec worker --task 0f3c... --container worker -- env\n\nThe task needs `exec: true` in the config (then apply and update-service, so new tasks\nrun the agent). The session is handed to AWS's Session Manager plugin\n(session-manager-plugin on PATH), exactly as the AWS CLI does."
    )]
    Exec(ExecArgs),

    /// Print the task definition and service requests apply and create-service would send
    #[command(
        after_help = "Example:\n  fargate-stack render worker\n  fargate-stack render worker | jq .task_definition.containerDefinitions\n\nJSON in the ECS API's own shape: `task_definition` (RegisterTaskDefinition) and, for a\nservice, `service` (CreateService). Values another resource gives are filled in from what\nexists; what apply has not created yet stays `{{kind/key}}`. Secret values never appear:\nonly where ECS reads them (ARNs). Changes nothing."
    )]
    Render {
        /// Task (default: the stack's only task)
        task: Option<String>,
    },

    /// A task's registered revisions, which one its service runs, which the config records
    #[command(
        after_help = "Example:\n  fargate-stack revisions worker\n  fargate-stack revisions --max 3 -o json\n\nThe newest active revisions of each task's family (all tasks without a name), each\nwith its image and registration time, the service deployments that run it\n(PRIMARY, ACTIVE), and `recorded` for the one the config records (tasks.<task>.arn)."
    )]
    Revisions {
        /// Task (default: every task)
        task: Option<String>,
        /// How many of the newest revisions to show per family
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(i32).range(1..=100))]
        max: i32,
    },

    /// Print the version
    #[command(after_help = "Example:\n  fargate-stack version\n  fargate-stack version -o json")]
    Version,

    /// Check the stack against the account before deploying (read-only): PASS/WARN/FAIL per check
    #[command(
        after_help = "Examples:\n  fargate-stack verify\n  fargate-stack verify -o json\n\nChecks credentials, the VPC and its egress, subnets and their zones, each image\n(for the task's CPU architecture), secrets and parameters, the log group, the roles,\nand environment variables that look like secrets.\nExit code: 0 when nothing FAILs (WARNs allowed), 1 otherwise."
    )]
    Verify,

    /// Point a service at an earlier task definition revision, and wait
    #[command(
        after_help = "Examples:\n  fargate-stack rollback worker --dryrun     # what it would do\n  fargate-stack rollback worker              # the revision before the current one\n  fargate-stack rollback worker --to 3\n  fargate-stack rollback worker --deregister # and deregister the bad revision\n\nThe service changes, the config does not: apply leaves the service alone, and\n`update-service` moves it forward to the config's revision again."
    )]
    Rollback(RollbackArgs),

    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  fargate-stack completions bash > ~/.local/share/bash-completion/completions/fargate-stack\n  fargate-stack completions zsh > ~/.zfunc/_fargate-stack\n  fargate-stack completions fish > ~/.config/fish/completions/fargate-stack.fish"
    )]
    Completions {
        /// bash, zsh, fish, powershell or elvish
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff)
    #[command(
        after_help = "Example:\n  fargate-stack man > ~/.local/share/man/man1/fargate-stack.1 && man fargate-stack"
    )]
    Man,

    /// Print the JSON Schema of the config file (for editors and CI checks)
    #[command(
        after_help = "Example:\n  fargate-stack schema > fargate-stack.schema.json\n\nThen start the config with\n  # yaml-language-server: $schema=./fargate-stack.schema.json\nfor completion and checking in editors that use the YAML language server."
    )]
    Schema,
}

#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    /// A Copilot workspace: the directory that holds `copilot/`
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "cluster",
        conflicts_with = "cluster"
    )]
    pub from_copilot: Option<PathBuf>,
    /// The Copilot environment whose overrides (`environments.<env>`) and
    /// certificates apply
    #[arg(long, value_name = "NAME", requires = "from_copilot")]
    pub env: Option<String>,
    /// The ECS cluster the running services (and scheduled tasks) are in
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: Option<String>,
    /// A running service to import (repeat for several; they share the config's roles, log
    /// group and network)
    #[arg(long, value_name = "SERVICE", requires = "cluster")]
    pub service: Vec<String>,
    /// An EventBridge rule that runs a task in the cluster, imported as a scheduled task (repeat
    /// for several)
    #[arg(long, value_name = "RULE", requires = "cluster")]
    pub schedule: Vec<String>,
    /// The app name (default: the cluster's name without `-cluster`)
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub app: Option<String>,
    /// Also tag what the services use alone as this stack's, so applies and destroy manage it
    /// fully (an existing config is kept as it is: its app name is used)
    #[arg(long, requires = "cluster")]
    pub own: bool,
}

#[derive(Debug, Args, Clone, Default)]
pub struct PlanArgs {
    /// Also delete what this stack owns that the config no longer asks for (a removed task,
    /// schedule or queue); without it they are only shown
    #[arg(long, visible_alias = "purge-config")]
    pub prune: bool,
    /// Exit 0 when there are no changes, 3 when there are (1 failure, 2 bad input)
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also print the Required Resources and timing tables (as the original)
    #[arg(long)]
    pub tables: bool,
    /// Also list the estimated monthly cost line by line (prices: a dated built-in table, or
    /// the JSON file FARGATE_STACK_PRICES names)
    #[arg(long)]
    pub cost: bool,
}

#[derive(Debug, Args, Clone)]
pub struct RollbackArgs {
    /// Service (default: the stack's only daemon or http service)
    pub service: Option<String>,
    /// Revision to roll back to (default: the one before the service's current revision)
    #[arg(long, value_name = "REVISION")]
    pub to: Option<i32>,
    /// Then deregister the revision rolled back from
    #[arg(long)]
    pub deregister: bool,
    #[command(flatten)]
    pub waiting: StableWait,
}

#[derive(Debug, Subcommand)]
pub enum ShowWhat {
    /// The RunTask calls the events role made for a scheduled task, with each task's outcome
    #[command(
        name = "cloudtrail-events",
        after_help = "Example:\n  fargate-stack show cloudtrail-events nightly 1d\n\nSTART and END are durations ago (`1d`, `12h`) or RFC 3339 times."
    )]
    CloudtrailEvents {
        /// Scheduled task
        task: String,
        /// From when
        start: String,
        /// Until when (default now)
        end: Option<String>,
    },
}

#[derive(Debug, Args, Clone)]
pub struct DeleteArgs {
    /// Task (default: the stack's only task of that kind)
    pub task: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct WaitFlags {
    /// Wait until done (default)
    #[arg(short = 'w', long, overrides_with = "no_wait")]
    pub wait: bool,
    /// Return at once
    #[arg(long, overrides_with = "wait")]
    pub no_wait: bool,
}

/// Whether and how long a service command waits for the rollout.
#[derive(Debug, Args, Clone)]
pub struct StableWait {
    #[command(flatten)]
    pub wait: WaitFlags,
    /// Longest to wait for the service to become stable
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// When the change counts as done: `deployed` once the new revision's rollout has completed
    /// (the old tasks may still be draining), `stable` once nothing else runs and every desired
    /// task of the new revision is running
    #[arg(long, value_enum, value_name = "WHEN", default_value = "stable")]
    pub wait_until: WaitUntil,
}

/// When a deployment counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WaitUntil {
    /// The new revision's rollout completed
    Deployed,
    /// Only the new revision runs, with every desired task
    Stable,
}

#[derive(Debug, Args, Clone)]
pub struct ExecArgs {
    /// Task or service (default: the stack's only task)
    pub task: Option<String>,
    /// The task's ID (default: the first running task)
    #[arg(long = "task", value_name = "ID")]
    pub task_id: Option<String>,
    /// Container (default: the task's own)
    #[arg(long)]
    pub container: Option<String>,
    /// The command to run (default: an interactive shell, /bin/sh)
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args, Clone)]
pub struct ScaleArgs {
    /// Service (default: the stack's only daemon or http service)
    pub service: Option<String>,
    /// Desired count
    pub count: Option<u32>,
    /// Autoscaling's lowest count
    #[arg(long)]
    pub min: Option<u32>,
    /// Autoscaling's highest count
    #[arg(long)]
    pub max: Option<u32>,
    /// Stop autoscaling from changing the count (scheduled actions too)
    #[arg(long, conflicts_with = "resume_autoscaling")]
    pub suspend_autoscaling: bool,
    /// Let autoscaling change the count again
    #[arg(long)]
    pub resume_autoscaling: bool,
    #[command(flatten)]
    pub waiting: StableWait,
}

#[derive(Debug, Args, Clone)]
pub struct ServiceWait {
    /// Service (default: the stack's only daemon or http service)
    pub service: Option<String>,
    #[command(flatten)]
    pub waiting: StableWait,
}

#[derive(Debug, Args, Clone)]
pub struct ServiceCount {
    /// Service (default: the stack's only daemon or http service)
    pub service: Option<String>,
    /// Desired count
    pub count: Option<u32>,
    #[command(flatten)]
    pub waiting: StableWait,
}

/// `600` (seconds), `10m`, `1h30m`, `500ms`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration ({e}); write seconds (`600`) or `10m`, `1h`"))
}
