//! Users, queues and groups over REST 1.0: `user/<id|name>`,
//! `queue/<id|name>`, `group/<id|name>` (shown; editing them is not
//! offered here).

use rt_core::{Error, GroupId, QueueId, Session, UserId};

use super::form::Form;
use super::{Reply, comment_payload, form_payload, internal};

fn bool_flag(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

fn answer(result: rt_core::Result<Form>, kind: &str, id: &str) -> Reply {
    match result {
        Ok(form) => Reply::ok(form_payload(&form)),
        Err(Error::NotFound { .. }) => {
            let mut noun = kind.to_string();
            if let Some(first) = noun.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            Reply::ok(comment_payload(&format!("{noun} {id} does not exist.")))
        }
        Err(Error::PermissionDenied { .. }) => {
            Reply::ok(comment_payload(&format!("You are not allowed to display {kind} {id}.")))
        }
        Err(e) => internal(&e),
    }
}

/// `user/<id|name>`.
pub fn user(session: &Session, id: &str) -> Reply {
    let result = session.read(|tx| {
        let user = match id.parse::<i64>() {
            Ok(n) => tx.user(UserId(n))?,
            Err(_) => tx.user_by_name(id)?,
        };
        let privileged = tx.is_privileged(user.user_id())?;
        let disabled = tx.is_user_disabled(user.user_id())?;
        Ok(Form::new()
            .text("id", format!("user/{}", user.id))
            .text("Password", "********")
            .text("Name", user.name)
            .text("EmailAddress", user.email_address.unwrap_or_default())
            .text("RealName", user.real_name)
            .text("Gecos", user.gecos)
            .text("Comments", user.comments)
            .text("Privileged", bool_flag(privileged))
            .text("Disabled", bool_flag(disabled)))
    });
    answer(result, "user", id)
}

/// `queue/<id|name>`.
pub fn queue(session: &Session, id: &str) -> Reply {
    let result = session.read(|tx| {
        let queue = match id.parse::<i64>() {
            Ok(n) => tx.queue(QueueId(n))?,
            Err(_) => tx.queue_by_name(id)?,
        };
        Ok(Form::new()
            .text("id", format!("queue/{}", queue.id))
            .text("Name", queue.name)
            .text("Description", queue.description)
            .text("CorrespondAddress", queue.correspond_address)
            .text("CommentAddress", queue.comment_address)
            .text("Disabled", bool_flag(queue.disabled))
            .text("SLADisabled", bool_flag(queue.sla_disabled)))
    });
    answer(result, "queue", id)
}

/// `group/<id|name>`.
pub fn group(session: &Session, id: &str) -> Reply {
    let result = session.read(|tx| {
        let group = match id.parse::<i64>() {
            Ok(n) => tx.group(GroupId(n))?,
            Err(_) => tx.group_by_name(id)?,
        };
        Ok(Form::new()
            .text("id", format!("group/{}", group.id))
            .text("Name", group.name)
            .text("Description", group.description))
    });
    answer(result, "group", id)
}
