//! RT 5's default templates and scrips, installed on first start.

use rt_core::{Interface, NewScrip, NewTemplate, Result, Rt};
use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/default_templates.rs"));

#[derive(Deserialize)]
struct Manifest {
    template: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    description: String,
    file: String,
}

/// RT 5's default global scrips (description, condition, action,
/// template), in RT's order. The Forward scrips come with forwarding.
pub const SCRIPS: &[(&str, &str, &str, &str)] = &[
    ("On Comment Notify AdminCcs as Comment", "On Comment", "Notify AdminCcs as Comment", "Admin Comment in HTML"),
    (
        "On Comment Notify Other Recipients as Comment",
        "On Comment",
        "Notify Other Recipients as Comment",
        "Correspondence in HTML",
    ),
    (
        "On Correspond Notify Owner and AdminCcs",
        "On Correspond",
        "Notify Owner and AdminCcs",
        "Admin Correspondence in HTML",
    ),
    ("On Correspond Notify Other Recipients", "On Correspond", "Notify Other Recipients", "Correspondence in HTML"),
    ("On Correspond Notify Requestors and Ccs", "On Correspond", "Notify Requestors and Ccs", "Correspondence in HTML"),
    ("On Correspond Open Inactive Tickets", "On Correspond", "Open Inactive Tickets", "Blank"),
    ("On Create Autoreply To Requestors", "On Create", "Autoreply To Requestors", "Autoreply in HTML"),
    ("On Create Notify Owner and AdminCcs", "On Create", "Notify Owner and AdminCcs", "Transaction in HTML"),
    ("On Create Notify Ccs", "On Create", "Notify Ccs", "Correspondence in HTML"),
    ("On Create Notify Other Recipients", "On Create", "Notify Other Recipients", "Correspondence in HTML"),
    ("On Owner Change Notify Owner", "On Owner Change", "Notify Owner", "Transaction in HTML"),
    ("On Resolve Notify Requestors", "On Resolve", "Notify Requestors", "Resolved in HTML"),
    (
        "On transaction, add any tags in the transaction's subject to the ticket's subject",
        "On Transaction",
        "Extract Subject Tag",
        "Blank",
    ),
    (
        "Set starts date if needed according to SLA",
        "Require Starts set according to SLA",
        "Set starts date according to SLA",
        "Blank",
    ),
    (
        "Set due date if needed according to SLA",
        "Require Due set according to SLA",
        "Set due date according to SLA",
        "Blank",
    ),
];

/// The default templates: (name, description, source).
pub fn templates() -> Result<Vec<(String, String, &'static str)>> {
    let manifest: Manifest =
        toml::from_str(MANIFEST).map_err(|e| rt_core::Error::invalid("templates/mail/manifest.toml", e.to_string()))?;
    manifest
        .template
        .into_iter()
        .map(|e| {
            let source = FILES
                .iter()
                .find(|(file, _)| *file == e.file)
                .map(|(_, source)| *source)
                .ok_or_else(|| rt_core::Error::not_found("template file", &e.file))?;
            Ok((e.name, e.description, source))
        })
        .collect()
}

/// Installs the default templates and scrips unless the site has global
/// templates already (first start). Returns whether it installed them.
/// Nodes starting together on a fresh database race: the one whose
/// templates collide with another's (on PostgreSQL) leaves the install to
/// it.
pub fn install(rt: &Rt) -> Result<bool> {
    let templates = templates()?;
    let installed = rt.system_session(Interface::Api).write(|tx| {
        if !tx.templates(None)?.is_empty() {
            return Ok(false);
        }
        for (name, description, source) in &templates {
            let new = NewTemplate {
                queue: None,
                name: name.clone(),
                description: description.clone(),
                content: (*source).to_string(),
            };
            crate::template::save(tx, &new)?;
        }
        for (order, (description, condition, action, template)) in SCRIPS.iter().enumerate() {
            let new = NewScrip { sort_order: order as i64, ..NewScrip::new(description, condition, action, template) };
            tx.create_scrip(&new)?;
        }
        Ok(true)
    });
    match installed {
        Err(rt_core::Error::Conflict(_)) => Ok(false),
        other => other,
    }
}
