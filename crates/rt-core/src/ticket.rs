//! Tickets: creation, field updates, status changes through the queue's
//! lifecycle, owner changes, queue moves, comments and correspondence, and
//! reading a ticket's history.
//!
//! Each change writes its transaction (RT's type, field, old and new value)
//! in the same DB transaction. Rights follow RT 5: `CreateTicket` on the
//! queue to create; `ShowTicket` to read; `ModifyTicket` for fields; the
//! lifecycle's right for each status transition; `OwnTicket`, `TakeTicket`,
//! `StealTicket`, `ReassignTicket` for owner changes; `ReplyToTicket` /
//! `CommentOnTicket` (or `ModifyTicket`) for messages.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::acl::{AclObject, Role, TICKET_ROLE};
use crate::db::dialect::{self, IdTable};
use crate::db::schema::tickets;
use crate::error::{Error, Result};
use crate::ids::{AttachmentId, CustomFieldId, GroupId, PrincipalId, QueueId, TicketId, TransactionId, UserId};
use crate::lifecycles::StatusClass;
use crate::principal::{add_member, insert_ticket_role_groups, remove_member};
use crate::queue::load_queue;
use crate::rights;
use crate::session::Tx;
use crate::transaction::{Attachment, Message, MimeEntity, NewTransaction, Transaction};

/// RT's object type for tickets.
pub const TICKET: &str = "RT::Ticket";

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// The ticket it was merged into (itself when not merged).
    pub effective_id: TicketId,
    /// Whether it was merged into another.
    pub is_merged: bool,
    /// Its queue.
    pub queue: QueueId,
    /// `ticket`, `reminder` or `approval`.
    pub kind: String,
    /// Owner (Nobody when unowned).
    pub owner: UserId,
    /// Subject.
    pub subject: String,
    /// Priority at creation.
    pub initial_priority: i64,
    /// Priority it escalates towards.
    pub final_priority: i64,
    /// Current priority.
    pub priority: i64,
    /// Estimated minutes.
    pub time_estimated: i64,
    /// Minutes worked.
    pub time_worked: i64,
    /// Minutes left.
    pub time_left: i64,
    /// Status (lower case).
    pub status: String,
    /// SLA level.
    pub sla: Option<String>,
    /// Last time a requestor was told something.
    pub told: Option<DateTime<Utc>>,
    /// When work should start.
    pub starts: Option<DateTime<Utc>>,
    /// When work started (first move out of an initial status).
    pub started: Option<DateTime<Utc>>,
    /// When it is due.
    pub due: Option<DateTime<Utc>>,
    /// When it was last resolved.
    pub resolved: Option<DateTime<Utc>>,
    /// Who created it.
    pub creator: UserId,
    /// When.
    pub created: DateTime<Utc>,
    /// Who changed it last.
    pub last_updated_by: UserId,
    /// When.
    pub last_updated: DateTime<Utc>,
}

type TicketRow = (
    (i64, i64, bool, i64, String, i64, String, i64, i64, i64, i64, i64, i64),
    (String, Option<String>),
    (Option<NaiveDateTime>, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<NaiveDateTime>, Option<NaiveDateTime>),
    (i64, NaiveDateTime, i64, NaiveDateTime),
);

/// Message bodies up to this size are read ahead with their transactions
/// by [`Tx::prefetch_transactions`]; larger ones are read when asked for.
pub const PREFETCHED_BODY: i64 = 256 * 1024;

impl From<TicketRow> for Ticket {
    fn from(r: TicketRow) -> Ticket {
        let utc = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc());
        let (a, (status, sla), d, audit) = r;
        Ticket {
            id: TicketId(a.0),
            effective_id: TicketId(a.1),
            is_merged: a.2,
            queue: QueueId(a.3),
            kind: a.4,
            owner: UserId(a.5),
            subject: a.6,
            initial_priority: a.7,
            final_priority: a.8,
            priority: a.9,
            time_estimated: a.10,
            time_worked: a.11,
            time_left: a.12,
            status,
            sla,
            told: utc(d.0),
            starts: utc(d.1),
            started: utc(d.2),
            due: utc(d.3),
            resolved: utc(d.4),
            creator: UserId(audit.0),
            created: audit.1.and_utc(),
            last_updated_by: UserId(audit.2),
            last_updated: audit.3.and_utc(),
        }
    }
}

impl Ticket {
    /// The object its rights are checked on.
    pub fn acl_object(&self) -> AclObject {
        AclObject::Ticket { ticket: self.id, queue: self.queue }
    }
}

/// What to create a ticket with. Only `queue` is required.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    /// The queue.
    pub queue: Option<QueueId>,
    /// Subject (newlines are removed).
    pub subject: String,
    /// Status; the lifecycle's `on_create` default when `None`.
    pub status: Option<String>,
    /// Owner; needs `OwnTicket`. Nobody when `None`.
    pub owner: Option<UserId>,
    /// Requestors: email addresses (unknown ones become unprivileged users)
    /// or user names.
    pub requestors: Vec<String>,
    /// Ccs, as requestors.
    pub cc: Vec<String>,
    /// AdminCcs, as requestors; needs `ModifyTicket` unless it is only the
    /// creator with `WatchAsAdminCc`.
    pub admin_cc: Vec<String>,
    /// Priority; the initial priority when `None`.
    pub priority: Option<i64>,
    /// Initial priority; the queue's default when `None`.
    pub initial_priority: Option<i64>,
    /// Final priority; the queue's default when `None`.
    pub final_priority: Option<i64>,
    /// Estimated minutes.
    pub time_estimated: i64,
    /// Minutes already worked (recorded as the Create transaction's time).
    pub time_worked: i64,
    /// Minutes left.
    pub time_left: i64,
    /// When work should start.
    pub starts: Option<DateTime<Utc>>,
    /// Due date; the queue's default due-in days when `None`.
    pub due: Option<DateTime<Utc>>,
    /// SLA level; the queue's default when `None`.
    pub sla: Option<String>,
    /// `ticket` (default), `reminder` or `approval`.
    pub kind: Option<String>,
    /// The first message (what the requestor wrote).
    pub content: Option<MimeEntity>,
    /// That message exactly as it arrived (mail), kept beside the tree.
    pub raw: Option<Vec<u8>>,
    /// Custom field values; needs `SetInitialCustomField` (or
    /// `ModifyCustomField`). Fields with defaults get them otherwise.
    pub custom_fields: Vec<(CustomFieldId, Vec<String>)>,
}

