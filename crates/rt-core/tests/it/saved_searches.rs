//! Saved searches: stored as RT stores them (a `SavedSearch` attribute of a
//! user, group or the system, with RT's content keys), and seen, created,
//! changed and deleted under RT 5's rules for each kind of owner.

use diesel::prelude::*;
use rt_core::db::schema as s;
use rt_core::{
    AclObject, Error, Grantee, GroupId, NewSavedSearch, Result, SavedSearch, SavedSearchId, SavedSearchUpdate,
    SearchOwner, Session, UserId,
};
use rt_test_support::TestDb;

use crate::{each_backend, grant, snapshot, staff};

/// The right a refused operation names.
fn denied<T: std::fmt::Debug>(result: Result<T>) -> String {
    match result {
        Err(Error::PermissionDenied { right, .. }) => right,
        other => panic!("expected permission denied, got {other:?}"),
    }
}

/// The ids of the searches a session lists.
fn listed(session: &Session) -> Vec<SavedSearchId> {
    session.read(|tx| tx.saved_searches()).unwrap().into_iter().map(|s| s.id).collect()
}

fn create(session: &Session, owner: SearchOwner, name: &str) -> Result<SavedSearchId> {
    session.write(|tx| tx.create_saved_search(NewSavedSearch::new(owner, name, "Status = '__Active__'")))
}

/// The stored row: (name, description, content type, object type, object id, content).
fn stored(db: &TestDb, id: SavedSearchId) -> Option<(String, String, String, String, i64, String)> {
    let mut c = db.rt().connection().unwrap();
    s::attributes::table
        .find(id.get())
        .select((
            s::attributes::name,
            s::attributes::description,
            s::attributes::content_type,
            s::attributes::object_type,
            s::attributes::object_id,
            s::attributes::content,
        ))
        .get_result(&mut *c)
        .optional()
        .unwrap()
}

/// Staff who may write saved searches at all (`CreateSavedSearch`) and their
/// own (`ModifySelf`).
fn writer(db: &TestDb, name: &str) -> (UserId, Session) {
    let (id, session) = staff(db, name);
    grant(db, Grantee::User(id), "CreateSavedSearch", AclObject::System);
    grant(db, Grantee::User(id), "ModifySelf", AclObject::System);
    (id, session)
}

