//! Conditions and actions that embedding programs add in Rust: register
//! them by name once at start-up, then name them in a scrip like RT's own
//! (a registered name takes precedence over a built-in one).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use rt_core::{Result, Tx};

use crate::conditions::Subject;

/// A condition written in Rust.
pub trait Condition: Send + Sync {
    /// Whether the scrip's action should run for this transaction.
    fn holds(&self, tx: &mut Tx<'_>, subject: &Subject<'_>) -> Result<bool>;
}

/// An action written in Rust. It runs as `RT_System` inside the engine's
/// DB transaction (in its own savepoint); what it writes commits with the
/// event. Returns what it did, for the scrip log, or `None` for nothing.
///
/// An action registered under a built-in action's name replaces it; it
/// may still call the built-in one through [`crate::actions::run`] (RTIR
/// narrows RT's `AutoOpen` that way).
pub trait Action: Send + Sync {
    /// Does the work for the ticket and transaction of `subject`;
    /// `template` is the scrip's template name.
    fn run(&self, tx: &mut Tx<'_>, template: &str, subject: &Subject<'_>) -> Result<Option<String>>;
}

type Table<T> = RwLock<HashMap<String, Arc<T>>>;

fn conditions() -> &'static Table<dyn Condition> {
    static TABLE: OnceLock<Table<dyn Condition>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

fn actions() -> &'static Table<dyn Action> {
    static TABLE: OnceLock<Table<dyn Action>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

/// Registers a condition under `name` (any case), replacing an earlier one.
pub fn register_condition(name: &str, condition: impl Condition + 'static) {
    let mut table = conditions().write().unwrap_or_else(|e| e.into_inner());
    table.insert(name.trim().to_ascii_lowercase(), Arc::new(condition));
}

/// Registers an action under `name` (any case), replacing an earlier one.
pub fn register_action(name: &str, action: impl Action + 'static) {
    let mut table = actions().write().unwrap_or_else(|e| e.into_inner());
    table.insert(name.trim().to_ascii_lowercase(), Arc::new(action));
}

pub(crate) fn condition(name: &str) -> Option<Arc<dyn Condition>> {
    conditions().read().unwrap_or_else(|e| e.into_inner()).get(&name.trim().to_ascii_lowercase()).cloned()
}

pub(crate) fn action(name: &str) -> Option<Arc<dyn Action>> {
    actions().read().unwrap_or_else(|e| e.into_inner()).get(&name.trim().to_ascii_lowercase()).cloned()
}
