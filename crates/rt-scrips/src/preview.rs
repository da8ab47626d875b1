//! Who will get mail before an update is submitted: RT's "Show recipients"
//! on the reply and comment forms.
//!
//! [`recipients`] plays the update through the scrips of the ticket's
//! queue without writing anything. It builds the transaction the update
//! would record, with the form's one-time Cc/Bcc and squelched addresses
//! as the headers they become. For each notification scrip whose condition
//! holds it lists the addresses, with RT's rules (the actor left out,
//! squelched addresses dropped) applied as they will be when the update is
//! made.

use chrono::Utc;
use rt_core::{Attachment, AttachmentId, Interface, Result, Rt, ScripId, TicketId, Transaction, TransactionId, UserId};

use crate::conditions::Subject;
use crate::{actions, engine};

/// The update to preview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Update {
    /// `Correspond` or `Comment` (any transaction type scrips look at).
    pub kind: String,
    /// One-time Cc addresses typed on the form.
    pub cc: Vec<String>,
    /// One-time Bcc addresses.
    pub bcc: Vec<String>,
    /// Addresses the user unticked: they get nothing from this update.
    pub squelch: Vec<String>,
}

/// One scrip's mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipients {
    /// The scrip.
    pub scrip: ScripId,
    /// What it does.
    pub description: String,
    /// `To` addresses.
    pub to: Vec<String>,
    /// `Cc` addresses.
    pub cc: Vec<String>,
    /// `Bcc` addresses.
    pub bcc: Vec<String>,
}

/// Who would get mail if `user` made `update` on `ticket` now. The user
/// must be able to see the ticket; the scrips are read as the engine reads
/// them.
pub fn recipients(rt: &Rt, user: UserId, ticket: TicketId, update: &Update) -> Result<Vec<Recipients>> {
    let ticket = rt.session(user, Interface::Web)?.read(|tx| tx.ticket(ticket))?;
    let mut headers = String::new();
    for (name, list) in
        [("RT-Send-Cc", &update.cc), ("RT-Send-Bcc", &update.bcc), ("RT-Squelch-Replies-To", &update.squelch)]
    {
        if !list.is_empty() {
            headers.push_str(&format!("{name}: {}\n", list.join(", ")));
        }
    }
    let now = Utc::now();
    let txn = Transaction {
        id: TransactionId(0),
        object_type: "RT::Ticket".into(),
        object_id: ticket.id.0,
        time_taken: 0,
        kind: update.kind.clone(),
        field: None,
        old_value: None,
        new_value: None,
        reference_type: None,
        old_reference: None,
        new_reference: None,
        data: None,
        interface: Interface::Web.as_str().into(),
        creator: user,
        created: now,
    };
    let message = Attachment {
        id: AttachmentId(0),
        transaction: txn.id,
        parent: None,
        message_id: None,
        subject: None,
        filename: None,
        content_type: "text/plain".into(),
        content_encoding: "none".into(),
        headers,
        size: 0,
        created: now,
    };
    let attachments = [message];
    let subject = Subject { ticket: &ticket, txn: &txn, attachments: &attachments };
    rt.system_session(Interface::Web).read(|tx| {
        let mut out = Vec::new();
        for scrip in tx.scrips_for(ticket.queue, "TransactionCreate")? {
            let Some(plan) = actions::notification(tx, &scrip.action, scrip.action_rule.as_deref(), &ticket)? else {
                continue;
            };
            if !engine::applies(tx, &scrip, &subject)? {
                continue;
            }
            let found = actions::recipients(tx, &subject, &plan)?;
            if !found.is_empty() {
                let actions::Addresses { to, cc, bcc } = found;
                out.push(Recipients { scrip: scrip.id, description: scrip.description, to, cc, bcc });
            }
        }
        Ok(out)
    })
}
