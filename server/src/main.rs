//! The `parlor` binary: reads the command line, sets up logging, and runs the command.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use parlor_server::cli::{Cli, Command, KeyCommand, WorkspaceCommand};
use parlor_server::{cli, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match execute(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "parlor failed");
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(config) => {
            let listener = tokio::net::TcpListener::bind(config.addr)
                .await
                .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", config.addr))?;
            parlor_server::run(*config, listener, shutdown_signal()).await
        }
        Command::Key { command: KeyCommand::Create(args) } => {
            let key = cli::create_key(&args).await?;
            writeln!(std::io::stdout(), "{}", key.expose())?;
            Ok(())
        }
        Command::Workspace { command: WorkspaceCommand::Plan(args) } => {
            let workspace_id = cli::set_plan(&args).await?;
            writeln!(std::io::stdout(), "{workspace_id} is on the {} plan", args.plan.trim().to_lowercase())?;
            Ok(())
        }
        Command::Workspace { command: WorkspaceCommand::List { database } } => {
            let mut out = std::io::stdout().lock();
            for workspace in cli::list_workspaces(&database).await? {
                writeln!(out, "{}\t{}\t{}", workspace.id, workspace.plan, workspace.name)?;
            }
            Ok(())
        }
        Command::Backup(args) => {
            let backup = cli::backup(&args).await?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "backup written to {} ({} bytes)", backup.path.display(), backup.bytes)?;
            match backup.key_file {
                Some(file) => writeln!(
                    out,
                    "the secret key is in {}: keep it apart from the backup; anyone with both can open its stored secrets",
                    file.display()
                )?,
                None if backup.keyed => writeln!(
                    out,
                    "the secret key is not in the backup: keep a copy of it (PARLOR_SECRET_KEY or the data directory's \
                     secret.key); without it the backup cannot be restored"
                )?,
                None => writeln!(out, "this deployment has not served yet: nothing in it is sealed with a key")?,
            }
            Ok(())
        }
        Command::Restore(args) => {
            let restored = cli::restore(&args).await?;
            writeln!(std::io::stdout(), "restored into {}", restored.display())?;
            Ok(())
        }
        Command::Migrate { database } => {
            cli::open_database(&database).await?.close().await;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::ExtractWorker => Ok(parlor_server::ingest::sandbox::worker_main()?),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("received SIGINT"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}
