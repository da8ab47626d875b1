//! The ACL matrix: every operation is refused for a user lacking its right
//! (the error names the right and nothing in the database changes) and
//! allowed when the right is granted directly, through a nested group,
//! through a role, and globally.

use std::collections::BTreeSet;

use rt_core::{
    AclObject, AttributeObject, CfObject, CfType, CustomFieldId, Error, Grantee, GroupId, Interface, LinkEnd, LinkType,
    Message, NewCustomField, NewQueue, NewTicket, NewUser, QueueId, QueueUpdate, Result, Role, TicketId, TicketUpdate,
    TransactionId, Tx, UserId, UserProfile,
};
use rt_test_support::TestDb;

use crate::snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Nothing,
    Direct,
    NestedGroup,
    Role,
    Global,
}

/// Where a row's right is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Queue,
    OtherQueue,
    System,
    Group,
    CustomField,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Nobody,
    TestUser,
    Other,
}

struct Fixture {
    queue: QueueId,
    /// A second ticket of the queue, with the same requestors.
    ticket2: TicketId,
    other_queue: QueueId,
    ticket: TicketId,
    comment: TransactionId,
    other_user: UserId,
    group: GroupId,
    cf: CustomFieldId,
}

struct Row {
    name: &'static str,
    right: &'static str,
    target: Target,
    /// Rights the user holds (directly, on the queue) in every mode.
    base: &'static [(&'static str, Target)],
    owner: Owner,
    /// The role path goes through the ticket's Requestor role (otherwise
    /// through the queue's AdminCc watchers).
    ticket_role: bool,
    op: fn(&mut Tx<'_>, &Fixture, UserId) -> Result<()>,
}

