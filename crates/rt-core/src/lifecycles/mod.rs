//! Lifecycles as data: each queue names one; it says which statuses exist
//! (initial, active, inactive), which transitions are allowed, which right
//! each transition needs, the actions offered in the UI, and defaults.
//!
//! RT's `default` lifecycle is built in (`default.toml`, the same format a
//! site uses under `[lifecycles.NAME]` in its config file); status maps
//! between lifecycles (`[lifecycle_maps."a -> b"]`) say how a ticket's status
//! translates when it moves to a queue with another lifecycle.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::rights::{self, Registry};

/// What an action pre-selects on the update page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum UpdateType {
    /// Reply to the requestors.
    Respond,
    /// Comment (not sent to requestors).
    Comment,
}

/// One action of a lifecycle: a labelled transition offered in the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Status it applies from (`*` for any).
    pub from: String,
    /// Status it moves to.
    pub to: String,
    /// Label, e.g. "Open It".
    pub label: String,
    /// The update type it pre-selects, if any.
    pub update: Option<UpdateType>,
    /// Whether the user takes the ticket (or steals it from its owner)
    /// before the transition, as RTIR's Reject does.
    pub take_or_steal_first: bool,
}

/// A lifecycle definition as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleDef {
    /// `ticket` (default) or `asset`.
    #[serde(default = "ticket_type", rename = "type")]
    pub kind: String,
    /// Initial statuses.
    #[serde(default)]
    pub initial: Vec<String>,
    /// Active statuses.
    #[serde(default)]
    pub active: Vec<String>,
    /// Inactive statuses.
    #[serde(default)]
    pub inactive: Vec<String>,
    /// Named defaults (`on_create`, `approved`, `denied`, ...).
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
    /// From status (`""` for creation) to allowed target statuses.
    #[serde(default)]
    pub transitions: BTreeMap<String, Vec<String>>,
    /// `"from -> to"` (either side may be `*`) to right name.
    #[serde(default)]
    pub rights: BTreeMap<String, String>,
    /// Actions, in display order.
    #[serde(default)]
    pub actions: Vec<ActionDef>,
}

/// An action as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    /// `"from -> to"`.
    pub transition: String,
    /// Label shown to users.
    pub label: String,
    /// `Respond` or `Comment`.
    #[serde(default)]
    pub update: Option<UpdateType>,
    /// Take the ticket (or steal it) before the transition.
    #[serde(default)]
    pub take_or_steal_first: bool,
}

fn ticket_type() -> String {
    "ticket".to_string()
}

/// The class a status belongs to within its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// Fresh tickets (`new`).
    Initial,
    /// Being worked (`open`, `stalled`).
    Active,
    /// Done (`resolved`, `rejected`, `deleted`).
    Inactive,
}

/// A validated lifecycle. Statuses are stored and compared in lower case.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    /// Its name (`default`).
    pub name: String,
    /// `ticket` or `asset`.
    pub kind: String,
    /// Initial statuses, in order.
    pub initial: Vec<String>,
    /// Active statuses, in order.
    pub active: Vec<String>,
    /// Inactive statuses, in order.
    pub inactive: Vec<String>,
    defaults: BTreeMap<String, String>,
    transitions: HashMap<String, Vec<String>>,
    rights: HashMap<(String, String), String>,
    /// Actions, in display order.
    pub actions: Vec<Action>,
}

impl Lifecycle {
    /// Builds and checks a lifecycle from its definition.
    pub fn from_def(name: &str, def: LifecycleDef) -> Result<Lifecycle> {
        let key = |k: &str| format!("lifecycles.{name}.{k}");
        let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
        let (initial, active, inactive) = (lower(&def.initial), lower(&def.active), lower(&def.inactive));
        if def.kind != "ticket" && def.kind != "asset" {
            return Err(Error::Config { key: key("type"), message: "must be \"ticket\" or \"asset\"".into() });
        }
        let mut seen = std::collections::HashSet::new();
        for status in initial.iter().chain(&active).chain(&inactive) {
            if status.is_empty() || status.len() > 64 || !status.is_ascii() || status.contains('*') {
                return Err(Error::Config {
                    key: key("statuses"),
                    message: format!("status {status:?} must be 1-64 ASCII characters without '*'"),
                });
            }
            if !seen.insert(status.clone()) {
                return Err(Error::Config {
                    key: key("statuses"),
                    message: format!("status {status:?} is listed twice"),
                });
            }
        }
        if initial.is_empty() && active.is_empty() {
            return Err(Error::Config {
                key: key("initial"),
                message: "a lifecycle needs an initial or active status".into(),
            });
        }
        let known = |s: &str| seen.contains(s);
        let mut transitions = HashMap::new();
        for (from, tos) in &def.transitions {
            let from = from.to_lowercase();
            if !from.is_empty() && !known(&from) {
                return Err(Error::Config { key: key("transitions"), message: format!("unknown status {from:?}") });
            }
            let tos = lower(tos);
            if let Some(bad) = tos.iter().find(|t| !known(t)) {
                return Err(Error::Config { key: key("transitions"), message: format!("unknown status {bad:?}") });
            }
            transitions.insert(from, tos);
        }
        let mut rights = HashMap::new();
        for (transition, right) in &def.rights {
            let (from, to) = parse_transition(transition, &seen, true).ok_or_else(|| Error::Config {
                key: key("rights"),
                message: format!("bad transition {transition:?}"),
            })?;
            rights.insert((from, to), right.clone());
        }
        let mut actions = Vec::new();
        for a in &def.actions {
            let (from, to) = parse_transition(&a.transition, &seen, true).ok_or_else(|| Error::Config {
                key: key("actions"),
                message: format!("bad transition {:?}", a.transition),
            })?;
            actions.push(Action {
                from,
                to,
                label: a.label.clone(),
                update: a.update,
                take_or_steal_first: a.take_or_steal_first,
            });
        }
        let mut defaults = BTreeMap::new();
        for (k, v) in &def.defaults {
            let v = v.to_lowercase();
            if !known(&v) {
                return Err(Error::Config { key: key("defaults"), message: format!("{k}: unknown status {v:?}") });
            }
            defaults.insert(k.clone(), v);
        }
        Ok(Lifecycle {
            name: name.to_string(),
            kind: def.kind,
            initial,
            active,
            inactive,
            defaults,
            transitions,
            rights,
            actions,
        })
    }

