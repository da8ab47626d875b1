//! Login sessions of the web edge, and the ticket fields a queue offers.

use diesel::prelude::*;
use rt_core::{CfType, NewCustomField, NewQueue, web_session};

use crate::{each_backend, staff};

#[test]
fn sessions_are_stored_hashed_found_and_ended() {
    each_backend(|db| {
        let rt = db.rt();
        let root = db.root().user().id;
        let (ivy, _) = staff(db, "ivy");
        let sid = web_session::new_id().unwrap();
        assert_eq!(web_session::lookup(rt, &sid).unwrap(), None, "not stored until a login");
        web_session::create(rt, &sid, root).unwrap();
        assert_eq!(web_session::lookup(rt, &sid).unwrap(), Some(root));
        assert_eq!(web_session::lookup(rt, &sid.to_uppercase()).unwrap(), Some(root), "hex in any case");
        // The database holds a hash, never the id.
        let mut conn = rt.connection().unwrap();
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            session_hash: String,
        }
        let rows: Vec<Row> = diesel::sql_query("SELECT session_hash FROM web_sessions").load(&mut *conn).unwrap();
        assert_eq!(rows.len(), 1);
        assert!(!rows[0].session_hash.contains(&sid) && rows[0].session_hash.len() == 64);
        drop(conn);
        // Logging in again under the same id replaces the session.
        web_session::create(rt, &sid, ivy).unwrap();
        assert_eq!(web_session::lookup(rt, &sid).unwrap(), Some(ivy));
        web_session::delete(rt, &sid).unwrap();
        assert_eq!(web_session::lookup(rt, &sid).unwrap(), None);
        web_session::delete(rt, &sid).unwrap();
        // Disabling a user ends their sessions.
        web_session::create(rt, &sid, ivy).unwrap();
        db.root().write(|tx| tx.set_user_disabled(ivy, true)).unwrap();
        assert_eq!(web_session::lookup(rt, &sid).unwrap(), None);
        // Malformed ids are refused or simply not found.
        assert!(web_session::create(rt, "nothex", root).is_err());
        for bad in ["", "nothex", "'; DROP TABLE web_sessions; --", &"a".repeat(33)] {
            assert_eq!(web_session::lookup(rt, bad).unwrap(), None, "{bad}");
            web_session::delete(rt, bad).unwrap();
        }
    });
}

#[test]
fn a_queue_offers_its_ticket_fields_and_the_global_ones() {
    each_backend(|db| {
        let root = db.root();
        let (general, other, local, global) = root
            .write(|tx| {
                let general = tx.queue_by_name("General")?.queue_id();
                let other = tx.create_queue(NewQueue { name: "Other".into(), ..NewQueue::default() })?;
                let local = tx.create_custom_field(NewCustomField::ticket("Severity", CfType::Freeform))?;
                tx.apply_custom_field(local, Some(general))?;
                let global = tx.create_custom_field(NewCustomField::ticket("Site", CfType::Freeform))?;
                tx.apply_custom_field(global, None)?;
                Ok((general, other, local, global))
            })
            .unwrap();
        let ids = |q| {
            root.read(|tx| tx.ticket_custom_fields_in_queue(q)).unwrap().into_iter().map(|f| f.id).collect::<Vec<_>>()
        };
        let in_general = ids(general);
        assert!(in_general.contains(&local) && in_general.contains(&global), "{in_general:?}");
        assert_eq!(ids(other), vec![global]);
        assert!(root.read(|tx| tx.ticket_custom_fields_in_queue(rt_core::QueueId(9999))).is_err());
    });
}