const fn row(
    name: &'static str,
    right: &'static str,
    target: Target,
    op: fn(&mut Tx<'_>, &Fixture, UserId) -> Result<()>,
) -> Row {
    Row { name, right, target, base: &[], owner: Owner::Nobody, ticket_role: true, op }
}

fn rows() -> Vec<Row> {
    use Target::*;
    vec![
        Row {
            ticket_role: false,
            ..row("create ticket", "CreateTicket", Queue, |tx, f, _| {
                tx.create_ticket(NewTicket { queue: Some(f.queue), subject: "new".into(), ..NewTicket::default() })
                    .map(drop)
            })
        },
        row("show ticket", "ShowTicket", Queue, |tx, f, _| tx.ticket(f.ticket).map(drop)),
        row("ticket history", "ShowTicket", Queue, |tx, f, _| tx.history(f.ticket).map(drop)),
        Row {
            base: &[("ShowTicket", Queue)],
            ..row("read a comment", "ShowTicketComments", Queue, |tx, f, _| {
                tx.transaction_attachments(f.comment).map(drop)
            })
        },
        row("update a field", "ModifyTicket", Queue, |tx, f, _| {
            tx.update_ticket(f.ticket, &TicketUpdate { subject: Some("changed".into()), ..TicketUpdate::default() })
                .map(drop)
        }),
        row("resolve", "ModifyTicket", Queue, |tx, f, _| tx.set_status(f.ticket, "resolved").map(drop)),
        row("delete", "DeleteTicket", Queue, |tx, f, _| tx.delete_ticket(f.ticket).map(drop)),
        row("comment", "CommentOnTicket", Queue, |tx, f, _| tx.comment(f.ticket, Message::text("note")).map(drop)),
        row("correspond", "ReplyToTicket", Queue, |tx, f, _| tx.correspond(f.ticket, Message::text("reply")).map(drop)),
        Row {
            base: &[("OwnTicket", Queue)],
            ..row("take", "TakeTicket", Queue, |tx, f, _| tx.take(f.ticket).map(drop))
        },
        Row {
            base: &[("TakeTicket", Queue)],
            ..row("own a ticket", "OwnTicket", Queue, |tx, f, _| tx.take(f.ticket).map(drop))
        },
        Row {
            base: &[("OwnTicket", Queue)],
            owner: Owner::Other,
            ..row("steal", "StealTicket", Queue, |tx, f, _| tx.steal(f.ticket).map(drop))
        },
        Row {
            base: &[("OwnTicket", Queue)],
            owner: Owner::TestUser,
            ..row("untake", "ReassignTicket", Queue, |tx, f, _| tx.untake(f.ticket).map(drop))
        },
        row("give", "ReassignTicket", Queue, |tx, f, _| tx.give(f.ticket, f.other_user).map(drop)),
        row("watch a ticket", "Watch", Queue, |tx, f, u| tx.add_watcher(f.ticket, Role::Cc, u.into())),
        row("watch as AdminCc", "WatchAsAdminCc", Queue, |tx, f, u| tx.add_watcher(f.ticket, Role::AdminCc, u.into())),
        row("add another watcher", "ModifyTicket", Queue, |tx, f, _| {
            tx.add_watcher(f.ticket, Role::AdminCc, f.other_user.into())
        }),
        row("remove a watcher", "ModifyTicket", Queue, |tx, f, _| {
            tx.delete_watcher(f.ticket, Role::Cc, f.other_user.into())
        }),
        row("merge tickets", "ModifyTicket", Queue, |tx, f, _| tx.merge_tickets(f.ticket, f.ticket2)),
        Row {
            base: &[("CreateTicket", Queue)],
            ..row("add a reminder", "ModifyTicket", Queue, |tx, f, _| {
                tx.add_reminder(f.ticket, "call back", None, None).map(drop)
            })
        },
        Row {
            base: &[("ModifyTicket", Queue)],
            ticket_role: false,
            ..row("add a reminder (its ticket)", "CreateTicket", Queue, |tx, f, _| {
                tx.add_reminder(f.ticket, "call back", None, None).map(drop)
            })
        },
        row("bookmark a ticket", "ShowTicket", Queue, |tx, f, _| tx.set_bookmark(f.ticket, true)),
        row("another user's attributes", "AdminUsers", System, |tx, f, _| {
            tx.set_attribute(AttributeObject::User(f.other_user), "Pref", "x", "text/plain").map(drop)
        }),
        row("link a ticket", "ModifyTicket", Queue, |tx, f, _| {
            tx.add_link(f.ticket, LinkType::RefersTo, LinkEnd::Uri("https://example.net/kb/1".into()))
        }),
        Row {
            base: &[("CreateTicket", OtherQueue)],
            ..row("move to another queue", "ModifyTicket", Queue, |tx, f, _| {
                tx.set_queue(f.ticket, f.other_queue).map(drop)
            })
        },
        Row {
            base: &[("ModifyTicket", Queue)],
            ticket_role: false,
            ..row("move into a queue", "CreateTicket", OtherQueue, |tx, f, _| {
                tx.set_queue(f.ticket, f.other_queue).map(drop)
            })
        },
        Row { ticket_role: false, ..row("see a queue", "SeeQueue", Queue, |tx, f, _| tx.queue(f.queue).map(drop)) },
        Row {
            ticket_role: false,
            ..row("configure a queue", "AdminQueue", Queue, |tx, f, _| {
                tx.update_queue(f.queue, &QueueUpdate { description: Some("d".into()), ..QueueUpdate::default() })
            })
        },
        row("create a queue", "AdminQueue", System, |tx, _, u| {
            tx.create_queue(NewQueue { name: format!("Q by {u}"), ..NewQueue::default() }).map(drop)
        }),
        Row {
            ticket_role: false,
            ..row("queue watchers", "ModifyQueueWatchers", Queue, |tx, f, _| {
                tx.add_queue_watcher(f.queue, Role::Cc, f.other_user.into())?;
                tx.delete_queue_watcher(f.queue, Role::Cc, f.other_user.into())
            })
        },
        Row {
            ticket_role: false,
            ..row("grant", "ModifyACL", Queue, |tx, f, _| {
                tx.grant(Grantee::User(f.other_user), "ShowTicket", AclObject::Queue(f.queue))
            })
        },
        Row {
            ticket_role: false,
            ..row("revoke", "ModifyACL", Queue, |tx, f, _| {
                tx.revoke(Grantee::User(f.other_user), "SeeQueue", AclObject::Queue(f.queue)).map(drop)
            })
        },
        Row {
            ticket_role: false,
            ..row("list grants", "ShowACL", Queue, |tx, f, _| tx.acl_entries(AclObject::Queue(f.queue)).map(drop))
        },
        Row {
            base: &[("ShowTicket", Queue)],
            ..row("read a custom field", "SeeCustomField", CustomField, |tx, f, _| {
                tx.cf_values(CfObject::Ticket(f.ticket), f.cf).map(drop)
            })
        },
        Row {
            base: &[("ShowTicket", Queue)],
            ..row("set a custom field", "ModifyCustomField", CustomField, |tx, f, _| {
                tx.add_cf_value(CfObject::Ticket(f.ticket), f.cf, "x")
            })
        },
        Row {
            base: &[("ShowTicket", Queue)],
            ..row("set a custom field (queue grant)", "ModifyCustomField", Queue, |tx, f, _| {
                tx.add_cf_value(CfObject::Ticket(f.ticket), f.cf, "x")
            })
        },
        Row {
            base: &[("CreateTicket", Queue)],
            ticket_role: false,
            ..row("set a custom field at creation", "SetInitialCustomField", Queue, |tx, f, _| {
                let custom_fields = vec![(f.cf, vec!["initial".to_string()])];
                tx.create_ticket(NewTicket { queue: Some(f.queue), custom_fields, ..NewTicket::default() }).map(drop)
            })
        },
        row("create a custom field", "AdminCustomField", System, |tx, _, u| {
            tx.create_custom_field(NewCustomField::ticket(&format!("Field of {u}"), CfType::Freeform)).map(drop)
        }),
        Row {
            ticket_role: false,
            ..row("apply a custom field", "AssignCustomFields", Queue, |tx, f, _| {
                tx.apply_custom_field(f.cf, Some(f.queue))
            })
        },
        row("offer a custom field value", "AdminCustomFieldValues", CustomField, |tx, f, u| {
            tx.add_custom_field_option(f.cf, &format!("option {u}"), 0, "")
        }),
        row("create a user", "AdminUsers", System, |tx, _, u| {
            tx.create_user(NewUser { name: format!("made-by-{u}"), ..NewUser::default() }).map(drop)
        }),
        row("edit another user", "AdminUsers", System, |tx, f, _| {
            tx.update_user(f.other_user, &UserProfile { real_name: Some("X".into()), ..UserProfile::default() })
        }),
        row("disable a user", "AdminUsers", System, |tx, f, _| tx.set_user_disabled(f.other_user, true)),
        row("privilege a user", "AdminUsers", System, |tx, f, _| tx.set_privileged(f.other_user, false)),
        row("edit own profile", "ModifySelf", System, |tx, _, u| {
            tx.update_user(u, &UserProfile { nick_name: Some("me".into()), ..UserProfile::default() })
        }),
        row("change own password", "ModifySelf", System, |tx, _, u| tx.set_password(u, Some("new password"))),
        row("create a group", "AdminGroup", System, |tx, _, u| tx.create_group(&format!("group of {u}"), "").map(drop)),
        row("disable a group", "AdminGroup", Group, |tx, f, _| {
            tx.set_group_disabled(f.group, true)?;
            tx.set_group_disabled(f.group, false)
        }),
        row("add a group member", "AdminGroupMembership", Group, |tx, f, u| tx.add_group_member(f.group, u.into())),
        row("remove a group member", "AdminGroupMembership", Group, |tx, f, _| {
            tx.remove_group_member(f.group, f.other_user.into()).map(drop)
        }),
    ]
}

/// Rights of RT 5 that no operation of rt-core checks yet, each with the
/// work that will bring one. The registry test keeps this list exact.
const NOT_YET_EXERCISED: &[&str] = &[
    // Links of groups, custom roles (planned).
    "ModifyGroupLinks",
    "AdminCustomRoles",
    // Groups as seen by others.
    "ModifyOwnMembership",
    "SeeGroup",
    // Mail and scrips.
    "ForwardMessage",
    "ShowOutgoingEmail",
    "ModifyScrips",
    "ShowScrips",
    "ModifyTemplate",
    "ShowTemplate",
    "ShowGlobalTemplates",
    "ExecuteCode",
    // Search, saved searches, dashboards (search and web UI issues).
    "LoadSavedSearch",
    "CreateSavedSearch",
    "ShowSavedSearches",
    "EditSavedSearches",
    "ShowSearchAdvanced",
    "ShowSearchBulkUpdate",
    "CreateDashboard",
    "DeleteDashboard",
    "ModifyDashboard",
    "SeeDashboard",
    "CreateOwnDashboard",
    "DeleteOwnDashboard",
    "ModifyOwnDashboard",
    "SeeOwnDashboard",
    "SubscribeDashboard",
    "SeeGroupDashboard",
    "CreateGroupDashboard",
    "ModifyGroupDashboard",
    "DeleteGroupDashboard",
    // Web UI menus, self-service, tokens, history of users.
    "ShowConfigTab",
    "ShowApprovalsTab",
    "ShowArticlesMenu",
    "ShowAssetsMenu",
    "SeeSelfServiceGroupTicket",
    "ManageAuthTokens",
    "ShowUserHistory",
    // Articles.
    "SeeClass",
    "CreateArticle",
    "ShowArticle",
    "ShowArticleHistory",
    "ModifyArticle",
    "ModifyArticleTopics",
    "DisableArticle",
    "AdminClass",
    "AdminTopics",
    // Assets (planned).
    "ShowCatalog",
    "AdminCatalog",
    "ShowAsset",
    "CreateAsset",
    "ModifyAsset",
];

fn modes(row: &Row) -> Vec<Via> {
    match row.target {
        Target::Queue | Target::OtherQueue => vec![Via::Nothing, Via::Direct, Via::NestedGroup, Via::Role, Via::Global],
        Target::Group => vec![Via::Nothing, Via::Direct, Via::NestedGroup, Via::Global],
        // A system right is always global; roles do not apply to it.
        Target::System => vec![Via::Nothing, Via::Direct, Via::NestedGroup],
        Target::CustomField => vec![Via::Nothing, Via::Direct, Via::NestedGroup, Via::Global],
    }
}

fn run_row(db: &TestDb, row: &Row) {
    let root = db.root();
    let (queue, other_queue, other_user, group, cf) = root
        .write(|tx| {
            let q = tx.create_queue(NewQueue { name: "Matrix".into(), ..NewQueue::default() })?;
            let q2 = tx.create_queue(NewQueue { name: "Matrix 2".into(), ..NewQueue::default() })?;
            let other = tx.create_user(NewUser { name: "other".into(), privileged: true, ..NewUser::default() })?;
            tx.grant(Grantee::User(other), "OwnTicket", AclObject::System)?;
            let g = tx.create_group("Matrix group", "")?;
            tx.add_group_member(g, other.into())?;
            let cf = tx.create_custom_field(NewCustomField::ticket("Matrix field", CfType::Freeform))?;
            tx.apply_custom_field(cf, None)?;
            Ok((q, q2, other, g, cf))
        })
        .unwrap();
    let object = |target: Target| match target {
        Target::Queue => AclObject::Queue(queue),
        Target::OtherQueue => AclObject::Queue(other_queue),
        Target::System => AclObject::System,
        Target::Group => AclObject::Group(group),
        Target::CustomField => AclObject::CustomField(cf),
    };
    for (n, via) in modes(row).into_iter().enumerate() {
        let ctx = format!("row {:?} via {via:?}", row.name);
        let user = root
            .write(|tx| {
                let u =
                    tx.create_user(NewUser { name: format!("tester{n}"), privileged: true, ..NewUser::default() })?;
                for (right, target) in row.base {
                    tx.grant(Grantee::User(u), right, object(*target))?;
                }
                match via {
                    Via::Nothing => {}
                    Via::Direct => tx.grant(Grantee::User(u), row.right, object(row.target))?,
                    Via::Global => tx.grant(Grantee::User(u), row.right, AclObject::System)?,
                    Via::NestedGroup => {
                        let inner = tx.create_group(&format!("inner{n}"), "")?;
                        let outer = tx.create_group(&format!("outer{n}"), "")?;
                        tx.add_group_member(inner, u.into())?;
                        tx.add_group_member(outer, inner.into())?;
                        tx.grant(Grantee::Group(outer), row.right, object(row.target))?;
                    }
                    Via::Role if row.ticket_role => {
                        tx.grant(Grantee::Role(Role::Requestor), row.right, object(row.target))?
                    }
                    Via::Role => {
                        let AclObject::Queue(q) = object(row.target) else { unreachable!() };
                        tx.add_queue_watcher(q, Role::AdminCc, u.into())?;
                        tx.grant(Grantee::Role(Role::AdminCc), row.right, object(row.target))?;
                    }
                }
                Ok(u)
            })
            .unwrap_or_else(|e| panic!("{ctx}: setup: {e}"));
        let fixture = root
            .write(|tx| {
                let owner = match row.owner {
                    Owner::Nobody => None,
                    Owner::TestUser => Some(user),
                    Owner::Other => Some(other_user),
                };
                let requestors = if via == Via::Role && row.ticket_role { vec![format!("tester{n}")] } else { vec![] };
                let ticket = tx.create_ticket(NewTicket {
                    queue: Some(queue),
                    subject: "matrix".into(),
                    owner,
                    requestors: requestors.clone(),
                    cc: vec!["other".into()],
                    ..NewTicket::default()
                })?;
                let ticket2 = tx.create_ticket(NewTicket {
                    queue: Some(queue),
                    subject: "matrix 2".into(),
                    requestors,
                    ..NewTicket::default()
                })?;
                let comment = tx.comment(ticket, Message::text("private"))?;
                tx.grant(Grantee::User(other_user), "SeeQueue", AclObject::Queue(queue))?;
                Ok(Fixture { queue, ticket2, other_queue, ticket, comment, other_user, group, cf })
            })
            .unwrap_or_else(|e| panic!("{ctx}: fixture: {e}"));
        let session = db.rt().session(user, Interface::Api).unwrap();
        let before = snapshot(db.rt());
        let result = session.write(|tx| (row.op)(tx, &fixture, user));
        match via {
            Via::Nothing => {
                match &result {
                    Err(Error::PermissionDenied { right, .. }) => assert_eq!(right, row.right, "{ctx}"),
                    other => panic!("{ctx}: expected permission denied, got {other:?}"),
                }
                assert_eq!(before, snapshot(db.rt()), "{ctx}: a refused operation changed the database");
            }
            _ => {
                if let Err(e) = result {
                    panic!("{ctx}: expected success, got {e}");
                }
            }
        }
    }
}

#[test]
fn every_operation_checks_its_right() {
    let rows = rows();
    for backend in rt_test_support::backends() {
        for row in &rows {
            let db = TestDb::new(backend);
            run_row(&db, row);
        }
    }
}

/// Lists each right of RT 5 with the rows that cover it; every right is
/// either covered or named in `NOT_YET_EXERCISED`.
#[test]
fn registry_rights_are_covered_or_listed() {
    let registry = rt_core::rights::Registry::default();
    let rows = rows();
    let mut report = String::new();
    let mut uncovered = BTreeSet::new();
    for def in registry.iter() {
        let covering: Vec<_> = rows.iter().filter(|r| r.right == def.name).map(|r| r.name).collect();
        report.push_str(&format!(
            "{:<28} {}\n",
            def.name,
            if covering.is_empty() { "-".into() } else { covering.join(", ") }
        ));
        if covering.is_empty() && def.name != "SuperUser" {
            uncovered.insert(def.name.as_str());
        }
    }
    println!("{report}");
    let listed: BTreeSet<&str> = NOT_YET_EXERCISED.iter().copied().collect();
    assert_eq!(uncovered, listed, "update NOT_YET_EXERCISED (or add matrix rows):\n{report}");
    assert!(registry.get("SuperUser").is_some());
}

/// `SuperUser` (covered here rather than by a row) passes every check.
#[test]
fn superuser_passes_every_check() {
    for backend in rt_test_support::backends() {
        let db = TestDb::new(backend);
        let (boss, session) = crate::staff(&db, "boss");
        db.root().write(|tx| tx.grant(Grantee::User(boss), "SuperUser", AclObject::System)).unwrap();
        session
            .write(|tx| {
                let q = tx.create_queue(NewQueue { name: "Boss".into(), ..NewQueue::default() })?;
                let t = tx.create_ticket(NewTicket { queue: Some(q), ..NewTicket::default() })?;
                tx.take(t)?;
                tx.delete_ticket(t)?;
                tx.create_user(NewUser { name: "minion".into(), ..NewUser::default() })?;
                tx.grant(Grantee::Role(Role::Cc), "ShowTicket", AclObject::Queue(q))
            })
            .unwrap();
    }
}
