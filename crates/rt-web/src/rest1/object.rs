//! Users, queues and groups over REST 1.0: `user/<id|name>`,
//! `queue/<id|name>`, `group/<id|name>` shown; users and queues also
//! created (`user/new`, `queue/new`) and edited through the CLI's `edit`
//! (`rt create -t user ...`, `rt edit user/<name> set ...`), as RT's
//! `Forms/user/default` and `Forms/queue/default` do.

use rt_core::{Error, GroupId, NewQueue, NewUser, QueueId, QueueUpdate, Session, Tx, User, UserProfile};

use super::form::{Form, Parsed};
use super::{Reply, comment_payload, form_payload, internal};

/// RT's user fields, in its order.
const USER_FIELDS: [&str; 22] = [
    "Name",
    "EmailAddress",
    "RealName",
    "NickName",
    "Gecos",
    "Organization",
    "Address1",
    "Address2",
    "City",
    "State",
    "Zip",
    "Country",
    "HomePhone",
    "WorkPhone",
    "MobilePhone",
    "PagerPhone",
    "FreeformContactInfo",
    "Comments",
    "Signature",
    "Lang",
    "Privileged",
    "Disabled",
];

/// The lowercased names of a `fields` list, if one is given.
fn wanted(fields: Option<&str>) -> Option<Vec<String>> {
    fields
        .filter(|f| !f.trim().is_empty())
        .map(|f| f.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
}

fn user_value(u: &User, privileged: bool, disabled: bool, key: &str) -> String {
    let text = match key {
        "Name" => &u.name,
        "EmailAddress" => return u.email_address.clone().unwrap_or_default(),
        "RealName" => &u.real_name,
        "NickName" => &u.nick_name,
        "Gecos" => &u.gecos,
        "Organization" => &u.organization,
        "Address1" => &u.address1,
        "Address2" => &u.address2,
        "City" => &u.city,
        "State" => &u.state,
        "Zip" => &u.zip,
        "Country" => &u.country,
        "HomePhone" => &u.home_phone,
        "WorkPhone" => &u.work_phone,
        "MobilePhone" => &u.mobile_phone,
        "PagerPhone" => &u.pager_phone,
        "FreeformContactInfo" => &u.freeform_contact_info,
        "Comments" => &u.comments,
        "Signature" => &u.signature,
        "Lang" => &u.lang,
        "Privileged" => return bool_flag(privileged).into(),
        _ => return bool_flag(disabled).into(),
    };
    text.clone()
}

/// The profile field a form key sets, if it is one.
fn profile_field<'a>(p: &'a mut UserProfile, key: &str) -> Option<&'a mut Option<String>> {
    Some(match key {
        "realname" => &mut p.real_name,
        "nickname" => &mut p.nick_name,
        "gecos" => &mut p.gecos,
        "organization" => &mut p.organization,
        "address1" => &mut p.address1,
        "address2" => &mut p.address2,
        "city" => &mut p.city,
        "state" => &mut p.state,
        "zip" => &mut p.zip,
        "country" => &mut p.country,
        "homephone" => &mut p.home_phone,
        "workphone" => &mut p.work_phone,
        "mobilephone" => &mut p.mobile_phone,
        "pagerphone" => &mut p.pager_phone,
        "freeformcontactinfo" | "contactinfo" => &mut p.freeform_contact_info,
        "comments" => &mut p.comments,
        "signature" => &mut p.signature,
        "lang" => &mut p.lang,
        _ => return None,
    })
}

fn load_queue(tx: &mut Tx<'_>, id: &str) -> rt_core::Result<rt_core::Queue> {
    match id.parse::<i64>() {
        Ok(n) => tx.queue(QueueId(n)),
        Err(_) => tx.queue_by_name(id),
    }
}

