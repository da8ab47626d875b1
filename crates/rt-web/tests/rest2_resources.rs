//! REST 2.0 beyond RT's transcripts: entity tags and `If-Match`, watchers,
//! links, ownership actions, merging and deleting through the ticket
//! resource; attachments and transactions; the collections with their
//! JSON filters and hidden totals; authentication tokens; the OpenAPI
//! document against the registered routes; and what a privileged user
//! without rights, an unprivileged requestor and a revoked token may do.
//! On SQLite and, with `RT_TEST_PG_URL`, PostgreSQL.

#![allow(clippy::unwrap_used)]

use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use base64::Engine;
use rt_core::{AclObject, Grantee, LinkEnd, LinkType, NewUser, Role, TicketId};
use rt_test_support::backends;
use serde_json::{Value, json};

#[macro_use]
mod rest2_support;
use rest2_support::{basic, rtir_site, site};

const NO_HEADER: Option<(&str, String)> = None;

#[actix_web::test]
async fn etags_guard_updates() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        let create = r#"{"Queue":"General","Subject":"tagged"}"#;
        assert_eq!(send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(create)).0, StatusCode::CREATED);
        let (status, headers, _) = exchange!(app, "GET", "/REST/2.0/ticket/1", Some(root.clone()), None, NO_HEADER);
        assert_eq!(status, StatusCode::OK);
        let tag = headers.get("ETag").unwrap().to_str().unwrap().to_string();
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
        // The current tag lets the change through, and the tag moves on.
        let (status, _, said) = exchange!(
            app,
            "PUT",
            "/REST/2.0/ticket/1",
            Some(root.clone()),
            Some(r#"{"Subject":"first"}"#),
            Some(("If-Match", tag.clone()))
        );
        assert_eq!((status, said), (StatusCode::OK, json!(["Ticket 1: Subject changed from 'tagged' to 'first'"])));
        let (_, headers, _) = exchange!(app, "GET", "/REST/2.0/ticket/1", Some(root.clone()), None, NO_HEADER);
        let newer = headers.get("ETag").unwrap().to_str().unwrap().to_string();
        assert_ne!(newer, tag);
        // The stale one: 412, nothing changes.
        let (status, _, said) = exchange!(
            app,
            "PUT",
            "/REST/2.0/ticket/1",
            Some(root.clone()),
            Some(r#"{"Subject":"second"}"#),
            Some(("If-Match", tag.clone()))
        );
        assert_eq!((status, said), (StatusCode::PRECONDITION_FAILED, json!({"message": "Precondition Failed"})));
        assert_eq!(db.root().read(|tx| tx.ticket(TicketId(1))).unwrap().subject, "first");
        // `*` matches, and so does a list holding the current tag.
        let star = Some(("If-Match", "*".to_string()));
        let (status, _, _) =
            exchange!(app, "PUT", "/REST/2.0/ticket/1", Some(root.clone()), Some(r#"{"Priority":5}"#), star);
        assert_eq!(status, StatusCode::OK);
        let (_, headers, _) = exchange!(app, "GET", "/REST/2.0/ticket/1", Some(root.clone()), None, NO_HEADER);
        let current = headers.get("ETag").unwrap().to_str().unwrap().to_string();
        let list = Some(("If-Match", format!("\"0\", W/{current}")));
        let (status, _, _) =
            exchange!(app, "PUT", "/REST/2.0/ticket/1", Some(root.clone()), Some(r#"{"Priority":6}"#), list);
        assert_eq!(status, StatusCode::OK);
        assert_eq!(db.root().read(|tx| tx.ticket(TicketId(1))).unwrap().priority, 6);
        // Priorities in words, as RT's default %PriorityAsString names them.
        let (_, said) = send!(app, "PUT", "/REST/2.0/ticket/1", Some(root.clone()), Some(r#"{"Priority":"medium"}"#));
        assert_eq!(said, json!(["Ticket 1: Priority changed from 'Low' to 'Medium'"]));
        assert_eq!(db.root().read(|tx| tx.ticket(TicketId(1))).unwrap().priority, 50);
    }
}

#[actix_web::test]
async fn watchers_links_ownership_merge_and_delete() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        for subject in ["one", "two", "three"] {
            let body = format!(r#"{{"Queue":"General","Subject":"{subject}","Requestor":"carol@example.org"}}"#);
            assert_eq!(send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(&body)).0, StatusCode::CREATED);
        }
        // Watchers: the lists given become the roles' members.
        let (status, said) = send!(
            app,
            "PUT",
            "/REST/2.0/ticket/1",
            Some(root.clone()),
            Some(r#"{"Requestor":["dave@example.org"],"Cc":"staff","AdminCc":["helper"]}"#)
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            said,
            json!([
                "Ticket 1: Added helper as AdminCc for this ticket",
                "Ticket 1: Added staff as Cc for this ticket",
                "Ticket 1: Added dave@example.org as Requestor for this ticket",
                "Ticket 1: carol@example.org is no longer Requestor for this ticket",
            ])
        );
        let (_, t) = send!(app, "GET", "/REST/2.0/ticket/1", Some(root.clone()), None);
        assert_eq!(t["Requestor"][0]["id"], json!("dave@example.org"));
        assert_eq!((t["Cc"][0]["id"].clone(), t["AdminCc"][0]["id"].clone()), (json!("staff"), json!("helper")));
        // Links: add, set exactly, delete; each shown in the ticket's links.
        let (_, said) = send!(
            app,
            "PUT",
            "/REST/2.0/ticket/1",
            Some(root.clone()),
            Some(r#"{"AddDependsOn":[2,3],"RefersTo":"https://example.org/x"}"#)
        );
        assert_eq!(said.as_array().unwrap().len(), 3, "{said}");
        let links = |db: &rt_test_support::TestDb, kind: LinkType| -> Vec<LinkEnd> {
            let all = db.root().read(|tx| tx.links(TicketId(1))).unwrap();
            all.iter().filter_map(|l| l.seen_from(TicketId(1))).filter(|(k, _)| *k == kind).map(|(_, e)| e).collect()
        };
        assert_eq!(links(&db, LinkType::DependsOn), [LinkEnd::Ticket(TicketId(2)), LinkEnd::Ticket(TicketId(3))]);
        assert_eq!(links(&db, LinkType::RefersTo), [LinkEnd::Uri("https://example.org/x".into())]);
        let (_, said) = send!(app, "PUT", "/REST/2.0/ticket/1", Some(root.clone()), Some(r#"{"DependsOn":[3]}"#));
        assert_eq!(said, json!(["Ticket 1: Ticket 1 no longer depends on Ticket 2."]));
        let (_, said) = send!(app, "PUT", "/REST/2.0/ticket/1", Some(root.clone()), Some(r#"{"DeleteDependsOn":"3"}"#));
        assert_eq!(said, json!(["Ticket 1: Ticket 1 no longer depends on Ticket 3."]));
        assert!(links(&db, LinkType::DependsOn).is_empty());
        let (_, t) = send!(app, "GET", "/REST/2.0/ticket/1", Some(root.clone()), None);
        assert!(t["_hyperlinks"].as_array().unwrap().iter().any(|l| l["ref"] == "refers-to"), "{t}");
        // take, untake, steal.
        let (status, said) = send!(app, "PUT", "/REST/2.0/ticket/2/take", Some(root.clone()), None);
        assert_eq!((status, said), (StatusCode::OK, json!(["Ticket 2: Owner changed from Nobody to root"])));
        let (_, said) = send!(app, "PUT", "/REST/2.0/ticket/2/untake", Some(root.clone()), None);
        assert_eq!(said, json!(["Ticket 2: Owner changed from root to Nobody"]));
        let (status, _) = send!(app, "PUT", "/REST/2.0/ticket/2/grab", Some(root.clone()), None);
        assert_eq!(status, StatusCode::NOT_FOUND);
        // helper may not take (no OwnTicket): said, nothing changes.
        let (status, said) = send!(app, "PUT", "/REST/2.0/ticket/2/take", Some(basic("helper", "helperpass")), None);
        assert_eq!((status, said), (StatusCode::OK, json!(["Ticket 2: Permission Denied"])));
        // Merge: ticket 3 into 2, after the other changes.
        let (_, said) =
            send!(app, "PUT", "/REST/2.0/ticket/3", Some(root.clone()), Some(r#"{"MergeInto":2,"Subject":"merged"}"#));
        assert_eq!(said, json!(["Ticket 3: Subject changed from 'three' to 'merged'", "Ticket 3: Merge Successful"]));
        assert_eq!(db.root().read(|tx| tx.ticket(TicketId(3))).unwrap().effective_id, TicketId(2));
        // Delete: 403 without DeleteTicket, 204 with it.
        let (status, body) = send!(app, "DELETE", "/REST/2.0/ticket/1", Some(basic("helper", "helperpass")), None);
        assert_eq!((status, body), (StatusCode::FORBIDDEN, json!({"message": "Forbidden"})));
        let (status, _) = send!(app, "DELETE", "/REST/2.0/ticket/1", Some(root.clone()), None);
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(db.root().read(|tx| tx.ticket(TicketId(1))).unwrap().status, "deleted");
        let (status, _) = send!(app, "DELETE", "/REST/2.0/ticket/999", Some(root.clone()), None);
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[actix_web::test]
async fn attachments_and_transactions() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        let file = b"line one\nline two\n\xff binary tail";
        let encoded = base64::engine::general_purpose::STANDARD.encode(file);
        let create = format!(
            r#"{{"Queue":"General","Subject":"files","Content":"see attached","Attachments":[{{"FileName":"notes.bin","FileType":"application/octet-stream","FileContent":"{encoded}"}}]}}"#
        );
        assert_eq!(send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(&create)).0, StatusCode::CREATED);
        let comment = format!(
            r#"{{"Content":"internal","Attachments":[{{"FileName":"a.txt","FileType":"text/plain","FileContent":"{}"}}]}}"#,
            base64::engine::general_purpose::STANDARD.encode("private")
        );
        assert_eq!(
            send!(app, "POST", "/REST/2.0/ticket/1/comment", Some(root.clone()), Some(&comment)).0,
            StatusCode::CREATED
        );
        // The ticket's attachments, then one with its content.
        let (status, list) =
            send!(app, "GET", "/REST/2.0/ticket/1/attachments?fields=Filename", Some(root.clone()), None);
        assert_eq!(status, StatusCode::OK);
        let names: Vec<&str> =
            list["items"].as_array().unwrap().iter().filter_map(|i| i["Filename"].as_str()).collect();
        assert!(names.contains(&"notes.bin") && names.contains(&"a.txt"), "{list}");
        let item = list["items"].as_array().unwrap().iter().find(|i| i["Filename"] == "notes.bin").unwrap();
        let (status, a) = send!(
            app,
            "GET",
            &format!("/REST/2.0/attachment/{}", item["id"].as_str().unwrap()),
            Some(root.clone()),
            None
        );
        assert_eq!(status, StatusCode::OK);
        let content = base64::engine::general_purpose::STANDARD.decode(a["Content"].as_str().unwrap()).unwrap();
        assert_eq!((content.as_slice(), a["ContentType"].clone()), (&file[..], json!("application/octet-stream")));
        // The transaction that carries it links to its attachments.
        let txn = a["TransactionId"]["id"].as_str().unwrap().to_string();
        let (status, t) = send!(app, "GET", &format!("/REST/2.0/transaction/{txn}"), Some(root.clone()), None);
        assert_eq!(
            (status, t["Type"].clone(), t["Object"]["id"].clone()),
            (StatusCode::OK, json!("Create"), json!("1"))
        );
        assert!(t["_hyperlinks"].as_array().unwrap().iter().filter(|l| l["ref"] == "attachment").count() >= 2, "{t}");
        let (_, list) =
            send!(app, "GET", &format!("/REST/2.0/transaction/{txn}/attachments"), Some(root.clone()), None);
        assert!(list["count"].as_u64().unwrap() >= 2, "{list}");
        // helper sees the ticket but not comments: the comment's
        // transaction and attachments are forbidden, the Create's are not.
        let helper = basic("helper", "helperpass");
        let comment_txn =
            db.root().read(|tx| tx.history(TicketId(1))).unwrap().into_iter().find(|t| t.kind == "Comment").unwrap();
        let (status, _) =
            send!(app, "GET", &format!("/REST/2.0/transaction/{}", comment_txn.id.0), Some(helper.clone()), None);
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, list) =
            send!(app, "GET", "/REST/2.0/ticket/1/attachments?fields=Filename", Some(helper.clone()), None);
        assert_eq!(status, StatusCode::OK);
        assert!(!list["items"].as_array().unwrap().iter().any(|i| i["Filename"] == "a.txt"), "{list}");
        let (status, _) =
            send!(app, "GET", &format!("/REST/2.0/transaction/{txn}"), Some(basic("staff", "staffpass")), None);
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Bad attachments: said, nothing stored.
        for (body, expected) in [
            (r#"{"Content":"x","Attachments":{"FileName":"a"}}"#, "Attachments must be an array"),
            (
                r#"{"Content":"x","Attachments":[{"FileName":"a","FileType":"text/plain"}]}"#,
                "Field FileContent is required",
            ),
            (
                r#"{"Content":"x","Attachments":[{"FileName":"a","FileType":"text/plain","FileContent":"!!"}]}"#,
                "not base64",
            ),
        ] {
            let (status, said) = send!(app, "POST", "/REST/2.0/ticket/1/correspond", Some(root.clone()), Some(body));
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(said["message"].as_str().unwrap().contains(expected), "{said}");
        }
        assert!(!db.root().read(|tx| tx.history(TicketId(1))).unwrap().iter().any(|t| t.kind == "Correspond"));
        for path in ["/REST/2.0/transaction/999999", "/REST/2.0/attachment/999999", "/REST/2.0/attachment/x"] {
            assert_eq!(send!(app, "GET", path, Some(root.clone()), None).0, StatusCode::NOT_FOUND, "{path}");
        }
    }
}

#[actix_web::test]
async fn collections_filter_page_and_hide() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        let (helper_id, group) = db
            .root()
            .write(|tx| {
                let helper = tx.user_by_name("helper")?.user_id();
                let group = tx.create_group("Duty", "the duty team")?;
                tx.create_group("Hidden", "")?;
                tx.add_group_member(group, helper.into())?;
                tx.grant(Grantee::User(helper), "SeeGroup", AclObject::Group(group))?;
                tx.create_user(NewUser {
                    name: "carol".into(),
                    password: Some("carolpass".into()),
                    ..NewUser::default()
                })?;
                Ok((helper, group))
            })
            .unwrap();
        // Queues: root sees all with a total; helper sees General only and
        // no total, as RT.
        let (_, all) = send!(app, "GET", "/REST/2.0/queues/all?fields=Name", Some(root.clone()), None);
        let names: Vec<&str> = all["items"].as_array().unwrap().iter().map(|i| i["Name"].as_str().unwrap()).collect();
        assert!(names.contains(&"General") && names.contains(&"Locked"), "{all}");
        assert_eq!(all["total"], json!(names.len()));
        let (_, seen) = send!(app, "GET", "/REST/2.0/queues?fields=Name", Some(basic("helper", "helperpass")), None);
        assert_eq!(
            (seen["count"].clone(), seen["total"].clone(), seen["pages"].clone()),
            (json!(1), Value::Null, Value::Null)
        );
        assert_eq!(seen["items"][0]["Name"], json!("General"));
        // A JSON filter, posted or in the query string.
        let filter = r#"[{"field":"Name","operator":"LIKE","value":"gen"}]"#;
        let (_, found) = send!(app, "POST", "/REST/2.0/queues", Some(root.clone()), Some(filter));
        assert_eq!((found["count"].clone(), found["items"][0]["id"].clone()), (json!(1), json!("1")));
        let query: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let (_, found) = send!(app, "GET", &format!("/REST/2.0/queues?query={query}"), Some(root.clone()), None);
        assert_eq!(found["count"], json!(1));
        let (status, said) = send!(app, "POST", "/REST/2.0/queues", Some(root.clone()), Some(r#"{"field":"Name"}"#));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{said}");
        // Users: privileged only; others' records are RT's summary.
        let (status, users) = send!(app, "GET", "/REST/2.0/users?per_page=2", Some(basic("staff", "staffpass")), None);
        assert_eq!((status, users["count"].clone(), users["total"].clone()), (StatusCode::OK, json!(2), Value::Null));
        assert!(users.get("next_page").is_some(), "{users}");
        let (_, me) = send!(app, "GET", "/REST/2.0/user/root", Some(basic("staff", "staffpass")), None);
        assert!(me.get("Name").is_some() && me.get("Gecos").is_none() && me.get("Memberships").is_none(), "{me}");
        let (_, unprivileged) = send!(app, "GET", "/REST/2.0/users/unprivileged?fields=Name", Some(root.clone()), None);
        let names: Vec<&str> =
            unprivileged["items"].as_array().unwrap().iter().map(|i| i["Name"].as_str().unwrap()).collect();
        assert!(names.contains(&"carol") && !names.contains(&"staff"), "{unprivileged}");
        // Groups: by SeeGroup; members by AdminGroupMembership.
        let (_, groups) = send!(app, "GET", "/REST/2.0/groups?fields=Name", Some(basic("helper", "helperpass")), None);
        assert_eq!((groups["count"].clone(), groups["items"][0]["Name"].clone()), (json!(1), json!("Duty")));
        let (status, g) =
            send!(app, "GET", &format!("/REST/2.0/group/{}", group.0), Some(basic("helper", "helperpass")), None);
        assert_eq!((status, g["Name"].clone()), (StatusCode::OK, json!("Duty")));
        let (status, _) =
            send!(app, "GET", &format!("/REST/2.0/group/{}", group.0), Some(basic("staff", "staffpass")), None);
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = send!(
            app,
            "GET",
            &format!("/REST/2.0/group/{}/members", group.0),
            Some(basic("helper", "helperpass")),
            None
        );
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, members) = send!(app, "GET", &format!("/REST/2.0/group/{}/members", group.0), Some(root.clone()), None);
        assert_eq!(
            members["items"],
            json!([{"type": "user", "id": "helper", "_url": "http://127.0.0.1:8080/REST/2.0/user/helper"}])
        );
        let (_, mine) = send!(app, "GET", "/REST/2.0/user/helper/groups", Some(basic("helper", "helperpass")), None);
        assert_eq!(mine["items"][0]["id"], json!(group.0.to_string()));
        let (status, _) = send!(app, "GET", "/REST/2.0/user/helper/groups", Some(basic("staff", "staffpass")), None);
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, full) = send!(app, "GET", &format!("/REST/2.0/user/{}", helper_id.0), Some(root.clone()), None);
        assert_eq!(full["Memberships"][0]["id"], json!(group.0.to_string()));
        // Custom fields: SeeCustomField.
        let (_, cfs) = send!(app, "GET", "/REST/2.0/customfields?fields=Name,Type", Some(root.clone()), None);
        assert_eq!(
            (cfs["items"][0]["Name"].clone(), cfs["items"][0]["Type"].clone()),
            (json!("Severity"), json!("Freeform"))
        );
        let cf = cfs["items"][0]["id"].as_str().unwrap().to_string();
        let (status, one) = send!(app, "GET", &format!("/REST/2.0/customfield/{cf}"), Some(root.clone()), None);
        assert_eq!((status, one["MaxValues"].clone()), (StatusCode::OK, json!(1)));
        let (status, _) =
            send!(app, "GET", &format!("/REST/2.0/customfield/{cf}"), Some(basic("staff", "staffpass")), None);
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, none) = send!(app, "GET", "/REST/2.0/customfields", Some(basic("staff", "staffpass")), None);
        assert_eq!((none["count"].clone(), none["total"].clone()), (json!(0), Value::Null));
    }
}

#[actix_web::test]
async fn an_unprivileged_requestor_sees_only_their_own() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        db.root()
            .write(|tx| {
                tx.create_user(NewUser {
                    name: "carol".into(),
                    email: Some("carol@example.org".into()),
                    password: Some("carolpass".into()),
                    ..NewUser::default()
                })?;
                let general = tx.queue_by_name("General")?.queue_id();
                tx.grant(Grantee::Role(Role::Requestor), "ShowTicket", AclObject::Queue(general))
            })
            .unwrap();
        for (subject, requestor) in [("hers", "carol@example.org"), ("theirs", "dave@example.org")] {
            let body = format!(r#"{{"Queue":"General","Subject":"{subject}","Requestor":"{requestor}"}}"#);
            assert_eq!(send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(&body)).0, StatusCode::CREATED);
        }
        let carol = basic("carol", "carolpass");
        let (status, t) = send!(app, "GET", "/REST/2.0/ticket/1", Some(carol.clone()), None);
        assert_eq!((status, t["Subject"].clone()), (StatusCode::OK, json!("hers")));
        let (status, _) = send!(app, "GET", "/REST/2.0/ticket/2", Some(carol.clone()), None);
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, found) = send!(app, "GET", "/REST/2.0/tickets?query=id%3E0", Some(carol.clone()), None);
        assert_eq!((found["count"].clone(), found["items"][0]["id"].clone()), (json!(1), json!("1")));
        for path in ["/REST/2.0/users", "/REST/2.0/user/root"] {
            let (status, _) = send!(app, "GET", path, Some(carol.clone()), None);
            assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{path}: {status}");
        }
        let (status, me) = send!(app, "GET", "/REST/2.0/user/carol", Some(carol.clone()), None);
        assert_eq!((status, me["Privileged"].clone()), (StatusCode::OK, json!(0)));
        let (status, _) =
            send!(app, "PUT", "/REST/2.0/ticket/1", Some(carol.clone()), Some(r#"{"Subject":"mine now"}"#));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(db.root().read(|tx| tx.ticket(TicketId(1))).unwrap().subject, "hers");
        assert_eq!(send!(app, "DELETE", "/REST/2.0/ticket/1", Some(carol.clone()), None).0, StatusCode::FORBIDDEN);
    }
}

#[actix_web::test]
async fn tokens_authenticate_until_revoked() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let staff = basic("staff", "staffpass");
        let create = r#"{"Description":"cron job"}"#;
        // Creating needs ManageAuthTokens.
        let (status, _) = send!(app, "POST", "/REST/2.0/tokens", Some(staff.clone()), Some(create));
        assert_eq!(status, StatusCode::FORBIDDEN);
        db.root()
            .write(|tx| {
                let staff = tx.user_by_name("staff")?.user_id();
                tx.grant(Grantee::User(staff), "ManageAuthTokens", AclObject::System)
            })
            .unwrap();
        let (status, made) = send!(app, "POST", "/REST/2.0/tokens", Some(staff.clone()), Some(create));
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let secret = made["token"].as_str().unwrap().to_string();
        let staff_id = db.root().read(|tx| tx.user_by_name("staff")).unwrap().id;
        assert!(secret.starts_with(&format!("1-{staff_id}-")) && secret.len() == format!("1-{staff_id}-").len() + 32);
        // Nothing of the secret is stored.
        let token = ("Authorization", format!("token {secret}"));
        let (status, me) = send!(app, "GET", "/REST/2.0/user/staff", Some(token.clone()), None);
        assert_eq!((status, me["Name"].clone()), (StatusCode::OK, json!("staff")));
        let (status, _) = send!(app, "GET", &format!("/REST/2.0/user/staff?token={secret}"), NO_HEADER, None);
        assert_eq!(status, StatusCode::OK);
        // The list shows it (no secret), with its last use.
        let (_, list) = send!(app, "GET", "/REST/2.0/tokens", Some(token.clone()), None);
        assert_eq!((list["count"].clone(), list["items"][0]["Description"].clone()), (json!(1), json!("cron job")));
        assert!(list["items"][0].get("token").is_none());
        assert_ne!(list["items"][0]["LastUsed"], json!("1970-01-01T00:00:00Z"));
        // Another user cannot revoke it; its owner can, and then it fails.
        let id = made["id"].as_i64().unwrap();
        let (status, _) =
            send!(app, "DELETE", &format!("/REST/2.0/token/{id}"), Some(basic("helper", "helperpass")), None);
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = send!(app, "DELETE", &format!("/REST/2.0/token/{id}"), Some(token.clone()), None);
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = send!(app, "GET", "/REST/2.0/user/staff", Some(token.clone()), None);
        assert_eq!((status, body), (StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"})));
        // Malformed, guessed, expired, and a disabled owner's tokens fail.
        let (_, expired) = send!(
            app,
            "POST",
            "/REST/2.0/tokens",
            Some(staff.clone()),
            Some(r#"{"Description":"old","Expires":"2001-01-01T00:00:00Z"}"#)
        );
        let (_, live) = send!(app, "POST", "/REST/2.0/tokens", Some(staff.clone()), Some(create));
        let guessed = format!("1-{staff_id}-{}", "0".repeat(32));
        for (auth, why) in [
            ("token abc".to_string(), "malformed"),
            (format!("token {guessed}"), "guessed"),
            (format!("token {}", expired["token"].as_str().unwrap()), "expired"),
        ] {
            let (status, _) = send!(app, "GET", "/REST/2.0/user/staff", Some(("Authorization", auth)), None);
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}");
        }
        let live = ("Authorization", format!("token {}", live["token"].as_str().unwrap()));
        assert_eq!(send!(app, "GET", "/REST/2.0/user/staff", Some(live.clone()), None).0, StatusCode::OK);
        db.root()
            .write(|tx| {
                let staff = tx.user_by_name("staff")?.user_id();
                tx.set_user_disabled(staff, true)
            })
            .unwrap();
        assert_eq!(send!(app, "GET", "/REST/2.0/user/staff", Some(live), None).0, StatusCode::UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn the_openapi_document_describes_every_route() {
    let db = rtir_site(rt_core::db::Backend::Sqlite);
    let app = app!(db);
    let root = basic("root", "password");
    let (status, doc) = send!(app, "GET", "/REST/2.0/openapi.json", NO_HEADER, None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], json!("3.1.0"));
    // The document and the registered routes are the same set.
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let in_path: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
            assert_eq!(params, in_path, "{method} {path}");
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut registered: Vec<(String, String)> =
        rt_web::rest2::ROUTES.iter().map(|(m, p, _, _)| (m.to_string(), p.to_string())).collect();
    documented.sort();
    registered.sort();
    registered.dedup();
    assert_eq!(documented, registered);
    // Each route is really served: with objects that exist, every one
    // succeeds (none answers the catch-all's 404 or a 405).
    let objects = Objects::make(&db, &app).await;
    let mut routes: Vec<_> = rt_web::rest2::ROUTES.iter().collect();
    routes.sort_by_key(|(method, ..)| *method == "delete");
    for (method, path, _, _) in routes {
        let (uri, body) = objects.request(method, path);
        let (status, answer) = send!(app, method.to_uppercase().as_str(), &uri, Some(root.clone()), body.as_deref());
        assert!(status.is_success(), "{method} {uri}: {status} {answer}");
    }
}

/// Objects of an RTIR site for requests to every route: a General ticket
/// with a custom field and an attachment, an Incident Report with an
/// Incident, a user-defined group root is in, root's token.
struct Objects {
    ticket: i64,
    report: i64,
    /// Another report, for merging into.
    other_report: i64,
    incident: i64,
    txn: i64,
    attachment: i64,
    group: i64,
    cf: i64,
    token: i64,
}

impl Objects {
    async fn make<S>(db: &rt_test_support::TestDb, app: &S) -> Objects
    where
        S: actix_web::dev::Service<
                actix_http::Request,
                Response = actix_web::dev::ServiceResponse,
                Error = actix_web::Error,
            >,
    {
        let root = basic("root", "password");
        let create = r#"{"Queue":"General","Subject":"for routes","Content":"x","CustomFields":{"Severity":"high"}}"#;
        let (_, made) = send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(create));
        let ticket = made["id"].as_str().unwrap().parse().unwrap();
        let report = r#"{"Subject":"scan","Requestor":"cert@edu.example","Content":"from 10.0.2.7"}"#;
        let (_, made) = send!(app, "POST", "/REST/2.0/rtir/report", Some(root.clone()), Some(report));
        let report: i64 = made["id"].as_str().unwrap().parse().unwrap();
        let other = r#"{"Subject":"scan again","Requestor":"cert@edu.example","Content":"from 10.0.2.8"}"#;
        let (_, made) = send!(app, "POST", "/REST/2.0/rtir/report", Some(root.clone()), Some(other));
        let other_report: i64 = made["id"].as_str().unwrap().parse().unwrap();
        let incident = format!(r#"{{"Subject":"scanning","Children":[{report}]}}"#);
        let (_, made) = send!(app, "POST", "/REST/2.0/rtir/incident", Some(root.clone()), Some(incident.as_str()));
        let incident = made["id"].as_str().unwrap().parse().unwrap();
        let group = db
            .root()
            .write(|tx| {
                let root = tx.user_by_name("root")?.user_id();
                tx.grant(Grantee::User(root), "ManageAuthTokens", AclObject::System)?;
                let group = tx.create_group("Routes", "")?;
                tx.add_group_member(group, root.into())?;
                Ok(group.0)
            })
            .unwrap();
        let (_, token) = send!(app, "POST", "/REST/2.0/tokens", Some(root), Some("{}"));
        let id = TicketId(ticket);
        Objects {
            ticket,
            report,
            other_report,
            incident,
            txn: db.root().read(|tx| tx.history(id)).unwrap()[0].id.0,
            attachment: db.root().read(|tx| tx.ticket_attachments(id)).unwrap()[0].id.0,
            group,
            cf: db.root().read(|tx| tx.visible_custom_fields()).unwrap()[0].id.0,
            token: token["id"].as_i64().unwrap(),
        }
    }

    /// The URI and body of a request to the route `method path` about
    /// these objects. A route without an entry here fails the test.
    fn request(&self, method: &str, path: &str) -> (String, Option<String>) {
        let (t, r, i) = (self.ticket, self.report, self.incident);
        let (id, body): (String, Option<String>) = match (method, path) {
            (_, p) if p.starts_with("/transaction/") => (self.txn.to_string(), None),
            (_, p) if p.starts_with("/attachment/") => (self.attachment.to_string(), None),
            (_, p) if p.starts_with("/group/") => (self.group.to_string(), None),
            (_, p) if p.starts_with("/customfield/") => (self.cf.to_string(), None),
            (_, p) if p.starts_with("/user/") => ("root".into(), None),
            (_, p) if p.starts_with("/token/") => (self.token.to_string(), None),
            ("post", "/ticket") => (String::new(), Some(r#"{"Queue":"Locked","Subject":"new"}"#.into())),
            ("post", p) if p.ends_with("/correspond") || p.ends_with("/comment") => {
                (t.to_string(), Some(r#"{"Content":"x"}"#.into()))
            }
            ("post", "/tickets" | "/queues" | "/users" | "/groups" | "/customfields") => {
                (String::new(), Some("[]".into()))
            }
            ("post", "/tokens") => (String::new(), Some("{}".into())),
            ("post", "/rtir/report") => {
                (String::new(), Some(r#"{"Subject":"another","Content":"CVE-2024-1234"}"#.into()))
            }
            ("post", "/rtir/incident") => (String::new(), Some(r#"{"Subject":"empty incident"}"#.into())),
            ("post", "/rtir/investigation") => {
                (String::new(), Some(format!(r#"{{"Requestor":"isp@example.net","Incident":[{i}],"Reports":[{r}]}}"#)))
            }
            ("post", "/rtir/countermeasure") => {
                (String::new(), Some(format!(r#"{{"Subject":"block","Incidents":[{i}]}}"#)))
            }
            ("post", "/rtir/reports/reject") => (String::new(), Some(r#"{"Reports":[]}"#.into())),
            (_, "/rtir/ticket/{id}/incident/{incident}") => (r.to_string(), None),
            ("post", "/rtir/ticket/{id}/split") => (r.to_string(), Some("{}".into())),
            ("post", "/rtir/ticket/{id}/merge/{into}") => (r.to_string(), None),
            ("post", "/rtir/incident/{id}/reply") => (i.to_string(), Some(r#"{"Content":"x"}"#.into())),
            ("post", "/rtir/ticket/{id}/{action}") => (i.to_string(), None),
            ("put", _) => (t.to_string(), Some(r#"{"Subject":"changed"}"#.into())),
            ("get" | "delete", _) => (t.to_string(), None),
            _ => panic!("no request for {method} {path}"),
        };
        let action = if path.starts_with("/rtir/") { "abandon" } else { "take" };
        let uri = path
            .replace("{id}", &id)
            .replace("{incident}", &i.to_string())
            .replace("{into}", &self.other_report.to_string())
            .replace("{action}", action);
        (format!("/REST/2.0{uri}"), body)
    }
}

/// Every route, for a privileged user without rights (each answer is
/// listed: a new route must say what it gives such a user) and for a
/// revoked token (401 everywhere).
#[actix_web::test]
async fn every_route_refuses_what_the_user_may_not_see_or_do() {
    use StatusCode as S;
    // What `staff` gets: the status, and for lists how many items.
    let expected: &[(&str, &str, S, Option<u64>)] = &[
        ("post", "/ticket", S::FORBIDDEN, None),
        ("get", "/ticket/{id}", S::FORBIDDEN, None),
        ("put", "/ticket/{id}", S::FORBIDDEN, None),
        ("delete", "/ticket/{id}", S::FORBIDDEN, None),
        ("put", "/ticket/{id}/{action}", S::FORBIDDEN, None),
        ("post", "/ticket/{id}/correspond", S::FORBIDDEN, None),
        ("post", "/ticket/{id}/comment", S::FORBIDDEN, None),
        ("get", "/ticket/{id}/history", S::FORBIDDEN, None),
        ("get", "/ticket/{id}/attachments", S::FORBIDDEN, None),
        ("get", "/tickets", S::OK, Some(0)),
        ("post", "/tickets", S::OK, Some(0)),
        ("get", "/transaction/{id}", S::FORBIDDEN, None),
        ("get", "/transaction/{id}/attachments", S::FORBIDDEN, None),
        ("get", "/attachment/{id}", S::FORBIDDEN, None),
        ("get", "/queue/{id}", S::FORBIDDEN, None),
        ("get", "/queues", S::OK, Some(0)),
        ("post", "/queues", S::OK, Some(0)),
        ("get", "/queues/all", S::OK, Some(0)),
        // Privileged users see users (RT's summary of others).
        ("get", "/user/{id}", S::OK, None),
        ("get", "/user/{id}/groups", S::FORBIDDEN, None),
        ("get", "/users", S::OK, None),
        ("post", "/users", S::OK, None),
        ("get", "/users/privileged", S::OK, None),
        ("get", "/users/unprivileged", S::OK, None),
        ("get", "/group/{id}", S::FORBIDDEN, None),
        ("get", "/group/{id}/members", S::FORBIDDEN, None),
        ("get", "/groups", S::OK, Some(0)),
        ("post", "/groups", S::OK, Some(0)),
        ("get", "/customfield/{id}", S::FORBIDDEN, None),
        ("get", "/customfields", S::OK, Some(0)),
        ("post", "/customfields", S::OK, Some(0)),
        // One's own tokens: none yet; creating needs ManageAuthTokens;
        // root's token is not found.
        ("get", "/tokens", S::OK, Some(0)),
        ("post", "/tokens", S::FORBIDDEN, None),
        ("delete", "/token/{id}", S::NOT_FOUND, None),
        // RTIR ships Everyone with CreateTicket on Incident Reports.
        ("post", "/rtir/report", S::CREATED, None),
        ("post", "/rtir/incident", S::FORBIDDEN, None),
        ("post", "/rtir/investigation", S::FORBIDDEN, None),
        ("post", "/rtir/countermeasure", S::FORBIDDEN, None),
        ("put", "/rtir/ticket/{id}/incident/{incident}", S::FORBIDDEN, None),
        ("delete", "/rtir/ticket/{id}/incident/{incident}", S::FORBIDDEN, None),
        ("post", "/rtir/ticket/{id}/split", S::FORBIDDEN, None),
        ("post", "/rtir/ticket/{id}/merge/{into}", S::FORBIDDEN, None),
        ("post", "/rtir/incident/{id}/reply", S::FORBIDDEN, None),
        ("post", "/rtir/ticket/{id}/{action}", S::FORBIDDEN, None),
        ("post", "/rtir/reports/reject", S::OK, None),
    ];
    for backend in backends() {
        let db = rtir_site(backend);
        let app = app!(db);
        let objects = Objects::make(&db, &app).await;
        let (_, revoked) = {
            db.root()
                .write(|tx| {
                    let staff = tx.user_by_name("staff")?.user_id();
                    tx.grant(Grantee::User(staff), "ManageAuthTokens", AclObject::System)
                })
                .unwrap();
            send!(app, "POST", "/REST/2.0/tokens", Some(basic("staff", "staffpass")), Some("{}"))
        };
        let revoked_auth = ("Authorization", format!("token {}", revoked["token"].as_str().unwrap()));
        let revoked_id = revoked["id"].as_i64().unwrap();
        assert_eq!(
            send!(app, "DELETE", &format!("/REST/2.0/token/{revoked_id}"), Some(revoked_auth.clone()), None).0,
            StatusCode::NO_CONTENT
        );
        db.root()
            .write(|tx| {
                let staff = tx.user_by_name("staff")?.user_id();
                tx.revoke(Grantee::User(staff), "ManageAuthTokens", AclObject::System).map(drop)
            })
            .unwrap();
        let staff = basic("staff", "staffpass");
        let ticket = TicketId(objects.ticket);
        let history = db.root().read(|tx| tx.history(ticket)).unwrap().len();
        for (method, path, _, _) in rt_web::rest2::ROUTES {
            let (_, _, want, items) = expected
                .iter()
                .find(|(m, p, ..)| m == method && p == path)
                .unwrap_or_else(|| panic!("{method} {path}: say what a user without rights gets"));
            let (uri, body) = objects.request(method, path);
            let uri = format!("{uri}?query=id%3E0");
            let method = method.to_uppercase();
            let (status, answer) = send!(app, method.as_str(), &uri, Some(staff.clone()), body.as_deref());
            assert_eq!(status, *want, "{backend:?} {method} {uri}: {answer}");
            if let Some(n) = items {
                assert_eq!(answer["count"], json!(n), "{backend:?} {method} {uri}: {answer}");
            }
            let (status, _) = send!(app, method.as_str(), &uri, Some(revoked_auth.clone()), body.as_deref());
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend:?} revoked token: {method} {uri}");
        }
        // Nothing changed.
        let t = db.root().read(|tx| tx.ticket(ticket)).unwrap();
        assert_eq!((t.subject.as_str(), t.status.as_str()), ("for routes", "new"));
        assert_eq!(db.root().read(|tx| tx.history(ticket)).unwrap().len(), history);
        assert_eq!(db.root().read(|tx| tx.ticket(TicketId(objects.incident))).unwrap().status, "open");
    }
}

#[actix_web::test]
async fn rtir_workflow_over_rest() {
    for backend in backends() {
        let db = rtir_site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        let report = r#"{"Subject":"scan","Requestor":"cert@edu.example","Content":"from 10.0.2.0/24","HowReported":"Telephone"}"#;
        let (status, made) = send!(app, "POST", "/REST/2.0/rtir/report", Some(root.clone()), Some(report));
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let report: i64 = made["id"].as_str().unwrap().parse().unwrap();
        let t = db.root().read(|tx| tx.ticket(TicketId(report))).unwrap();
        let queue = db.root().read(|tx| tx.queue(t.queue)).unwrap().name;
        assert_eq!(queue, "Incident Reports");
        let how = db.root().read(|tx| rtir::workflow::field_values(tx, TicketId(report), "How Reported")).unwrap();
        assert_eq!(how, ["Telephone"]);
        // A countermeasure needs an Incident: refused with RTIR's reason.
        let (status, said) =
            send!(app, "POST", "/REST/2.0/rtir/countermeasure", Some(root.clone()), Some(r#"{"Subject":"block"}"#));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{said}");
        assert!(!said["message"].as_str().unwrap().is_empty());
        // An Incident from the report; the report joins it.
        let body = format!(r#"{{"Children":[{report}]}}"#);
        let (status, made) = send!(app, "POST", "/REST/2.0/rtir/incident", Some(root.clone()), Some(body.as_str()));
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let incident: i64 = made["id"].as_str().unwrap().parse().unwrap();
        let children = db.root().read(|tx| rtir::links::children_of(tx, TicketId(incident))).unwrap();
        assert_eq!(children.iter().map(|(_, t)| t.id.0).collect::<Vec<_>>(), [report]);
        // Unlink and link again.
        let link = format!("/REST/2.0/rtir/ticket/{report}/incident/{incident}");
        assert_eq!(send!(app, "DELETE", &link, Some(root.clone()), None).0, StatusCode::OK);
        assert!(db.root().read(|tx| rtir::links::children_of(tx, TicketId(incident))).unwrap().is_empty());
        let (status, said) = send!(app, "PUT", &link, Some(root.clone()), None);
        assert_eq!(status, StatusCode::OK, "{said}");
        // Due in $OverdueAfter days on the report; never on the Incident.
        let (status, said) =
            send!(app, "POST", &format!("/REST/2.0/rtir/ticket/{report}/due"), Some(root.clone()), None);
        assert_eq!(status, StatusCode::OK, "{said}");
        let due = db.root().read(|tx| tx.ticket(TicketId(report))).unwrap().due.unwrap();
        let days = (due - chrono::Utc::now()).num_hours();
        assert!((7 * 24 - 1..=7 * 24).contains(&days), "{due}");
        assert_eq!(said["Due"], json!(rt_web::rest2::date(Some(due))));
        let (status, said) =
            send!(app, "POST", &format!("/REST/2.0/rtir/ticket/{incident}/due"), Some(root.clone()), None);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{said}");
        // Reply to the Incident's reporters; split the report (the new one
        // joins the Incident) and merge the split-off part back.
        let (status, said) = send!(
            app,
            "POST",
            &format!("/REST/2.0/rtir/incident/{incident}/reply"),
            Some(root.clone()),
            Some(r#"{"Content":"We blocked the range.","To":"reporters"}"#)
        );
        assert_eq!((status, said["Updated"].clone()), (StatusCode::OK, json!([report])), "{said}");
        let (status, made) = send!(
            app,
            "POST",
            &format!("/REST/2.0/rtir/ticket/{report}/split"),
            Some(root.clone()),
            Some(r#"{"Subject":"second part"}"#)
        );
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let part = TicketId(made["id"].as_str().unwrap().parse().unwrap());
        let joined = db.root().read(|tx| rtir::links::incidents_of(tx, part)).unwrap();
        assert_eq!(joined.iter().map(|t| t.id.0).collect::<Vec<_>>(), [incident]);
        let (status, said) =
            send!(app, "POST", &format!("/REST/2.0/rtir/ticket/{}/merge/{report}", part.0), Some(root.clone()), None);
        assert_eq!((status, said["id"].clone()), (StatusCode::OK, json!(report)), "{said}");
        let (status, said) =
            send!(app, "POST", &format!("/REST/2.0/rtir/ticket/{report}/merge/{incident}"), Some(root.clone()), None);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{said}");
        assert_eq!(said["message"], json!(format!("Merge failed: Ticket #{incident} is not the right type")));
        // Quick resolve the report; abandon the Incident.
        let (_, said) =
            send!(app, "POST", &format!("/REST/2.0/rtir/ticket/{report}/resolve"), Some(root.clone()), None);
        assert_eq!(said["Status"], json!("resolved"));
        let (status, said) =
            send!(app, "POST", &format!("/REST/2.0/rtir/ticket/{incident}/abandon"), Some(root.clone()), None);
        assert_eq!((status, said["Abandoned"].clone()), (StatusCode::OK, json!(true)), "{said}");
        assert_eq!(db.root().read(|tx| tx.ticket(TicketId(incident))).unwrap().status, "abandoned");
        let (status, _) =
            send!(app, "POST", &format!("/REST/2.0/rtir/ticket/{report}/explode"), Some(root.clone()), None);
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