/// Field changes; `None` leaves a field as it is. Each change is recorded
/// as its own `Set` transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketUpdate {
    /// Subject.
    pub subject: Option<String>,
    /// Current priority.
    pub priority: Option<i64>,
    /// Initial priority.
    pub initial_priority: Option<i64>,
    /// Final priority.
    pub final_priority: Option<i64>,
    /// Estimated minutes.
    pub time_estimated: Option<i64>,
    /// Minutes worked (the difference is the transaction's time taken).
    pub time_worked: Option<i64>,
    /// Minutes left.
    pub time_left: Option<i64>,
    /// Starts date (`Some(None)` clears it).
    pub starts: Option<Option<DateTime<Utc>>>,
    /// Started date.
    pub started: Option<Option<DateTime<Utc>>>,
    /// Due date.
    pub due: Option<Option<DateTime<Utc>>>,
    /// Told date (recorded as a `Told` transaction).
    pub told: Option<Option<DateTime<Utc>>>,
    /// SLA level.
    pub sla: Option<Option<String>>,
}

/// A forward of a ticket, or of one of its transactions, to people
/// outside it (RT's Forward page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forward {
    /// The transaction forwarded; the whole ticket when `None`.
    pub transaction: Option<TransactionId>,
    /// `To` addresses.
    pub to: Vec<String>,
    /// `Cc` addresses.
    pub cc: Vec<String>,
    /// `Bcc` addresses.
    pub bcc: Vec<String>,
    /// The forwarder's note put above what is forwarded.
    pub content: String,
}

/// How an owner change was asked for; decides which rights it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerChange {
    /// Set or give the owner.
    Set,
    /// Take an unowned ticket.
    Take,
    /// Give up ownership.
    Untake,
    /// Take a ticket someone else owns.
    Steal,
    /// Change the owner whoever owns it (needs `OwnTicket` of the actor).
    Force,
}

const NO_TIME: &str = "1970-01-01 00:00:00";

fn fmt_time(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_else(|| NO_TIME.into())
}

fn clean_subject(subject: &str) -> String {
    subject.replace(['\r', '\n'], " ").trim().to_string()
}