/// An edit's answer: its comments; refused values make it a `409` that
/// echoes the form, as RT's.
fn edit_answer(done: Vec<String>, errors: Vec<String>, form: &Parsed) -> Reply {
    if errors.is_empty() {
        let text: String = done.iter().map(|c| format!("# {c}\n")).collect();
        return Reply::ok(format!("{text}\n"));
    }
    let mut answer = Form::new();
    for c in done.iter().chain(&errors) {
        answer = answer.comment(c.clone());
    }
    for (k, v) in &form.fields {
        answer = answer.text(k.clone(), v.clone());
    }
    Reply::status(409, "Syntax Error", form_payload(&answer))
}

/// The answer to an edit of a user or queue (`noun`): what was done and
/// refused, or why nothing could be.
fn edit_result(result: rt_core::Result<(Vec<String>, Vec<String>)>, noun: &str, id: &str, form: &Parsed) -> Reply {
    match result {
        Ok((done, errors)) => edit_answer(done, errors, form),
        Err(Error::NotFound { .. }) => {
            Reply::status(400, "Bad Request", comment_payload(&format!("{noun} {id} does not exist.")))
        }
        Err(Error::PermissionDenied { .. }) => Reply::status(400, "Bad Request", comment_payload("Permission Denied")),
        Err(e) => internal(&e),
    }
}

/// Why creating a `noun` was refused, in RT's words; errors that are not
/// a refusal are passed on.
fn creation_refused(noun: &str, e: Error) -> rt_core::Result<[String; 2]> {
    match e {
        Error::Conflict(m) => Ok([format!("Could not create {noun}."), m]),
        e @ (Error::Validation { .. } | Error::PermissionDenied { .. }) => {
            Ok([format!("Could not create {noun}."), refusal(noun, &e)])
        }
        e => Err(e),
    }
}