#[test]
fn personal_searches_belong_to_their_user() {
    each_backend(|db| {
        let root = db.root();
        let (alice, alice_s) = staff(db, "alice");
        let mine = SearchOwner::User(alice);

        // Writing needs CreateSavedSearch, then ModifySelf (RT's personal ACL map).
        assert_eq!(denied(create(&alice_s, mine, "Mine")), "CreateSavedSearch");
        grant(db, Grantee::User(alice), "CreateSavedSearch", AclObject::System);
        assert_eq!(denied(create(&alice_s, mine, "Mine")), "ModifySelf");
        grant(db, Grantee::User(alice), "ModifySelf", AclObject::System);
        let id = alice_s
            .write(|tx| {
                tx.create_saved_search(NewSavedSearch {
                    format: "'<b>__id__</b>',Subject".into(),
                    order_by: "Priority|Created".into(),
                    order: "DESC|ASC".into(),
                    rows_per_page: 25,
                    ..NewSavedSearch::new(mine, "  My open tickets ", "Owner = '__CurrentUser__' AND Status = 'open'")
                })
            })
            .unwrap();

        let search = alice_s.read(|tx| tx.saved_search(id)).unwrap();
        assert_eq!(
            (search.owner, search.name.as_str(), search.query.as_str(), search.format.as_str()),
            (mine, "My open tickets", "Owner = '__CurrentUser__' AND Status = 'open'", "'<b>__id__</b>',Subject")
        );
        assert_eq!((search.order_by.as_str(), search.order.as_str()), ("Priority|Created", "DESC|ASC"));
        assert_eq!((search.rows_per_page, search.search_type.as_str()), (25, "Ticket"));

        // Stored as RT stores it, with RT's keys.
        let (name, description, content_type, object_type, object_id, content) = stored(db, id).unwrap();
        assert_eq!(
            (name.as_str(), description.as_str(), content_type.as_str(), object_type.as_str(), object_id),
            ("SavedSearch", "My open tickets", "application/json", "RT::User", alice.get())
        );
        let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap();
        assert_eq!(
            json(&content),
            json(
                r#"{"Query":"Owner = '__CurrentUser__' AND Status = 'open'","Format":"'<b>__id__</b>',Subject","OrderBy":"Priority|Created","Order":"DESC|ASC","RowsPerPage":25,"SearchType":"Ticket"}"#
            )
        );
        assert_eq!(listed(&alice_s), [id]);
        assert_eq!(alice_s.read(|tx| tx.saved_search_owners()).unwrap(), [mine]);

        // Update changes what it names and keeps keys rt-core does not model.
        {
            let mut c = db.rt().connection().unwrap();
            let with_extra = content.replace(r#""SearchType":"Ticket""#, r#""SearchType":"Ticket","ObjectType":"""#);
            diesel::update(s::attributes::table.find(id.get()))
                .set(s::attributes::content.eq(with_extra))
                .execute(&mut *c)
                .unwrap();
        }
        let update = SavedSearchUpdate {
            name: Some("Open".into()),
            query: Some("Status = 'open'".into()),
            order: Some("ASC".into()),
            rows_per_page: Some(0),
            ..SavedSearchUpdate::default()
        };
        alice_s.write(|tx| tx.update_saved_search(id, &update)).unwrap();
        let search = alice_s.read(|tx| tx.saved_search(id)).unwrap();
        assert_eq!((search.name.as_str(), search.query.as_str()), ("Open", "Status = 'open'"));
        assert_eq!(
            (search.order_by.as_str(), search.order.as_str(), search.rows_per_page),
            ("Priority|Created", "ASC", 0)
        );
        assert!(stored(db, id).unwrap().5.contains(r#""ObjectType":"""#));

        // Another user neither sees nor touches it, even with every saved-search right.
        let (_, bob_s) = writer(db, "bob");
        for right in ["ShowSavedSearches", "EditSavedSearches"] {
            grant(db, Grantee::User(bob_s.user().id), right, AclObject::System);
        }
        assert_eq!(denied(bob_s.read(|tx| tx.saved_search(id))), "SuperUser");
        assert_eq!(denied(bob_s.read(|tx| tx.saved_searches_of(mine))), "SuperUser");
        assert_eq!(denied(bob_s.write(|tx| tx.update_saved_search(id, &update))), "SuperUser");
        assert_eq!(denied(bob_s.write(|tx| tx.delete_saved_search(id))), "SuperUser");
        assert_eq!(denied(create(&bob_s, mine, "Planted")), "SuperUser");
        assert!(listed(&bob_s).is_empty());

        // A super user reaches any user's searches, though RT's list shows
        // them only their own, their groups' and the system's.
        assert_eq!(root.read(|tx| tx.saved_search(id)).unwrap().name, "Open");
        assert_eq!(root.read(|tx| tx.saved_searches_of(mine)).unwrap().len(), 1);
        assert!(listed(&root).is_empty());
        let planted = create(&root, SearchOwner::User(alice), "From root").unwrap();

        // One's own searches are visible without any right; changing them is not.
        let (carol, carol_s) = staff(db, "carol");
        let theirs = create(&root, SearchOwner::User(carol), "For carol").unwrap();
        assert_eq!(carol_s.read(|tx| tx.saved_search(theirs)).unwrap().name, "For carol");
        assert_eq!(listed(&carol_s), [theirs]);
        assert_eq!(denied(carol_s.write(|tx| tx.delete_saved_search(theirs))), "CreateSavedSearch");
        assert!(carol_s.read(|tx| tx.saved_search_owners()).unwrap().is_empty());

        // Delete.
        assert_eq!(listed(&alice_s), [id, planted]);
        alice_s.write(|tx| tx.delete_saved_search(id)).unwrap();
        assert!(stored(db, id).is_none());
        assert!(matches!(alice_s.read(|tx| tx.saved_search(id)), Err(Error::NotFound { .. })));
        assert_eq!(listed(&alice_s), [planted]);
    });
}

#[test]
fn group_searches_need_membership_and_the_group_rights() {
    each_backend(|db| {
        let root = db.root();
        let (alice, alice_s) = writer(db, "alice");
        let (dave, dave_s) = writer(db, "dave");
        let (erin, erin_s) = writer(db, "erin");
        let (support, inner) = root
            .write(|tx| {
                let support = tx.create_group("Support", "")?;
                let inner = tx.create_group("Tier 2", "")?;
                tx.add_group_member(support, alice.into())?;
                tx.add_group_member(support, inner.into())?;
                tx.add_group_member(inner, dave.into())?;
                Ok((support, inner))
            })
            .unwrap();
        let shared = SearchOwner::Group(support);

        // Members write with EditSavedSearches on the group.
        assert_eq!(denied(create(&alice_s, shared, "Queue")), "EditSavedSearches");
        grant(db, Grantee::User(alice), "EditSavedSearches", AclObject::Group(support));
        let id = create(&alice_s, shared, "Queue").unwrap();
        let row = stored(db, id).unwrap();
        assert_eq!((row.3.as_str(), row.4), ("RT::Group", support.get()));

        // Seeing needs ShowSavedSearches; a member of a nested group is a member.
        assert_eq!(denied(alice_s.read(|tx| tx.saved_search(id))), "ShowSavedSearches");
        assert!(listed(&alice_s).is_empty());
        assert_eq!(alice_s.read(|tx| tx.saved_search_owners()).unwrap(), [SearchOwner::User(alice), shared]);
        grant(db, Grantee::Group(support), "ShowSavedSearches", AclObject::Group(support));
        assert_eq!(alice_s.read(|tx| tx.saved_search(id)).unwrap().owner, shared);
        assert_eq!(listed(&alice_s), [id]);
        assert_eq!(dave_s.read(|tx| tx.saved_search(id)).unwrap().name, "Queue");
        assert_eq!(listed(&dave_s), [id]);
        assert_eq!(dave_s.read(|tx| tx.saved_searches_of(shared)).unwrap().len(), 1);
        // ...but writes only with EditSavedSearches.
        let rename = SavedSearchUpdate { name: Some("Renamed".into()), ..SavedSearchUpdate::default() };
        assert_eq!(denied(dave_s.write(|tx| tx.update_saved_search(id, &rename))), "EditSavedSearches");
        assert_eq!(denied(dave_s.write(|tx| tx.delete_saved_search(id))), "EditSavedSearches");
        alice_s.write(|tx| tx.update_saved_search(id, &rename)).unwrap();
        assert_eq!(dave_s.read(|tx| tx.saved_search(id)).unwrap().name, "Renamed");

        // Non-members see nothing, even with both rights granted globally.
        for right in ["ShowSavedSearches", "EditSavedSearches"] {
            grant(db, Grantee::User(erin), right, AclObject::System);
        }
        assert_eq!(denied(erin_s.read(|tx| tx.saved_search(id))), "membership");
        assert_eq!(denied(erin_s.read(|tx| tx.saved_searches_of(shared))), "membership");
        assert_eq!(denied(erin_s.write(|tx| tx.update_saved_search(id, &rename))), "membership");
        assert_eq!(denied(erin_s.write(|tx| tx.delete_saved_search(id))), "membership");
        assert_eq!(denied(create(&erin_s, shared, "Planted")), "membership");
        assert!(listed(&erin_s).is_empty());
        // Once a member, the global grants count on the group too.
        root.write(|tx| tx.add_group_member(inner, erin.into())).unwrap();
        assert_eq!(listed(&erin_s), [id]);
        let erins = create(&erin_s, shared, "Erin's").unwrap();
        erin_s.write(|tx| tx.delete_saved_search(erins)).unwrap();

        // Moving a search: write rights on both owners.
        let personal = create(&dave_s, SearchOwner::User(dave), "Dave's").unwrap();
        let to_group = SavedSearchUpdate { owner: Some(shared), ..SavedSearchUpdate::default() };
        assert_eq!(denied(dave_s.write(|tx| tx.update_saved_search(personal, &to_group))), "EditSavedSearches");
        let moved = create(&alice_s, SearchOwner::User(alice), "Alice's").unwrap();
        alice_s.write(|tx| tx.update_saved_search(moved, &to_group)).unwrap();
        assert_eq!(dave_s.read(|tx| tx.saved_search(moved)).unwrap().owner, shared);
        // The list: own first, then groups.
        assert_eq!(listed(&dave_s), [personal, id, moved]);

        // Super users reach groups they are not in; searches are shared
        // with user-defined groups only.
        assert_eq!(root.read(|tx| tx.saved_searches_of(shared)).unwrap().len(), 2);
        root.write(|tx| tx.update_saved_search(id, &SavedSearchUpdate::default())).unwrap();
        let privileged = SearchOwner::Group(db.rt().system().privileged);
        let err = create(&root, privileged, "Staff").unwrap_err();
        assert!(matches!(&err, Error::Validation { field, .. } if field == "owner"), "{err}");
        assert!(matches!(create(&root, SearchOwner::Group(GroupId(999_999)), "x"), Err(Error::NotFound { .. })));
        root.write(|tx| tx.delete_saved_search(id)).unwrap();
        assert_eq!(listed(&dave_s), [personal, moved]);
    });
}

#[test]
fn system_searches_follow_the_global_rights() {
    each_backend(|db| {
        let root = db.root();
        let (alice, alice_s) = writer(db, "alice");
        let id = create(&root, SearchOwner::System, "Everything open").unwrap();
        let row = stored(db, id).unwrap();
        assert_eq!((row.3.as_str(), row.4), ("RT::System", 1));
        assert_eq!(listed(&root), [id]);

        assert_eq!(denied(alice_s.read(|tx| tx.saved_search(id))), "ShowSavedSearches");
        assert!(listed(&alice_s).is_empty());
        grant(db, Grantee::User(alice), "ShowSavedSearches", AclObject::System);
        assert_eq!(alice_s.read(|tx| tx.saved_search(id)).unwrap().owner, SearchOwner::System);
        let own = create(&alice_s, SearchOwner::User(alice), "Mine").unwrap();
        assert_eq!(listed(&alice_s), [own, id]);

        let rows = SavedSearchUpdate { rows_per_page: Some(10), ..SavedSearchUpdate::default() };
        assert_eq!(denied(alice_s.write(|tx| tx.update_saved_search(id, &rows))), "EditSavedSearches");
        assert_eq!(denied(alice_s.write(|tx| tx.delete_saved_search(id))), "EditSavedSearches");
        assert_eq!(denied(create(&alice_s, SearchOwner::System, "Mine too")), "EditSavedSearches");
        grant(db, Grantee::User(alice), "EditSavedSearches", AclObject::System);
        alice_s.write(|tx| tx.update_saved_search(id, &rows)).unwrap();
        assert_eq!(root.read(|tx| tx.saved_search(id)).unwrap().rows_per_page, 10);
        assert_eq!(
            alice_s.read(|tx| tx.saved_search_owners()).unwrap(),
            [SearchOwner::User(alice), SearchOwner::System]
        );
        alice_s.write(|tx| tx.delete_saved_search(id)).unwrap();
        assert_eq!(listed(&alice_s), [own]);
    });
}

#[test]
fn bad_searches_are_refused_and_nothing_is_stored() {
    each_backend(|db| {
        let (alice, alice_s) = writer(db, "alice");
        let mine = SearchOwner::User(alice);
        let count = || -> i64 {
            let mut c = db.rt().connection().unwrap();
            s::attributes::table.count().get_result(&mut *c).unwrap()
        };
        let before = (snapshot(db.rt()), count());

        let err = alice_s
            .write(|tx| tx.create_saved_search(NewSavedSearch::new(mine, "Broken", "Status = 'open' AND")))
            .unwrap_err();
        match &err {
            Error::Validation { field, message } => {
                assert_eq!(field, "query");
                assert!(message.contains("at character 20"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let invalid = |new: NewSavedSearch| match alice_s.write(|tx| tx.create_saved_search(new)) {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(invalid(NewSavedSearch::new(mine, " ", "id > 0")), "name");
        assert_eq!(invalid(NewSavedSearch { order: "SIDEWAYS".into(), ..NewSavedSearch::new(mine, "x", "") }), "order");
        assert_eq!(
            invalid(NewSavedSearch { order_by: "CF.{}".into(), ..NewSavedSearch::new(mine, "x", "") }),
            "order_by"
        );
        assert_eq!((snapshot(db.rt()), count()), before);

        // A refused update leaves the search as it was.
        let id = create(&alice_s, mine, "Good").unwrap();
        let good: SavedSearch = alice_s.read(|tx| tx.saved_search(id)).unwrap();
        let bad = SavedSearchUpdate {
            name: Some("Bad".into()),
            query: Some("Subject LIKE".into()),
            ..SavedSearchUpdate::default()
        };
        let err = alice_s.write(|tx| tx.update_saved_search(id, &bad)).unwrap_err();
        assert!(
            matches!(&err, Error::Validation { field, message } if field == "query" && message.contains("at character"))
        );
        assert_eq!(alice_s.read(|tx| tx.saved_search(id)).unwrap(), good);

        // Ids of other attributes, or of nothing, are no saved searches.
        let pref = alice_s
            .write(|tx| tx.set_attribute(rt_core::AttributeObject::User(alice), "Pref", "x", "text/plain"))
            .unwrap();
        for missing in [SavedSearchId(pref), SavedSearchId(999_999)] {
            assert!(matches!(alice_s.read(|tx| tx.saved_search(missing)), Err(Error::NotFound { .. })));
            assert!(matches!(alice_s.write(|tx| tx.delete_saved_search(missing)), Err(Error::NotFound { .. })));
        }
    });
}

#[test]
fn privacy_strings_are_rts() {
    let (u, g) = (SearchOwner::User(UserId(12)), SearchOwner::Group(GroupId(34)));
    assert_eq!(
        (u.privacy(), g.privacy(), SearchOwner::System.privacy()),
        ("RT::User-12".to_string(), "RT::Group-34".to_string(), "RT::System-1".to_string())
    );
    for owner in [u, g, SearchOwner::System] {
        assert_eq!(SearchOwner::from_privacy(&owner.privacy()), Some(owner));
    }
    assert_eq!(SearchOwner::from_privacy("RT::Queue-1"), None);
    assert_eq!(SearchOwner::from_privacy("RT::User-x"), None);
}
