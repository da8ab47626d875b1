//! The loop of a background worker (scrips, mail, webhooks): work until
//! nothing is left, then wait `poll` or until told to stop; and the name a
//! process goes by in the leases and claims it takes.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::Result;

/// Runs `step` until `stop` receives (or its sender is gone). `step`
/// returns whether it did a full batch (more may be waiting: run again at
/// once) or not (wait `poll`). A failing step is logged under `name` and
/// retried after `poll`.
pub fn run_until_stopped(name: &str, poll: Duration, stop: &Receiver<()>, mut step: impl FnMut() -> Result<bool>) {
    loop {
        loop {
            // A panic is a bug, but it must not stop the worker for good.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut step))
                .unwrap_or_else(|_| Err(crate::Error::Database("the work panicked".into())));
            match result {
                Ok(true) => {
                    if stop.try_recv().is_ok() {
                        return;
                    }
                }
                Ok(false) => break,
                Err(e) => {
                    tracing::error!(worker = name, error = %e, "background work failed; retrying");
                    break;
                }
            }
        }
        match stop.recv_timeout(poll) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// This process's name in leases and claims: host name and process id.
pub fn node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{host}:{}", std::process::id())
}