/// Counts one field of an edit: its change taken (`updated` when it
/// changed anything), or its refusal said in `errors`; other errors end
/// the edit.
fn tally(
    change: rt_core::Result<bool>,
    key: &str,
    updated: &mut bool,
    errors: &mut Vec<String>,
) -> rt_core::Result<()> {
    match change {
        Ok(changed) => *updated |= changed,
        Err(e @ (Error::Validation { .. } | Error::PermissionDenied { .. } | Error::Conflict(_))) => {
            errors.push(refusal(key, &e))
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

fn refusal(key: &str, e: &Error) -> String {
    match e {
        Error::PermissionDenied { .. } => format!("{key}: Permission Denied"),
        Error::Validation { message, .. } => format!("{key}: {message}"),
        e => format!("{key}: {e}"),
    }
}

/// `user/new` without changes: the form to fill in.
pub fn new_user_form() -> Reply {
    let form = Form::new()
        .comment("Required: Name, EmailAddress")
        .text("id", "user/new")
        .text("Name", "")
        .text("EmailAddress", "")
        .text("Organization", "")
        .text("Password", "")
        .text("Comments", "");
    Reply::ok(form_payload(&form))
}

/// The CLI's `edit` of `user/<id|name>` or `user/new`.
pub fn edit_user(session: &Session, id: &str, form: &Parsed) -> Reply {
    let mut done = Vec::new();
    let mut errors = Vec::new();
    let result = session.write(|tx| {
        let user = if id == "new" {
            let mut new = NewUser::default();
            let mut disabled = false;
            for (key, value) in &form.fields {
                let lower = key.to_ascii_lowercase();
                let v = value.trim().to_string();
                match lower.as_str() {
                    "name" => new.name = v,
                    "emailaddress" => new.email = Some(v).filter(|v| !v.is_empty()),
                    "password" => new.password = Some(v).filter(|v| !v.is_empty()),
                    "privileged" => new.privileged = v == "1",
                    "disabled" => disabled = v == "1",
                    _ => {
                        if let Some(f) = profile_field(&mut new.profile, &lower) {
                            *f = Some(v).filter(|v| !v.is_empty());
                        }
                    }
                }
            }
            let created = match tx.savepoint(|tx| tx.create_user(new)) {
                Ok(u) => u,
                Err(e) => {
                    errors.extend(creation_refused("user", e)?);
                    return Ok(());
                }
            };
            if disabled {
                tx.set_user_disabled(created, true)?;
            }
            done.push(format!("User {} created.", created.0));
            return Ok(());
        } else {
            tx.visible_user(id)?
        };
        let uid = user.user_id();
        let (privileged, disabled) = (tx.is_privileged(uid)?, tx.is_user_disabled(uid)?);
        let mut updated = false;
        for (key, value) in &form.fields {
            let lower = key.to_ascii_lowercase();
            let v = value.trim();
            let field = USER_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(&lower)).copied();
            let current = field.map(|f| user_value(&user, privileged, disabled, f));
            if current.as_deref() == Some(v) {
                continue;
            }
            let change = tx.savepoint(|tx| match lower.as_str() {
                "id" => Ok(false),
                "name" => Err(Error::invalid("name", "Immutable field")),
                "emailaddress" => tx.set_user_email(uid, Some(v).filter(|v| !v.is_empty())).map(|_| true),
                "password" if v.chars().all(|c| c == '*') => Ok(false),
                "password" => tx.set_password(uid, Some(v)).map(|_| true),
                "privileged" => tx.set_privileged(uid, v == "1").map(|_| true),
                "disabled" => tx.set_user_disabled(uid, v == "1").map(|_| true),
                _ => {
                    let mut profile = UserProfile::default();
                    match profile_field(&mut profile, &lower) {
                        Some(f) => {
                            *f = Some(v.to_string());
                            tx.update_user(uid, &profile).map(|_| true)
                        }
                        None => Err(Error::invalid(lower.clone(), "Unknown field.")),
                    }
                }
            });
            tally(change, &lower, &mut updated, &mut errors)?;
        }
        if updated && errors.is_empty() {
            done.push(format!("User {} updated.", user.id));
        }
        Ok(())
    });
    edit_result(result.map(|()| (done, errors)), "User", id, form)
}

/// `queue/new` without changes: the form to fill in.
pub fn new_queue_form() -> Reply {
    let form = Form::new()
        .comment("Required: Name")
        .text("id", "queue/new")
        .text("Name", "<queue name>")
        .text("Description", "")
        .text("CorrespondAddress", "")
        .text("CommentAddress", "")
        .text("Disabled", "")
        .text("SLADisabled", "");
    Reply::ok(form_payload(&form))
}

/// The CLI's `edit` of `queue/<id|name>` or `queue/new`.
pub fn edit_queue(session: &Session, id: &str, form: &Parsed) -> Reply {
    let mut done = Vec::new();
    let mut errors = Vec::new();
    let result = session.write(|tx| {
        if id == "new" {
            let mut new = NewQueue::default();
            let mut disabled = false;
            for (key, value) in &form.fields {
                let v = value.trim().to_string();
                match key.to_ascii_lowercase().as_str() {
                    "name" => new.name = v,
                    "description" => new.description = v,
                    "correspondaddress" => new.correspond_address = v,
                    "commentaddress" => new.comment_address = v,
                    "sladisabled" => new.sla_disabled = v == "1",
                    "disabled" => disabled = v == "1",
                    _ => {}
                }
            }
            if new.name == "<queue name>" || new.name.is_empty() {
                errors.push("Please set the queue name.".to_string());
                return Ok(());
            }
            let created = match tx.savepoint(|tx| tx.create_queue(new)) {
                Ok(q) => q,
                Err(e) => {
                    errors.extend(creation_refused("queue", e)?);
                    return Ok(());
                }
            };
            if disabled {
                tx.set_queue_disabled(created, true)?;
            }
            done.push(format!("Queue {} created.", created.0));
            return Ok(());
        }
        let queue = load_queue(tx, id)?;
        let qid = queue.queue_id();
        let mut updated = false;
        for (key, value) in &form.fields {
            let lower = key.to_ascii_lowercase();
            let v = value.trim();
            let current = match lower.as_str() {
                "name" => Some(queue.name.clone()),
                "description" => Some(queue.description.clone()),
                "correspondaddress" => Some(queue.correspond_address.clone()),
                "commentaddress" => Some(queue.comment_address.clone()),
                "disabled" => Some(bool_flag(queue.disabled).to_string()),
                "sladisabled" => Some(bool_flag(queue.sla_disabled).to_string()),
                _ => None,
            };
            if current.as_deref() == Some(v) {
                continue;
            }
            let change = tx.savepoint(|tx| {
                let mut update = QueueUpdate::default();
                match lower.as_str() {
                    "id" => return Ok(false),
                    "name" => return tx.rename_queue(qid, v).map(|_| true),
                    "disabled" => return tx.set_queue_disabled(qid, v == "1").map(|_| true),
                    "description" => update.description = Some(v.to_string()),
                    "correspondaddress" => update.correspond_address = Some(v.to_string()),
                    "commentaddress" => update.comment_address = Some(v.to_string()),
                    "sladisabled" => update.sla_disabled = Some(v == "1"),
                    _ => return Err(Error::invalid(lower.clone(), "Unknown field.")),
                }
                tx.update_queue(qid, &update).map(|_| true)
            });
            tally(change, &lower, &mut updated, &mut errors)?;
        }
        if updated && errors.is_empty() {
            done.push(format!("Queue {} updated.", queue.id));
        }
        Ok(())
    });
    edit_result(result.map(|()| (done, errors)), "Queue", id, form)
}

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

/// `user/<id|name>`: with `format=l` every field, otherwise the ones with
/// a value; `fields` picks (`Password` only when asked for then).
pub fn user(session: &Session, id: &str, format: Option<&str>, fields: Option<&str>) -> Reply {
    let wanted = wanted(fields);
    let long = format.is_some_and(|f| f.trim().eq_ignore_ascii_case("l"));
    let result = session.read(|tx| {
        let user = tx.visible_user(id)?;
        let privileged = tx.is_privileged(user.user_id())?;
        let disabled = tx.is_user_disabled(user.user_id())?;
        let mut form = Form::new().text("id", format!("user/{}", user.id));
        if wanted.as_ref().is_none_or(|w| w.iter().any(|f| f == "password")) {
            form = form.text("Password", "********");
        }
        for key in USER_FIELDS {
            let asked = wanted.as_ref().map(|w| w.iter().any(|f| f.eq_ignore_ascii_case(key)));
            if asked == Some(false) {
                continue;
            }
            let value = user_value(&user, privileged, disabled, key);
            if asked == Some(true) || long || !value.is_empty() {
                form = form.text(if key == "FreeformContactInfo" { "ContactInfo" } else { key }, value);
            }
        }
        Ok(form.ordered_as(fields))
    });
    answer(result, "user", id)
}

/// `queue/<id|name>`: every field, or those `fields` picks.
pub fn queue(session: &Session, id: &str, fields: Option<&str>) -> Reply {
    let wanted = wanted(fields);
    let result = session.read(|tx| {
        let queue = load_queue(tx, id)?;
        let all = [
            ("Name", queue.name),
            ("Description", queue.description),
            ("CorrespondAddress", queue.correspond_address),
            ("CommentAddress", queue.comment_address),
            ("Disabled", bool_flag(queue.disabled).to_string()),
            ("SLADisabled", bool_flag(queue.sla_disabled).to_string()),
        ];
        let mut form = Form::new().text("id", format!("queue/{}", queue.id));
        for (key, value) in all {
            if wanted.as_ref().is_none_or(|w| w.iter().any(|f| f.eq_ignore_ascii_case(key))) {
                form = form.text(key, value);
            }
        }
        Ok(form.ordered_as(fields))
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
