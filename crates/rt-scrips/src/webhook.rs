//! The Webhook action and its delivery: a scrip POSTs the transaction as
//! JSON to a URL, durably.
//!
//! The action only puts the delivery in the outbox (channel `webhook`), in
//! the engine's DB transaction; [`deliver_pending`] (run by `rt-server` on
//! its own thread) POSTs it outside any DB transaction under a lease, as
//! mail is sent. A 2xx answer is success. 408, 429, any 5xx and network
//! errors are retried with the outbox's backoff. Any other 4xx is final.
//! Each delivery carries `X-RT-Delivery: <id>`, the same on every retry, so
//! receivers can drop duplicates.
//!
//! The scrip's action rule names the URL: `{"url": "https://hooks.example/rt"}`.

use std::time::Duration;

use rt_core::outbox::{Attempt, DeliveryReport, WEBHOOK, deliver_due};
use rt_core::{Error, Result, Rt, Tx};
use serde::Deserialize;
use serde_json::json;

use crate::conditions::Subject;

/// A Webhook scrip's rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Where to POST.
    pub url: String,
}

/// Queues the POST of one transaction.
pub fn run(tx: &mut Tx<'_>, rule: Option<&str>, s: &Subject<'_>) -> Result<Option<String>> {
    let rule: Rule = serde_json::from_str(rule.unwrap_or(""))
        .map_err(|e| Error::invalid("action", format!("Webhook needs {{\"url\": ...}}: {e}")))?;
    let (ticket, txn) = (s.ticket, s.txn);
    let queue = tx.queue(ticket.queue)?.name;
    let creator = tx.user(txn.creator)?.name;
    let config = tx.config().clone();
    let body = json!({
        "rtname": config.rtname,
        "ticket": {
            "id": ticket.id.0,
            "subject": ticket.subject,
            "status": ticket.status,
            "queue": queue,
            "owner": tx.user(ticket.owner)?.name,
            "priority": ticket.priority,
            "url": format!("{}/Ticket/Display.html?id={}", config.effective_web_base_url(), ticket.id),
        },
        "transaction": {
            "id": txn.id.0,
            "type": txn.kind,
            "field": txn.field,
            "old_value": txn.old_value,
            "new_value": txn.new_value,
            "data": txn.data,
            "creator": creator,
            "created": txn.created.to_rfc3339(),
            "subject": s.message_subject(),
        },
    });
    let url_hash = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        rule.url.hash(&mut h);
        h.finish()
    };
    let delivery = format!("{}-{}-{url_hash:016x}", config.rtname, txn.id);
    let body = serde_json::to_vec(&body).map_err(|e| Error::invalid("webhook", e.to_string()))?;
    tx.enqueue_webhook(Some(ticket.id), Some(txn.id), &rule.url, &delivery, body)?;
    Ok(Some(format!("webhook queued for {}", rule.url)))
}

/// Claims up to `batch` due webhook deliveries for `node` and POSTs them,
/// each with `timeout` (see [`rt_core::outbox::deliver_due`]).
pub fn deliver_pending(rt: &Rt, node: &str, batch: usize, timeout: Duration) -> Result<DeliveryReport> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("rt-rs-webhook/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let lease = timeout.saturating_mul(2).max(Duration::from_secs(10));
    deliver_due(rt, WEBHOOK, node, batch, lease, |item| {
        let url = item.mail.recipients.first().map(String::as_str).unwrap_or_default();
        let answer = agent
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-RT-Delivery", &item.mail.message_id)
            .send(&item.mail.content[..]);
        match answer {
            Ok(response) if response.status().is_success() => Attempt::Sent,
            Ok(response) => {
                let code = response.status().as_u16();
                let error = format!("{url}: HTTP {code}");
                if code == 408 || code == 429 || code >= 500 { Attempt::Retry(error) } else { Attempt::GiveUp(error) }
            }
            Err(e) => Attempt::Retry(format!("{url}: {e}")),
        }
    })
}

/// Delivers webhooks until `stop` says so: what is due at once, then every
/// `poll`.
pub fn run_worker(rt: &Rt, node: &str, poll: Duration, stop: &std::sync::mpsc::Receiver<()>) {
    rt_core::worker::run_until_stopped("webhooks", poll, stop, || {
        Ok(deliver_pending(rt, node, 20, Duration::from_secs(30))?.claimed == 20)
    });
}
