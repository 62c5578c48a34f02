//! The extract worker: documents from uploads and fetched pages are parsed in a child process,
//! the server's own executable run as `parlor extract-worker`, so that a parser that panics,
//! loops or allocates without end costs that child and never the server.
//!
//! The protocol is one JSON line on the child's standard input (the [`Job`]: what to do and the
//! limits), then the document's bytes until end of input; the child answers with one JSON value
//! on standard output, `{"Ok": Document}` or `{"Err": ExtractError}`. The child caps its own
//! address space (RLIMIT_AS), CPU time (RLIMIT_CPU), file writes and core dumps before it reads
//! the document. The parent kills it at the wall-clock timeout, reads at most a bounded answer,
//! runs it with an empty environment (the child never sees the server's secrets), and runs only
//! a few at once so the workers' memory stays bounded in total.

use std::io::{BufRead, Read, Write};
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

use super::{Document, ExtractError, Format, Limits, human_bytes};

/// The hidden subcommand that runs the worker.
pub const WORKER_COMMAND: &str = "extract-worker";

/// What the worker is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Task {
    Extract {
        format: Format,
        base_url: Option<String>,
    },
    /// Misbehaviour on purpose, so that tests can prove the server survives it.
    #[doc(hidden)]
    Fault(Fault),
}

/// Ways a parser can go wrong, for tests.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// A parser panics (caught in the worker, like a real parser's panic).
    Panic,
    /// A parser never returns.
    Spin,
    /// A parser allocates until memory runs out.
    Allocate,
    /// The worker dies without answering.
    Abort,
    /// The worker writes an endless answer.
    Flood,
}

/// The first line of the worker's input.
#[derive(Debug, Serialize, Deserialize)]
struct Job {
    task: Task,
    limits: Limits,
}

/// The longest job line the worker accepts (the limits and a base URL).
const MAX_JOB_LINE: u64 = 64 * 1024;

/// How much of the worker's standard error is kept for the log and for telling an out-of-memory
/// abort from other crashes.
const STDERR_TAIL: usize = 8 * 1024;

/// Runs `task` on `bytes` in a new worker process within `limits`.
pub async fn run(task: Task, bytes: Vec<u8>, limits: &Limits) -> Result<Document, ExtractError> {
    let _permit = permits().acquire().await.map_err(|_| ExtractError::Worker("the server is shutting down".into()))?;
    let program = match &limits.worker {
        Some(program) => program.clone(),
        None => std::env::current_exe()
            .map_err(|err| ExtractError::Worker(format!("the server cannot find its own program ({err})")))?,
    };
    let mut child = tokio::process::Command::new(&program)
        .arg(WORKER_COMMAND)
        .env_clear()
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| {
            tracing::error!(program = %program.display(), error = %err, "cannot start the extract worker");
            ExtractError::Worker("the document reader could not start".into())
        })?;

    let mut header = serde_json::to_vec(&Job { task, limits: limits.clone() })
        .map_err(|err| ExtractError::Worker(format!("the job could not be encoded ({err})")))?;
    header.push(b'\n');
    let (Some(mut stdin), Some(mut stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(ExtractError::Worker("the document reader has no pipes".into()));
    };
    // The child may stop reading early (a refusal, a crash); its broken pipe is not our error.
    let _writer = AbortOnDrop(
        tokio::spawn(async move {
            if stdin.write_all(&header).await.is_ok() && stdin.write_all(&bytes).await.is_ok() {
                let _ = stdin.shutdown().await;
            }
        })
        .abort_handle(),
    );
    let stderr_task = tokio::spawn(read_tail(stderr));
    let _stderr_guard = AbortOnDrop(stderr_task.abort_handle());
    let answer_cap = answer_cap(limits);

    let outcome = tokio::time::timeout(limits.timeout, async {
        let mut answer = Vec::new();
        let read = (&mut stdout).take(answer_cap + 1).read_to_end(&mut answer).await;
        if answer.len() as u64 > answer_cap {
            return Outcome::Flooded;
        }
        if let Err(err) = read {
            return Outcome::Failed(err);
        }
        match child.wait().await {
            Ok(status) => Outcome::Exited(status, answer),
            Err(err) => Outcome::Failed(err),
        }
    })
    .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(_elapsed) => Outcome::TimedOut,
    };
    if !matches!(outcome, Outcome::Exited(..)) {
        // Killing also reaps the child, so no zombie is left behind.
        let _ = child.kill().await;
    }
    let stderr_tail = match tokio::time::timeout(Duration::from_secs(1), stderr_task).await {
        Ok(Ok(tail)) => tail,
        _ => String::new(),
    };
    let result = interpret(outcome, &stderr_tail, limits);
    // A document's own faults are the uploader's to fix; anything else is the operator's.
    if let Err(err) = &result
        && !matches!(
            err,
            ExtractError::Malformed(_)
                | ExtractError::Empty
                | ExtractError::TooLarge(_)
                | ExtractError::ZipBomb(_)
                | ExtractError::Unsupported(_)
        )
    {
        tracing::warn!(error = %err, worker_stderr = %stderr_tail, "the extract worker failed");
    }
    result
}

enum Outcome {
    Exited(ExitStatus, Vec<u8>),
    Flooded,
    TimedOut,
    Failed(std::io::Error),
}