impl Tx<'_> {
    /// Creates a ticket. Needs `CreateTicket` on the queue.
    pub fn create_ticket(&mut self, new: NewTicket) -> Result<TicketId> {
        let queue_id = new.queue.ok_or_else(|| Error::invalid("queue", "a queue is required"))?;
        let queue = load_queue(self.conn, queue_id)?;
        if queue.disabled {
            return Err(Error::denied(rights::CREATE_TICKET, format!("queue {} (disabled)", queue.name)));
        }
        self.require(rights::CREATE_TICKET, AclObject::Queue(queue_id))?;
        let lifecycle = self.lifecycle_named(&queue.lifecycle)?;
        let status = match &new.status {
            Some(s) => s.trim().to_lowercase(),
            None => lifecycle.on_create().to_string(),
        };
        if !lifecycle.is_valid(&status) {
            return Err(Error::invalid("status", format!("'{status}' is not a valid status in queue {}", queue.name)));
        }
        if !lifecycle.is_transition("", &status) {
            return Err(Error::invalid(
                "status",
                format!("new tickets can not have status '{status}' in queue {}", queue.name),
            ));
        }
        let class = lifecycle.class_of(&status);
        let kind = new.kind.as_deref().unwrap_or("ticket").to_lowercase();
        if !["ticket", "reminder", "approval"].contains(&kind.as_str()) {
            return Err(Error::invalid("type", format!("'{kind}' is not a ticket type")));
        }
        for (field, minutes) in
            [("time_estimated", new.time_estimated), ("time_worked", new.time_worked), ("time_left", new.time_left)]
        {
            if minutes < 0 {
                return Err(Error::invalid(field, "must not be negative"));
            }
        }
        if let Some(content) = &new.content {
            self.check_content(content)?;
        }
        let initial_priority = new.initial_priority.unwrap_or(queue.initial_priority);
        let due =
            new.due.map(|d| d.naive_utc()).or_else(|| queue.default_due_in.map(|days| self.now + Duration::days(days)));
        // The level asked for, else the queue's, else the configured
        // default for the queue (RT's GetDefaultServiceLevel).
        let sla = if kind == "ticket" && !queue.sla_disabled {
            new.sla.clone().or_else(|| {
                self.rt.config.service_agreements.default_level(Some(&queue.name), false, queue.sla.as_deref())
            })
        } else {
            None
        };
        let nobody = self.rt.system.nobody;
        let id = dialect::reserve_ids(self.conn, IdTable::Tickets, 1)?[0];
        dialect::with_inner!(&mut *self.conn, c => diesel::insert_into(tickets::table)
            .values((
                (
                    tickets::id.eq(id),
                    tickets::effective_id.eq(id),
                    tickets::is_merged.eq(false),
                    tickets::queue.eq(queue_id.0),
                    tickets::type_.eq(&kind),
                    tickets::owner.eq(nobody.0),
                    tickets::subject.eq(clean_subject(&new.subject)),
                    tickets::initial_priority.eq(initial_priority),
                    tickets::final_priority.eq(new.final_priority.unwrap_or(queue.final_priority)),
                    tickets::priority.eq(new.priority.unwrap_or(initial_priority)),
                    tickets::time_estimated.eq(new.time_estimated),
                    tickets::time_worked.eq(new.time_worked),
                    tickets::time_left.eq(new.time_left),
                ),
                (
                    tickets::status.eq(&status),
                    tickets::sla.eq(sla),
                    tickets::starts.eq(new.starts.map(|d| d.naive_utc())),
                    tickets::started.eq((class != Some(StatusClass::Initial)).then_some(self.now)),
                    tickets::due.eq(due),
                    tickets::resolved.eq((class == Some(StatusClass::Inactive)).then_some(self.now)),
                    tickets::creator.eq(self.user.id.0),
                    tickets::created.eq(self.now),
                    tickets::last_updated_by.eq(self.user.id.0),
                    tickets::last_updated.eq(self.now),
                ),
            ))
            .execute(c))?;
        let ticket = TicketId(id);
        let object = AclObject::Ticket { ticket, queue: queue_id };
        let requestors = self.resolve_watchers(&new.requestors)?;
        let ccs = self.resolve_watchers(&new.cc)?;
        let admin_ccs = self.resolve_watchers(&new.admin_cc)?;
        if !admin_ccs.is_empty() {
            let only_self = admin_ccs.iter().all(|u| *u == self.user.id);
            if !(self.has_right(rights::MODIFY_TICKET, object)?
                || only_self && self.has_right(rights::WATCH_AS_ADMIN_CC, object)?)
            {
                return Err(Error::denied(rights::MODIFY_TICKET, format!("queue {} (to add AdminCcs)", queue.name)));
            }
        }
        let members =
            [(Role::Requestor, requestors), (Role::Cc, ccs), (Role::AdminCc, admin_ccs), (Role::Owner, vec![nobody])];
        let groups = insert_ticket_role_groups(self.conn, id, &members, self.user.id, self.now)?;
        if let Some(owner) = new.owner.filter(|o| *o != nobody) {
            // Checked once the ticket and its roles exist, as RT does, so a
            // right granted to a role the owner holds on it counts.
            self.user(owner)?;
            if !self.principal_has_right(owner.into(), rights::OWN_TICKET, object)? {
                return Err(Error::invalid(
                    "owner",
                    format!("user {owner} may not own tickets in queue {}", queue.name),
                ));
            }
            let owner_group = groups[3];
            remove_member(self.conn, owner_group, nobody.into())?;
            add_member(self.conn, owner_group, owner.into(), self.user.id, self.now)?;
            diesel::update(tickets::table.find(id)).set(tickets::owner.eq(owner.0)).execute(self.conn)?;
            self.forget_tickets();
        }
        self.initial_cf_values(ticket, queue_id, &new.custom_fields)?;
        let create = self.record(
            NewTransaction {
                object_type: TICKET,
                object_id: id,
                kind: "Create",
                time_taken: new.time_worked,
                ..NewTransaction::default()
            },
            new.content.as_ref(),
        )?;
        if let Some(raw) = &new.raw {
            self.store_raw(create, raw)?;
        }
        Ok(ticket)
    }

    /// A ticket by id; a merged ticket's id gives the ticket it was merged
    /// into. Needs `ShowTicket`.
    pub fn ticket(&mut self, id: TicketId) -> Result<Ticket> {
        let ticket = self.load_ticket(id)?;
        self.require(rights::SHOW_TICKET, ticket.acl_object())?;
        Ok(ticket)
    }

    /// The ticket a number stands for: itself, or the ticket it was merged
    /// into. No right is needed; it tells only whether the number exists.
    pub fn resolve_ticket_id(&mut self, id: TicketId) -> Result<TicketId> {
        Ok(self.load_ticket(id)?.id)
    }

    /// Changes fields, one `Set` transaction per changed field. Needs
    /// `ModifyTicket`. Values equal to the current ones are skipped.
    pub fn update_ticket(&mut self, id: TicketId, update: &TicketUpdate) -> Result<Vec<TransactionId>> {
        let t = self.load_ticket(id)?;
        self.require(rights::MODIFY_TICKET, t.acl_object())?;
        let mut done = Vec::new();
        if let Some(subject) = &update.subject {
            let subject = clean_subject(subject);
            if subject != t.subject {
                diesel::update(tickets::table.find(t.id.0)).set(tickets::subject.eq(&subject)).execute(self.conn)?;
                self.forget_tickets();
                done.push(self.record_set(&t, "Subject", t.subject.clone(), subject, 0)?);
            }
        }
        let numbers = [
            ("Priority", update.priority, t.priority),
            ("InitialPriority", update.initial_priority, t.initial_priority),
            ("FinalPriority", update.final_priority, t.final_priority),
            ("TimeEstimated", update.time_estimated, t.time_estimated),
            ("TimeWorked", update.time_worked, t.time_worked),
            ("TimeLeft", update.time_left, t.time_left),
        ];
        for (field, new, old) in numbers {
            let Some(new) = new.filter(|n| *n != old) else { continue };
            if field.starts_with("Time") && new < 0 {
                return Err(Error::invalid(field, "must not be negative"));
            }
            let target = tickets::table.find(t.id.0);
            match field {
                "Priority" => diesel::update(target).set(tickets::priority.eq(new)).execute(self.conn)?,
                "InitialPriority" => {
                    diesel::update(target).set(tickets::initial_priority.eq(new)).execute(self.conn)?
                }
                "FinalPriority" => diesel::update(target).set(tickets::final_priority.eq(new)).execute(self.conn)?,
                "TimeEstimated" => diesel::update(target).set(tickets::time_estimated.eq(new)).execute(self.conn)?,
                // TimeWorked is set here; the transaction's time taken is
                // the difference and is not added a second time.
                "TimeWorked" => diesel::update(target).set(tickets::time_worked.eq(new)).execute(self.conn)?,
                _ => diesel::update(target).set(tickets::time_left.eq(new)).execute(self.conn)?,
            };
            self.forget_tickets();
            let taken = if field == "TimeWorked" { new - old } else { 0 };
            done.push(self.record_set(&t, field, old.to_string(), new.to_string(), taken)?);
        }
        let naive = |d: Option<DateTime<Utc>>| d.map(|d| d.naive_utc());
        let old_dates = |t: &Ticket| [naive(t.starts), naive(t.started), naive(t.due), naive(t.told)];
        let olds = old_dates(&t);
        let news = [update.starts, update.started, update.due, update.told];
        for (i, field) in ["Starts", "Started", "Due", "Told"].into_iter().enumerate() {
            let Some(new) = news[i].map(naive) else { continue };
            if new == olds[i] {
                continue;
            }
            let target = tickets::table.find(t.id.0);
            match field {
                "Starts" => diesel::update(target).set(tickets::starts.eq(new)).execute(self.conn)?,
                "Started" => diesel::update(target).set(tickets::started.eq(new)).execute(self.conn)?,
                "Due" => diesel::update(target).set(tickets::due.eq(new)).execute(self.conn)?,
                _ => diesel::update(target).set(tickets::told.eq(new)).execute(self.conn)?,
            };
            self.forget_tickets();
            let kind = if field == "Told" { "Told" } else { "Set" };
            done.push(self.record_ticket(
                &t,
                NewTransaction {
                    kind,
                    field: Some(field),
                    old_value: Some(fmt_time(olds[i])),
                    new_value: Some(fmt_time(new)),
                    ..self.ticket_txn(&t)
                },
                None,
            )?);
        }
        if let Some(sla) = update.sla.as_ref().filter(|sla| **sla != t.sla) {
            diesel::update(tickets::table.find(t.id.0)).set(tickets::sla.eq(sla)).execute(self.conn)?;
            self.forget_tickets();
            let (old, new) = (t.sla.clone().unwrap_or_default(), sla.clone().unwrap_or_default());
            done.push(self.record_set(&t, "SLA", old, new, 0)?);
        }
        Ok(done)
    }

    /// Moves a ticket to another status, as the queue's lifecycle allows,
    /// with the right the lifecycle names for that transition.
    pub fn set_status(&mut self, id: TicketId, status: &str) -> Result<TransactionId> {
        let t = self.load_ticket(id)?;
        let lifecycle = self.queue_lifecycle(t.queue)?.clone();
        let new = status.trim().to_lowercase();
        if !lifecycle.is_valid(&new) {
            return Err(Error::invalid("status", format!("'{new}' is not a valid status for this ticket's queue")));
        }
        if new == t.status {
            return Err(Error::invalid("status", format!("the ticket is already {new}")));
        }
        if !lifecycle.is_transition(&t.status, &new) {
            return Err(Error::invalid("status", format!("you can't change status from '{}' to '{new}'", t.status)));
        }
        self.require(lifecycle.check_right(&t.status, &new), t.acl_object())?;
        self.change_status(&t, &new, self.user.id)
    }

    /// Marks a ticket deleted (status `deleted`; needs `DeleteTicket`).
    pub fn delete_ticket(&mut self, id: TicketId) -> Result<TransactionId> {
        let t = self.load_ticket(id)?;
        if !self.queue_lifecycle(t.queue)?.is_valid("deleted") {
            return Err(Error::invalid("status", "this queue's lifecycle has no deleted status"));
        }
        self.set_status(id, "deleted")
    }

    /// Changes the owner with RT's rules for each kind of change.
    pub fn set_owner(&mut self, id: TicketId, new_owner: UserId, how: OwnerChange) -> Result<TransactionId> {
        let t = self.load_ticket(id)?;
        self.check_owner_change(&t, new_owner, how)?;
        self.change_owner(&t, new_owner, self.user.id)
    }

    /// Whether the current user may make this change of owner now (Take
    /// and Steal give the ticket to them, Untake to Nobody, Set and Force
    /// to `to`): [`Tx::set_owner`]'s checks without the change, so a page
    /// offers Take, Steal or Untake only when it would work. Needs
    /// `ShowTicket`.
    pub fn may_set_owner(&mut self, id: TicketId, to: UserId, how: OwnerChange) -> Result<bool> {
        let t = self.ticket(id)?;
        let to = match how {
            OwnerChange::Take | OwnerChange::Steal => self.user.id,
            OwnerChange::Untake => self.rt.system.nobody,
            OwnerChange::Set | OwnerChange::Force => to,
        };
        match self.check_owner_change(&t, to, how) {
            Ok(()) => Ok(true),
            Err(Error::PermissionDenied { .. } | Error::Validation { .. } | Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The users who may own the ticket (RT's owner list): enabled
    /// privileged users with `OwnTicket` on it, by name; Nobody is not
    /// among them. Needs `ShowTicket`, and privileges to list users.
    pub fn possible_owners(&mut self, id: TicketId) -> Result<Vec<crate::principal::User>> {
        let object = self.ticket(id)?.acl_object();
        let mut owners = Vec::new();
        for user in self.users(Some(true))? {
            let uid = user.user_id();
            if uid == self.rt.system.rt_system || uid == self.rt.system.nobody {
                continue;
            }
            if !self.is_user_disabled(uid)? && self.principal_has_right(uid.into(), rights::OWN_TICKET, object)? {
                owners.push(user);
            }
        }
        Ok(owners)
    }

    /// RT's rules for each kind of owner change; see [`Tx::set_owner`].
    fn check_owner_change(&mut self, t: &Ticket, new_owner: UserId, how: OwnerChange) -> Result<()> {
        let object = t.acl_object();
        let me = self.user.id;
        let nobody = self.rt.system.nobody;
        let deny = |msg: &str| Err(Error::denied(rights::MODIFY_TICKET, format!("ticket {}: {msg}", t.id)));
        self.user(new_owner)?;
        if new_owner != nobody && !self.principal_has_right(new_owner.into(), rights::OWN_TICKET, object)? {
            return Err(Error::denied(
                rights::OWN_TICKET,
                format!("ticket {} (that user may not own tickets in this queue)", t.id),
            ));
        }
        if new_owner == t.owner {
            return Err(Error::invalid("owner", "that user already owns this ticket"));
        }
        let may = |tx: &mut Self, rs: &[&str]| -> Result<bool> {
            for r in rs {
                if tx.has_right(r, object)? {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        let reassign_ok = !matches!(how, OwnerChange::Take | OwnerChange::Untake | OwnerChange::Steal)
            && may(self, &[rights::REASSIGN_TICKET])?;
        if !reassign_ok {
            if t.owner == nobody {
                if how == OwnerChange::Steal {
                    return Err(Error::invalid("owner", "you can only steal a ticket owned by someone else"));
                }
                let needed: &[&str] = if new_owner == me {
                    &[rights::MODIFY_TICKET, rights::REASSIGN_TICKET, rights::TAKE_TICKET]
                } else {
                    &[rights::MODIFY_TICKET, rights::REASSIGN_TICKET]
                };
                if !may(self, needed)? {
                    return Err(Error::denied(needed[needed.len() - 1], object.describe()));
                }
            } else if t.owner != me {
                if !may(self, &[rights::MODIFY_TICKET, rights::REASSIGN_TICKET, rights::STEAL_TICKET])? {
                    return Err(Error::denied(rights::STEAL_TICKET, object.describe()));
                }
                match how {
                    OwnerChange::Untake => return deny("you can only untake tickets you own"),
                    OwnerChange::Steal | OwnerChange::Force => {
                        if !may(self, &[rights::OWN_TICKET])? {
                            return Err(Error::denied(rights::OWN_TICKET, object.describe()));
                        }
                    }
                    _ if how == OwnerChange::Take || new_owner == me => {
                        return deny("you can only take tickets that are unowned");
                    }
                    _ => return deny("you can only reassign tickets that you own or that are unowned"),
                }
            } else {
                if matches!(how, OwnerChange::Take | OwnerChange::Steal) {
                    return Err(Error::invalid("owner", "you already own this ticket"));
                }
                if !may(self, &[rights::MODIFY_TICKET, rights::REASSIGN_TICKET])? {
                    return Err(Error::denied(rights::REASSIGN_TICKET, object.describe()));
                }
            }
        }
        Ok(())
    }

    /// Takes an unowned ticket.
    pub fn take(&mut self, id: TicketId) -> Result<TransactionId> {
        self.set_owner(id, self.user.id, OwnerChange::Take)
    }

    /// Gives up ownership of a ticket one owns.
    pub fn untake(&mut self, id: TicketId) -> Result<TransactionId> {
        self.set_owner(id, self.rt.system.nobody, OwnerChange::Untake)
    }

    /// Takes a ticket someone else owns.
    pub fn steal(&mut self, id: TicketId) -> Result<TransactionId> {
        if self.load_ticket(id)?.owner == self.user.id {
            return Err(Error::invalid("owner", "you already own this ticket"));
        }
        self.set_owner(id, self.user.id, OwnerChange::Steal)
    }

    /// Gives a ticket to another user.
    pub fn give(&mut self, id: TicketId, to: UserId) -> Result<TransactionId> {
        self.set_owner(id, to, OwnerChange::Set)
    }

    /// Moves a ticket to another queue. Needs `ModifyTicket` on the ticket
    /// and `CreateTicket` on the new queue; between lifecycles the status is
    /// translated through the configured map, and an owner who may not own
    /// tickets in the new queue is replaced by Nobody.
    pub fn set_queue(&mut self, id: TicketId, queue: QueueId) -> Result<TransactionId> {
        let t = self.load_ticket(id)?;
        self.require(rights::MODIFY_TICKET, t.acl_object())?;
        let target = load_queue(self.conn, queue)?;
        if target.disabled {
            return Err(Error::invalid("queue", format!("queue {} is disabled", target.name)));
        }
        if queue == t.queue {
            return Err(Error::invalid("queue", "the ticket is already in that queue"));
        }
        self.require(rights::CREATE_TICKET, AclObject::Queue(queue))?;
        let old_lc = load_queue(self.conn, t.queue)?.lifecycle;
        let new_status = self.rt.lifecycles.map_status(&old_lc, &target.lifecycle, &t.status).ok_or_else(|| {
            Error::invalid(
                "queue",
                format!("there is no mapping of status '{}' from lifecycle {old_lc} to {}", t.status, target.lifecycle),
            )
        })?;
        diesel::update(tickets::table.find(t.id.0)).set(tickets::queue.eq(queue.0)).execute(self.conn)?;
        self.forget_tickets();
        let txn = self.record_set(&t, "Queue", t.queue.to_string(), queue.to_string(), 0)?;
        let moved = Ticket { queue, ..t };
        let system = self.rt.system.rt_system;
        if new_status != moved.status {
            self.change_status(&moved, &new_status, system)?;
        }
        let nobody = self.rt.system.nobody;
        if moved.owner != nobody
            && !self.principal_has_right(moved.owner.into(), rights::OWN_TICKET, moved.acl_object())?
        {
            self.change_owner(&moved, nobody, system)?;
        }
        Ok(txn)
    }

    /// Adds a comment (not sent to requestors). Needs `CommentOnTicket` or
    /// `ModifyTicket`.
    pub fn comment(&mut self, id: TicketId, message: Message) -> Result<TransactionId> {
        self.add_message(id, message, "Comment", rights::COMMENT_ON_TICKET)
    }

    /// Adds correspondence (a reply to the requestors). Needs
    /// `ReplyToTicket` or `ModifyTicket`.
    pub fn correspond(&mut self, id: TicketId, message: Message) -> Result<TransactionId> {
        self.add_message(id, message, "Correspond", rights::REPLY_TO_TICKET)
    }

    /// Records a forward: a `Forward Transaction` (Data: the transaction's
    /// id) or `Forward Ticket` (Data: the ticket's id) transaction holding
    /// the note, with the recipients as its `To`, `Cc` and `Bcc` headers.
    /// Needs `ForwardMessage` and sight of what is forwarded (a comment
    /// needs `ShowTicketComments`); at least one valid address. The mail
    /// itself is the caller's to send, in the same DB transaction (rt-core
    /// knows no mail format).
    pub fn forward(&mut self, id: TicketId, forward: &Forward) -> Result<TransactionId> {
        let t = self.load_ticket(id)?;
        self.require(rights::SHOW_TICKET, t.acl_object())?;
        self.require(rights::FORWARD_MESSAGE, t.acl_object())?;
        let (kind, data) = match forward.transaction {
            Some(txn) => {
                let shown = self.history(t.id)?;
                if !shown.iter().any(|h| h.id == txn) {
                    return Err(Error::not_found("transaction", txn));
                }
                ("Forward Transaction", txn.0.to_string())
            }
            None => ("Forward Ticket", t.id.0.to_string()),
        };
        let mut entity = MimeEntity::text(&forward.content);
        let mut any = false;
        for (header, addresses) in [("To", &forward.to), ("Cc", &forward.cc), ("Bcc", &forward.bcc)] {
            let checked = addresses
                .iter()
                .filter(|a| !a.trim().is_empty())
                .map(|a| crate::principal::normalize_email(a))
                .collect::<Result<Vec<_>>>()
                .map_err(|e| match e {
                    Error::Validation { message, .. } => Error::invalid(header, message),
                    other => other,
                })?;
            if !checked.is_empty() {
                any = true;
                entity.set_header(header, &checked.join(", "));
            }
        }
        if !any {
            return Err(Error::invalid("To", "give at least one address to forward to"));
        }
        entity.set_header("X-RT-Interface", self.user.interface.as_str());
        let txn = NewTransaction { kind, data: Some(data), ..self.ticket_txn(&t) };
        self.write_ticket_txn(&t, txn, Some(&entity), Stamp { actor: self.user.id, add_time: false, told: false })
    }

    /// The history of a ticket (and of tickets merged into it), oldest
    /// first. Needs `ShowTicket`; comments need `ShowTicketComments` and
    /// records of outgoing mail `ShowOutgoingEmail`.
    pub fn history(&mut self, id: TicketId) -> Result<Vec<Transaction>> {
        let t = self.ticket(id)?;
        let ids: Vec<i64> =
            tickets::table.filter(tickets::effective_id.eq(t.id.0)).select(tickets::id).load(self.conn)?;
        let all = self.load_transactions(TICKET, &ids)?;
        let comments = self.has_right(rights::SHOW_TICKET_COMMENTS, t.acl_object())?;
        let outgoing = self.has_right(rights::SHOW_OUTGOING_EMAIL, t.acl_object())?;
        Ok(all.into_iter().filter(|txn| visible_kind(&txn.kind, comments, outgoing)).collect())
    }

    /// [`Tx::history`] with each transaction's attachments (in tree
    /// order), read in one statement rather than one per transaction. The
    /// transactions and attachments are remembered for the rest of the DB
    /// transaction, so reading them again ([`Tx::transaction_attachments`],
    /// [`Tx::attachment_contents`]) costs no statement.
    pub fn history_with_attachments(&mut self, id: TicketId) -> Result<Vec<(Transaction, Vec<Attachment>)>> {
        let txns = self.history(id)?;
        let unread: Vec<i64> =
            txns.iter().map(|t| t.id.0).filter(|t| !self.cache.attachments.contains_key(t)).collect();
        if !unread.is_empty() {
            for id in &unread {
                self.cache.attachments.insert(*id, Vec::new());
            }
            for attachment in self.load_attachments(&unread)? {
                self.cache.attachments.entry(attachment.transaction.0).or_default().push(attachment);
            }
        }
        Ok(txns
            .into_iter()
            .map(|txn| {
                let attachments = self.cache.attachments.get(&txn.id.0).cloned().unwrap_or_default();
                self.cache.transactions.entry(txn.id.0).or_insert_with(|| txn.clone());
                (txn, attachments)
            })
            .collect())
    }

    /// The id of the ticket's latest transaction (of tickets merged into
    /// it too), whatever its kind: it changes with every change to the
    /// ticket, which makes it the ticket's version. Needs `ShowTicket`.
    pub fn last_transaction_id(&mut self, id: TicketId) -> Result<Option<TransactionId>> {
        use crate::db::schema::transactions;
        let t = self.ticket(id)?;
        let merged = tickets::table.filter(tickets::effective_id.eq(t.id.0)).select(tickets::id);
        let last: Option<i64> = transactions::table
            .filter(transactions::object_type.eq(TICKET))
            .filter(transactions::object_id.eq_any(merged))
            .select(diesel::dsl::max(transactions::id))
            .get_result(self.conn)?;
        Ok(last.map(TransactionId))
    }

    /// The Message-ID of the ticket's first message (its Create
    /// transaction's, as stored: brackets may be missing), which every
    /// later mail about the ticket refers to. Needs `ShowTicket`.
    pub fn first_message_id(&mut self, id: TicketId) -> Result<Option<String>> {
        use crate::db::schema::{attachments, transactions};
        let t = self.ticket(id)?;
        let merged = tickets::table.filter(tickets::effective_id.eq(t.id.0)).select(tickets::id);
        let first: Option<i64> = transactions::table
            .filter(transactions::object_type.eq(TICKET))
            .filter(transactions::object_id.eq_any(merged))
            .select(diesel::dsl::min(transactions::id))
            .get_result(self.conn)?;
        let Some(first) = first else { return Ok(None) };
        Ok(attachments::table
            .filter(attachments::transaction_id.eq(first))
            .order(attachments::id)
            .select(attachments::message_id)
            .first::<Option<String>>(self.conn)
            .optional()?
            .flatten())
    }

    /// One transaction of a ticket, with the same rights as [`Tx::history`].
    pub fn ticket_transaction(&mut self, id: TransactionId) -> Result<Transaction> {
        let txn = self.load_transaction(id)?;
        self.require_transaction_visible(&txn)?;
        Ok(txn)
    }

    /// The message a transaction recorded, exactly as it arrived, when it
    /// came by mail; rights as for [`Tx::history`].
    pub fn raw_message(&mut self, id: TransactionId) -> Result<Option<Vec<u8>>> {
        use crate::db::schema::raw_messages;
        self.ticket_transaction(id)?;
        Ok(raw_messages::table.find(id.0).select(raw_messages::content).get_result::<Vec<u8>>(self.conn).optional()?)
    }

    /// The attachments (MIME entities) of a transaction, in tree order.
    pub fn transaction_attachments(&mut self, id: TransactionId) -> Result<Vec<Attachment>> {
        self.ticket_transaction(id)?;
        self.load_transaction_attachments(id)
    }

    /// Every attachment of a ticket's visible transactions.
    pub fn ticket_attachments(&mut self, id: TicketId) -> Result<Vec<Attachment>> {
        let txns: Vec<i64> = self.history(id)?.iter().map(|t| t.id.0).collect();
        self.load_attachments(&txns)
    }

    /// An attachment's metadata and exact stored content.
    pub fn attachment(&mut self, id: AttachmentId) -> Result<(Attachment, Vec<u8>)> {
        let (txn, content) = self.load_attachment_content(id)?;
        let meta = self
            .transaction_attachments(TransactionId(txn))?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| Error::not_found("attachment", id))?;
        Ok((meta, content))
    }

    /// The stored content of several attachments, by id, in one statement
    /// (a page showing a whole history). Rights as for [`Tx::attachment`]
    /// (the ticket's asked once per ticket): a message the user may not
    /// see fails the whole read; ids that do not exist are left out.
    pub fn attachment_contents(
        &mut self,
        ids: &[AttachmentId],
    ) -> Result<std::collections::HashMap<AttachmentId, Vec<u8>>> {
        let ids: Vec<i64> = ids.iter().map(|a| a.0).collect();
        let rows = self.load_attachment_contents(&ids)?;
        // Rights are the ticket's: asked once per ticket, not per message.
        let mut checked = std::collections::HashSet::new();
        let mut tickets: Vec<HistoryRights> = Vec::new();
        for (_, txn, _) in &rows {
            if !checked.insert(*txn) {
                continue;
            }
            let txn = self.load_transaction(TransactionId(*txn))?;
            let shown = match tickets.iter().find(|r| txn.object_type == TICKET && r.ticket.0 == txn.object_id) {
                Some(known) => *known,
                None => {
                    let shown = self.history_rights(&txn)?;
                    tickets.push(shown);
                    shown
                }
            };
            require_kind_shown(&txn, shown)?;
        }
        Ok(rows.into_iter().map(|(id, _, content)| (AttachmentId(id), content)).collect())
    }

    /// The members of one of a ticket's roles. Needs `ShowTicket`.
    pub fn ticket_role_members(&mut self, id: TicketId, role: Role) -> Result<Vec<PrincipalId>> {
        let t = self.ticket(id)?;
        let group = self.ticket_role_group(t.id, role)?;
        self.group_members(group)
    }

    fn require_transaction_visible(&mut self, txn: &Transaction) -> Result<()> {
        let shown = self.history_rights(txn)?;
        require_kind_shown(txn, shown)
    }

    /// What of a transaction's ticket's history the user may see: needs
    /// `ShowTicket`; then whether comments and outgoing mail records show.
    fn history_rights(&mut self, txn: &Transaction) -> Result<HistoryRights> {
        if txn.object_type != TICKET {
            return Err(Error::not_found("ticket transaction", txn.id));
        }
        let t = self.load_ticket(TicketId(txn.object_id))?;
        self.require(rights::SHOW_TICKET, t.acl_object())?;
        Ok(HistoryRights {
            ticket: t.id,
            object: t.acl_object(),
            comments: self.has_right(rights::SHOW_TICKET_COMMENTS, t.acl_object())?,
            outgoing: self.has_right(rights::SHOW_OUTGOING_EMAIL, t.acl_object())?,
        })
    }

    fn add_message(&mut self, id: TicketId, message: Message, kind: &str, right: &str) -> Result<TransactionId> {
        let t = self.load_ticket(id)?;
        if !self.has_right(right, t.acl_object())? && !self.has_right(rights::MODIFY_TICKET, t.acl_object())? {
            return Err(Error::denied(right, t.acl_object().describe()));
        }
        let mut entity = message.entity.ok_or_else(|| Error::invalid("content", "no message attached"))?;
        if message.time_taken < 0 {
            return Err(Error::invalid("time_taken", "must not be negative"));
        }
        self.check_content(&entity)?;
        for (header, addresses) in [("RT-Send-Cc", &message.cc), ("RT-Send-Bcc", &message.bcc)] {
            if !addresses.is_empty() {
                let checked =
                    addresses.iter().map(|a| crate::principal::normalize_email(a)).collect::<Result<Vec<_>>>()?;
                entity.set_header(header, &checked.join(", "));
            }
        }
        if entity.header("X-RT-Interface").is_none() {
            entity.set_header("X-RT-Interface", self.user.interface.as_str());
        }
        let subject = entity.subject.clone().or_else(|| entity.header("Subject")).filter(|s| !s.trim().is_empty());
        // Told: the last time someone other than a requestor replied.
        let told = kind == "Correspond" && !self.is_requestor(&t)?;
        let txn = NewTransaction {
            kind,
            data: Some(subject.unwrap_or_else(|| "No Subject".into())),
            time_taken: message.time_taken,
            ..self.ticket_txn(&t)
        };
        let id = self.write_ticket_txn(&t, txn, Some(&entity), Stamp { actor: self.user.id, add_time: true, told })?;
        if let Some(raw) = &message.raw {
            self.store_raw(id, raw)?;
        }
        Ok(id)
    }

    /// Whether the current user is a requestor of the ticket (directly or
    /// through a group).
    fn is_requestor(&mut self, t: &Ticket) -> Result<bool> {
        use crate::db::schema::cached_group_members as cgm;
        let (ticket, user) = (t.id.0, self.user.id.0);
        Ok(dialect::with_inner!(&mut *self.conn, c => diesel::select(diesel::dsl::exists(
            cgm::table
                .filter(cgm::member_id.eq(user))
                .filter(cgm::ticket_role.eq("requestor"))
                .filter(cgm::ticket_id.eq(ticket))
                .select(cgm::id),
        ))
        .get_result(c))?)
    }

    pub(crate) fn ticket_role_group(&mut self, id: TicketId, role: Role) -> Result<GroupId> {
        self.role_group(TICKET_ROLE, id.0, role)?
            .ok_or_else(|| Error::not_found("role group", format!("{} of ticket {id}", role.as_str())))
    }

    fn change_status(&mut self, t: &Ticket, new: &str, actor: UserId) -> Result<TransactionId> {
        let lifecycle = self.queue_lifecycle(t.queue)?;
        let (old_class, new_class) = (lifecycle.class_of(&t.status), lifecycle.class_of(new));
        let started =
            (old_class == Some(StatusClass::Initial) && new_class != Some(StatusClass::Initial) && t.started.is_none())
                .then_some(self.now);
        let resolved = (new_class == Some(StatusClass::Inactive)).then_some(self.now);
        let target = tickets::table.find(t.id.0);
        diesel::update(target).set(tickets::status.eq(new)).execute(self.conn)?;
        if let Some(at) = started {
            diesel::update(target).set(tickets::started.eq(at)).execute(self.conn)?;
        }
        if let Some(at) = resolved {
            diesel::update(target).set(tickets::resolved.eq(at)).execute(self.conn)?;
        }
        self.forget_tickets();
        let txn = NewTransaction {
            kind: "Status",
            field: Some("Status"),
            old_value: Some(t.status.clone()),
            new_value: Some(new.to_string()),
            ..self.ticket_txn(t)
        };
        self.record_ticket_as(t, txn, None, actor)
    }

    fn change_owner(&mut self, t: &Ticket, new_owner: UserId, actor: UserId) -> Result<TransactionId> {
        let group = self.ticket_role_group(t.id, Role::Owner)?;
        remove_member(self.conn, group, t.owner.into())?;
        add_member(self.conn, group, new_owner.into(), actor, self.now)?;
        diesel::update(tickets::table.find(t.id.0)).set(tickets::owner.eq(new_owner.0)).execute(self.conn)?;
        self.forget_tickets();
        let (old, new) = (t.owner.to_string(), new_owner.to_string());
        let set = NewTransaction {
            kind: "Set",
            field: Some("Owner"),
            old_value: Some(old.clone()),
            new_value: Some(new.clone()),
            ..self.ticket_txn(t)
        };
        let txn = self.record_ticket_as(t, set, None, actor)?;
        let watcher = NewTransaction {
            kind: "SetWatcher",
            field: Some("Owner"),
            old_value: Some(old),
            new_value: Some(new),
            ..self.ticket_txn(t)
        };
        self.record_ticket_as(t, watcher, None, actor)?;
        Ok(txn)
    }

    /// Email addresses (autocreating their users) or existing users' names,
    /// without duplicates, in order.
    fn resolve_watchers(&mut self, who: &[String]) -> Result<Vec<UserId>> {
        let mut users = Vec::with_capacity(who.len());
        for w in who {
            let user = if w.contains('@') { self.user_for_email(w)? } else { self.user_by_name(w)?.user_id() };
            if !users.contains(&user) {
                users.push(user);
            }
        }
        Ok(users)
    }

    fn ticket_txn(&self, t: &Ticket) -> NewTransaction<'static> {
        NewTransaction { object_type: TICKET, object_id: t.id.0, ..NewTransaction::default() }
    }

    fn record_set(
        &mut self,
        t: &Ticket,
        field: &'static str,
        old: String,
        new: String,
        taken: i64,
    ) -> Result<TransactionId> {
        let txn = NewTransaction {
            kind: "Set",
            field: Some(field),
            old_value: Some(old),
            new_value: Some(new),
            time_taken: taken,
            ..self.ticket_txn(t)
        };
        // A TimeWorked change carries its own time taken, already applied.
        let add_time = field != "TimeWorked";
        self.write_ticket_txn(t, txn, None, Stamp { actor: self.user.id, add_time, told: false })
    }

    pub(crate) fn record_ticket(
        &mut self,
        t: &Ticket,
        txn: NewTransaction<'_>,
        content: Option<&MimeEntity>,
    ) -> Result<TransactionId> {
        self.write_ticket_txn(t, txn, content, Stamp { actor: self.user.id, add_time: true, told: false })
    }

    fn record_ticket_as(
        &mut self,
        t: &Ticket,
        txn: NewTransaction<'_>,
        content: Option<&MimeEntity>,
        actor: UserId,
    ) -> Result<TransactionId> {
        self.write_ticket_txn(t, txn, content, Stamp { actor, add_time: true, told: false })
    }

    /// Records a ticket transaction and stamps the ticket in one UPDATE:
    /// LastUpdated, the time taken added to its time worked, and Told.
    fn write_ticket_txn(
        &mut self,
        t: &Ticket,
        txn: NewTransaction<'_>,
        content: Option<&MimeEntity>,
        stamp: Stamp,
    ) -> Result<TransactionId> {
        let taken = if stamp.add_time { txn.time_taken } else { 0 };
        let (id, now, actor) = (t.id.0, self.now, stamp.actor.0);
        let stamped = (
            tickets::last_updated.eq(now),
            tickets::last_updated_by.eq(actor),
            tickets::time_worked.eq(tickets::time_worked + taken),
        );
        if stamp.told {
            dialect::with_inner!(&mut *self.conn, c => diesel::update(tickets::table.find(id))
                .set((stamped, tickets::told.eq(now)))
                .execute(c))?;
        } else {
            dialect::with_inner!(&mut *self.conn, c => diesel::update(tickets::table.find(id)).set(stamped).execute(c))?;
        }
        if let Some(cached) = self.cache.tickets.get_mut(&id) {
            cached.last_updated = now.and_utc();
            cached.last_updated_by = stamp.actor;
            cached.time_worked += taken;
            if stamp.told {
                cached.told = Some(now.and_utc());
            }
        }
        self.record_as(txn, content, stamp.actor, self.user.interface)
    }

    /// Loads a ticket without a rights check, following merges.
    pub(crate) fn load_ticket(&mut self, id: TicketId) -> Result<Ticket> {
        let row = self.ticket_row(id.0)?.ok_or_else(|| Error::not_found("ticket", id))?;
        if row.effective_id == row.id {
            return Ok(row);
        }
        self.ticket_row(row.effective_id.0)?.ok_or_else(|| Error::not_found("ticket", row.effective_id))
    }

    fn ticket_row(&mut self, ticket_id: i64) -> Result<Option<Ticket>> {
        if let Some(t) = self.cache.tickets.get(&ticket_id) {
            return Ok(Some(t.clone()));
        }
        let row = self.ticket_rows(&[ticket_id])?.pop();
        if let Some(t) = &row {
            self.cache.tickets.insert(ticket_id, t.clone());
        }
        Ok(row)
    }

    /// Forgets the ticket rows this transaction read: called after every
    /// write to `tickets`.
    pub(crate) fn forget_tickets(&mut self) {
        self.cache.tickets.clear();
    }

    /// Ticket rows by id (merges not followed), in no particular order.
    /// One id (the common case) by a statement SQLite prepares once.
    fn ticket_rows(&mut self, ids: &[i64]) -> Result<Vec<Ticket>> {
        use tickets::*;
        macro_rules! rows {
            ($filter:expr) => {
                dialect::with_inner!(&mut *self.conn, c => tickets::table
                    .filter($filter)
                    .select((
                        (
                            tickets::id,
                            effective_id,
                            is_merged,
                            queue,
                            type_,
                            owner,
                            subject,
                            initial_priority,
                            final_priority,
                            priority,
                            time_estimated,
                            time_worked,
                            time_left,
                        ),
                        (status, sla),
                        (told, starts, started, due, resolved),
                        (creator, created, last_updated_by, last_updated),
                    ))
                    .load::<TicketRow>(c))?
            };
        }
        let rows = match ids {
            [one] => rows!(tickets::id.eq(*one)),
            many => rows!(tickets::id.eq_any(many)),
        };
        Ok(rows.into_iter().map(Ticket::from).collect())
    }

    /// Reads the tickets, transactions and attachments of several
    /// transactions at once into this DB transaction's cache, with the
    /// content of their message bodies (text parts of up to
    /// [`PREFETCHED_BODY`] bytes), so that working through them one by one
    /// (the scrip engine's batches) costs no further statements. On
    /// PostgreSQL these reads are planned for the ids at hand
    /// (`dialect::custom_plans`). No rights are checked here; the reads
    /// that follow check them.
    pub fn prefetch_transactions(&mut self, ids: &[TransactionId]) -> Result<()> {
        let ids: Vec<i64> = ids.iter().map(|t| t.0).filter(|t| !self.cache.transactions.contains_key(t)).collect();
        if ids.is_empty() {
            return Ok(());
        }
        dialect::custom_plans(self.conn, true)?;
        let read = self.prefetch_rows(&ids);
        // A failed read's error is the one to report, not the reset's.
        let reset = dialect::custom_plans(self.conn, false);
        read.and(reset)
    }

    fn prefetch_rows(&mut self, ids: &[i64]) -> Result<()> {
        let txns = self.load_transactions_by_id(ids)?;
        let mut tickets: Vec<i64> = txns
            .iter()
            .filter(|t| t.object_type == TICKET)
            .map(|t| t.object_id)
            .filter(|t| !self.cache.tickets.contains_key(t))
            .collect();
        tickets.sort_unstable();
        tickets.dedup();
        for txn in txns {
            self.cache.transactions.insert(txn.id.0, txn);
        }
        for id in ids {
            self.cache.attachments.insert(*id, Vec::new());
        }
        let mut bodies = Vec::new();
        for attachment in self.load_attachments(ids)? {
            if attachment.filename.is_none()
                && matches!(attachment.content_type.as_str(), "text/plain" | "text/html")
                && attachment.size <= PREFETCHED_BODY
            {
                bodies.push(attachment.id.0);
            }
            self.cache.attachments.entry(attachment.transaction.0).or_default().push(attachment);
        }
        for (id, txn, content) in self.load_attachment_contents(&bodies)? {
            self.cache.contents.insert(id, (txn, content));
        }
        if !tickets.is_empty() {
            for ticket in self.ticket_rows(&tickets)? {
                self.cache.tickets.insert(ticket.id.0, ticket);
            }
        }
        Ok(())
    }
}

/// Refuses a transaction whose kind the user may not see (comments,
/// records of outgoing mail).
fn require_kind_shown(txn: &Transaction, shown: HistoryRights) -> Result<()> {
    if visible_kind(&txn.kind, shown.comments, shown.outgoing) {
        Ok(())
    } else {
        let right = if txn.kind == "EmailRecord" { rights::SHOW_OUTGOING_EMAIL } else { rights::SHOW_TICKET_COMMENTS };
        Err(Error::denied(right, shown.object.describe()))
    }
}

/// What of one ticket's history a user may see ([`Tx::history_rights`]).
#[derive(Debug, Clone, Copy)]
struct HistoryRights {
    ticket: TicketId,
    object: AclObject,
    comments: bool,
    outgoing: bool,
}

/// How recording a transaction stamps its ticket.
#[derive(Debug, Clone, Copy)]
struct Stamp {
    /// Who made the change (LastUpdatedBy, the transaction's creator).
    actor: UserId,
    /// Add the transaction's time taken to the ticket's time worked.
    add_time: bool,
    /// Set Told to now.
    told: bool,
}

fn visible_kind(kind: &str, comments: bool, outgoing: bool) -> bool {
    match kind {
        "Comment" | "CommentEmailRecord" => comments,
        "EmailRecord" => outgoing,
        _ => true,
    }
}
