//! Two "nodes" (two `Rt` instances with their own pools and rights caches)
//! on one database: a revoke through one holds at once on the other.

use rt_core::{AclObject, Grantee, Interface, Rt};
use rt_test_support::{TestDb, backends};

use crate::staff;

#[test]
fn revoke_on_one_node_holds_at_once_on_the_other() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let node1 = db.rt();
        let node2 = Rt::open(node1.config().clone()).unwrap();
        let (gina, _) = staff(&db, "gina");
        let q = db.root().read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let on_node2 = node2.session(gina, Interface::Web).unwrap();
        let check = || on_node2.read(|tx| tx.has_right("ShowTicket", AclObject::Queue(q))).unwrap();

        assert!(!check());
        db.root().write(|tx| tx.grant(Grantee::User(gina), "ShowTicket", AclObject::Queue(q))).unwrap();
        assert!(check(), "grant seen on node 2");
        assert!(check(), "answered from node 2's cache");
        db.root().write(|tx| tx.revoke(Grantee::User(gina), "ShowTicket", AclObject::Queue(q))).unwrap();
        assert!(!check(), "{backend:?}: node 2 must refuse right after the revoke on node 1");

        // The same through group membership.
        let group = db
            .root()
            .write(|tx| {
                let g = tx.create_group("Helpers", "")?;
                tx.add_group_member(g, gina.into())?;
                tx.grant(Grantee::Group(g), "ShowTicket", AclObject::Queue(q))?;
                Ok(g)
            })
            .unwrap();
        assert!(check());
        db.root().write(|tx| tx.remove_group_member(group, gina.into())).unwrap();
        assert!(!check(), "{backend:?}: membership removal must hold on node 2");
    }
}