fn interpret(outcome: Outcome, stderr_tail: &str, limits: &Limits) -> Result<Document, ExtractError> {
    let memory =
        || ExtractError::ResourceLimit(format!("it needed more than {} of memory", human_bytes(limits.memory_bytes)));
    match outcome {
        Outcome::TimedOut => Err(ExtractError::Timeout),
        Outcome::Flooded => {
            Err(ExtractError::ResourceLimit(format!("its text came to more than {}", human_bytes(answer_cap(limits)))))
        }
        Outcome::Failed(err) => Err(ExtractError::Worker(format!("talking to it failed ({err})"))),
        Outcome::Exited(status, answer) if status.success() => {
            serde_json::from_slice::<Result<Document, ExtractError>>(&answer).unwrap_or_else(|err| {
                Err(ExtractError::Worker(format!("it gave an answer the server could not read ({err})")))
            })
        }
        Outcome::Exited(status, _) => {
            if stderr_tail.contains("memory allocation of") {
                return Err(memory());
            }
            if stderr_tail.contains("has overflowed its stack") {
                return Err(ExtractError::ResourceLimit(
                    "its structure is nested deeper than the reader can follow".into(),
                ));
            }
            match signal(status) {
                // SIGXCPU at the soft CPU limit, SIGKILL at the hard one.
                Some(24 | 9) => Err(ExtractError::Timeout),
                Some(signal) => Err(ExtractError::Worker(format!("it stopped unexpectedly (signal {signal})"))),
                None => Err(ExtractError::Worker(format!(
                    "it stopped unexpectedly (exit status {})",
                    status.code().unwrap_or(-1)
                ))),
            }
        }
    }
}

#[cfg(unix)]
fn signal(status: ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&status)
}

#[cfg(not(unix))]
fn signal(_status: ExitStatus) -> Option<i32> {
    None
}

/// The most the parent reads from a worker: the text limit twice over (JSON escapes and block
/// fields) and a megabyte.
fn answer_cap(limits: &Limits) -> u64 {
    (limits.max_text_bytes as u64).saturating_mul(2).saturating_add(1024 * 1024)
}

/// Workers that may run at once: one per core, at least two. With each capped at
/// `memory_bytes`, this bounds what extraction can take from the machine.
fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get().max(2))))
}

/// Reads a stream to its end, keeping only its last [`STDERR_TAIL`] bytes.
async fn read_tail(mut stream: impl AsyncRead + Unpin) -> String {
    let mut tail = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > STDERR_TAIL {
            tail.drain(..tail.len() - STDERR_TAIL);
        }
    }
    String::from_utf8_lossy(&tail).into_owned()
}

/// Aborts a helper task when the extraction ends, however it ends.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The worker's side (`parlor extract-worker`): reads the job and the document on standard
/// input, sets its limits, and writes the answer on standard output.
pub fn worker_main() -> std::io::Result<()> {
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    (&mut stdin).take(MAX_JOB_LINE).read_until(b'\n', &mut line)?;
    let reply = match serde_json::from_slice::<Job>(&line) {
        Ok(job) => {
            apply_limits(&job.limits)?;
            let mut bytes = Vec::new();
            (&mut stdin).take(job.limits.max_bytes as u64 + 1).read_to_end(&mut bytes)?;
            run_here(job.task, &bytes, &job.limits)
        }
        Err(err) => Err(ExtractError::Worker(format!("it was given a job it could not read ({err})"))),
    };
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &reply).map_err(std::io::Error::other)?;
    stdout.flush()
}

fn run_here(task: Task, bytes: &[u8], limits: &Limits) -> Result<Document, ExtractError> {
    match task {
        Task::Extract { format, base_url } => {
            if bytes.len() > limits.max_bytes {
                return Err(super::too_large(bytes.len(), limits));
            }
            super::extract(format, bytes, base_url.as_deref(), limits)
        }
        Task::Fault(fault) => run_fault(fault),
    }
}

fn run_fault(fault: Fault) -> Result<Document, ExtractError> {
    match fault {
        Fault::Panic => super::guarded(Format::Pdf, || panic!("a test asked the extract worker to panic")),
        Fault::Spin => {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        Fault::Allocate => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1u8; 64 * 1024 * 1024]);
                std::hint::black_box(&hoard);
            }
        }
        Fault::Abort => std::process::abort(),
        Fault::Flood => {
            let block = vec![b'x'; 1024 * 1024];
            let mut stdout = std::io::stdout().lock();
            loop {
                if stdout.write_all(&block).is_err() {
                    std::process::exit(1);
                }
            }
        }
    }
}

/// The worker's own limits: address space, CPU time a second past the wall-clock timeout (the
/// parent's kill is the usual end; this one holds even if the parent is gone), no files written
/// and no core dumps.
#[cfg(unix)]
fn apply_limits(limits: &Limits) -> std::io::Result<()> {
    use rlimit::Resource;
    rlimit::setrlimit(Resource::AS, limits.memory_bytes, limits.memory_bytes)?;
    let cpu = limits.timeout.as_secs() + 1;
    rlimit::setrlimit(Resource::CPU, cpu, cpu + 1)?;
    rlimit::setrlimit(Resource::FSIZE, 0, 0)?;
    rlimit::setrlimit(Resource::CORE, 0, 0)?;
    Ok(())
}

#[cfg(not(unix))]
fn apply_limits(_limits: &Limits) -> std::io::Result<()> {
    Err(std::io::Error::other("the extract worker needs a Unix system to limit itself"))
}