    /// RT's built-in `default` lifecycle.
    pub fn builtin_default() -> Lifecycle {
        let def: LifecycleDef = match toml::from_str(include_str!("default.toml")) {
            Ok(def) => def,
            Err(e) => unreachable!("built-in lifecycle is valid TOML: {e}"),
        };
        match Lifecycle::from_def("default", def) {
            Ok(lc) => lc,
            Err(e) => unreachable!("built-in lifecycle is valid: {e}"),
        }
    }

    /// Every status, initial then active then inactive.
    pub fn statuses(&self) -> impl Iterator<Item = &str> {
        self.initial.iter().chain(&self.active).chain(&self.inactive).map(String::as_str)
    }

    /// Whether `status` belongs to this lifecycle (case-insensitive).
    pub fn is_valid(&self, status: &str) -> bool {
        self.class_of(status).is_some()
    }

    /// The class of `status`, if it belongs to this lifecycle.
    pub fn class_of(&self, status: &str) -> Option<StatusClass> {
        let s = status.to_lowercase();
        if self.initial.contains(&s) {
            Some(StatusClass::Initial)
        } else if self.active.contains(&s) {
            Some(StatusClass::Active)
        } else if self.inactive.contains(&s) {
            Some(StatusClass::Inactive)
        } else {
            None
        }
    }

    /// A named default (`on_create`, `reminder_on_open`, ...).
    pub fn default_status(&self, name: &str) -> Option<&str> {
        self.defaults.get(name).map(String::as_str)
    }

    /// The status a new ticket gets when none is given.
    pub fn on_create(&self) -> &str {
        self.default_status("on_create")
            .or(self.initial.first().map(String::as_str))
            .or(self.active.first().map(String::as_str))
            .unwrap_or("new")
    }

    /// Whether moving from `from` (`""` at creation) to `to` is allowed.
    pub fn is_transition(&self, from: &str, to: &str) -> bool {
        let (from, to) = (from.to_lowercase(), to.to_lowercase());
        self.transitions.get(&from).is_some_and(|tos| tos.contains(&to))
    }

    /// The statuses reachable from `from`.
    pub fn transitions_from(&self, from: &str) -> &[String] {
        self.transitions.get(&from.to_lowercase()).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The right a transition needs: the exact rule, then `* -> to`, then
    /// `from -> *`, then `* -> *`; without any rule, `DeleteTicket` to reach
    /// `deleted` and `ModifyTicket` otherwise.
    pub fn check_right(&self, from: &str, to: &str) -> &str {
        let (from, to) = (from.to_lowercase(), to.to_lowercase());
        let star = "*".to_string();
        for key in [(from.clone(), to.clone()), (star.clone(), to.clone()), (from, star.clone()), (star.clone(), star)]
        {
            if let Some(right) = self.rights.get(&key) {
                return right;
            }
        }
        if to == "deleted" { rights::DELETE_TICKET } else { rights::MODIFY_TICKET }
    }

    /// The actions offered for a ticket in `status`, in order.
    pub fn actions_from<'a>(&'a self, status: &str) -> impl Iterator<Item = &'a Action> {
        let status = status.to_lowercase();
        self.actions.iter().filter(move |a| (a.from == "*" || a.from == status) && a.to != status)
    }

    fn right_names(&self) -> impl Iterator<Item = &str> {
        self.rights.values().map(String::as_str)
    }
}

fn parse_transition(text: &str, known: &std::collections::HashSet<String>, wildcard: bool) -> Option<(String, String)> {
    let (from, to) = text.split_once("->")?;
    let (from, to) = (from.trim().to_lowercase(), to.trim().to_lowercase());
    let ok = |s: &str| (wildcard && s == "*") || known.contains(s);
    (ok(&from) && ok(&to)).then_some((from, to))
}

/// Every lifecycle of a site plus the status maps between them.
#[derive(Debug, Clone)]
pub struct Lifecycles {
    by_name: BTreeMap<String, Lifecycle>,
    maps: HashMap<(String, String), HashMap<String, String>>,
}

impl Default for Lifecycles {
    fn default() -> Self {
        let mut by_name = BTreeMap::new();
        by_name.insert("default".to_string(), Lifecycle::builtin_default());
        Lifecycles { by_name, maps: HashMap::new() }
    }
}

impl Lifecycles {
    /// The built-in lifecycles plus those a site defines; a site may
    /// redefine `default`. Maps are keyed `"from -> to"` by lifecycle name.
    pub fn from_config(
        defs: &BTreeMap<String, LifecycleDef>,
        maps: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<Lifecycles> {
        let mut lifecycles = Lifecycles::default();
        for (name, def) in defs {
            lifecycles.by_name.insert(name.clone(), Lifecycle::from_def(name, def.clone())?);
        }
        for (key, map) in maps {
            let bad = |message: String| Error::Config { key: format!("lifecycle_maps.{key}"), message };
            let (from, to) = key.split_once("->").ok_or_else(|| bad("expected \"from -> to\"".into()))?;
            let (from, to) = (from.trim().to_string(), to.trim().to_string());
            let (lf, lt) = (
                lifecycles.get(&from).ok_or_else(|| bad(format!("unknown lifecycle {from:?}")))?,
                lifecycles.get(&to).ok_or_else(|| bad(format!("unknown lifecycle {to:?}")))?,
            );
            let mut status_map = HashMap::new();
            for (old, new) in map {
                if !lf.is_valid(old) || !lt.is_valid(new) {
                    return Err(bad(format!("{old:?} -> {new:?} names an unknown status")));
                }
                status_map.insert(old.to_lowercase(), new.to_lowercase());
            }
            lifecycles.maps.insert((from, to), status_map);
        }
        Ok(lifecycles)
    }

    /// A lifecycle by name.
    pub fn get(&self, name: &str) -> Option<&Lifecycle> {
        self.by_name.get(name)
    }

    /// Every lifecycle, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = &Lifecycle> {
        self.by_name.values()
    }

    /// The status a ticket in `status` gets when it moves from lifecycle
    /// `from` to lifecycle `to`: unchanged within one lifecycle, otherwise
    /// through the configured map (`None` when no map covers it).
    pub fn map_status(&self, from: &str, to: &str, status: &str) -> Option<String> {
        if from == to {
            return Some(status.to_lowercase());
        }
        self.maps.get(&(from.to_string(), to.to_string()))?.get(&status.to_lowercase()).cloned()
    }

    /// Adds every right named by a lifecycle to `registry`.
    pub fn register_rights(&self, registry: &mut Registry) {
        for lc in self.by_name.values() {
            for right in lc.right_names() {
                registry.add_status_right(right);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_lifecycle_matches_rt() {
        let lc = Lifecycle::builtin_default();
        assert_eq!(lc.on_create(), "new");
        assert!(lc.is_transition("", "open"));
        assert!(!lc.is_transition("", "stalled"));
        assert!(lc.is_transition("resolved", "open"));
        assert!(!lc.is_transition("open", "open"));
        assert_eq!(lc.check_right("open", "deleted"), "DeleteTicket");
        assert_eq!(lc.check_right("open", "resolved"), "ModifyTicket");
        assert_eq!(lc.class_of("Stalled"), Some(StatusClass::Active));
        let labels: Vec<_> = lc.actions_from("new").map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["Open It", "Resolve", "Reject", "Delete"]);
    }

    #[test]
    fn site_lifecycles_and_maps_are_checked() {
        let def: LifecycleDef = toml::from_str(
            r#"initial = ["pending"]
               active = ["working"]
               inactive = ["done"]
               [transitions]
               "" = ["pending"]
               pending = ["working", "done"]
               working = ["done"]
               [rights]
               "* -> done" = "CloseTicket""#,
        )
        .expect("valid toml");
        let mut defs = BTreeMap::new();
        defs.insert("support".to_string(), def);
        let mut maps = BTreeMap::new();
        maps.insert(
            "default -> support".to_string(),
            [("new", "pending"), ("open", "working"), ("resolved", "done")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        let lcs = Lifecycles::from_config(&defs, &maps).expect("valid config");
        assert_eq!(lcs.map_status("default", "support", "open").as_deref(), Some("working"));
        assert_eq!(lcs.map_status("default", "support", "stalled"), None);
        let mut reg = Registry::default();
        lcs.register_rights(&mut reg);
        assert!(reg.get("CloseTicket").is_some());

        let mut bad = BTreeMap::new();
        bad.insert("x -> support".to_string(), BTreeMap::new());
        let err = Lifecycles::from_config(&defs, &bad).expect_err("unknown lifecycle");
        assert!(err.to_string().contains("lifecycle_maps.x -> support"), "{err}");
    }
}
