//! What the install creates, once.

use rt_core::acl::Role;
use rt_core::customfield::{CfObject, LookupType};
use rt_core::{AclObject, CfType, Config, Interface, NewUser};
use rt_test_support::{TestDb, backends};
use rtir::kind::{Kind, rtir_kind};

use crate::{handler, read, site};

#[test]
fn install_creates_what_rtir_ships_once() {
    for backend in backends() {
        let db = site(backend);
        assert!(!rtir::install::install(db.rt()).unwrap(), "a second start creates nothing");
        let queues = read(&db, |tx| tx.queues());
        for kind in Kind::ALL {
            let rtir: Vec<_> = queues.iter().filter(|q| rtir_kind(q) == Some(kind)).collect();
            assert_eq!(rtir.len(), 1, "{kind:?}: one queue, also after the second install");
            let q = rtir[0];
            assert_eq!(q.name, kind.default_queue());
            assert_eq!(q.initial_priority, if kind == Kind::Incident { 50 } else { 0 });
            assert_eq!(q.sla_disabled, kind == Kind::Incident, "{kind:?}");
            assert!(q.correspond_address.is_empty() && q.comment_address.is_empty());
        }
        let queue = |kind: Kind| queues.iter().find(|q| rtir_kind(q) == Some(kind)).unwrap().queue_id();

        // Custom fields, by queue, with their types and values.
        let names = |kind: Kind| {
            let mut names: Vec<String> =
                read(&db, |tx| tx.ticket_custom_fields_in_queue(queue(kind))).into_iter().map(|f| f.name).collect();
            names.sort();
            names
        };
        assert_eq!(
            names(Kind::Incident),
            ["CVE ID", "Classification", "Description", "Domain", "Function", "IP", "Resolution"]
        );
        assert_eq!(names(Kind::Report), ["CVE ID", "Customer", "Domain", "How Reported", "IP", "Reporter Type"]);
        assert_eq!(names(Kind::Investigation), ["CVE ID", "Customer", "Domain", "IP"]);
        assert_eq!(names(Kind::Countermeasure), ["CVE ID", "Domain", "IP", "Netmask", "Port", "Where Blocked"]);
        let fields = read(&db, |tx| tx.ticket_custom_fields_in_queue(queue(Kind::Report)));
        let ip = fields.iter().find(|f| f.name == "IP").unwrap();
        assert_eq!((ip.kind, ip.max_values), (CfType::IpAddressRange, 0));
        assert!(ip.link_value_to.contains("Lookup.html?type=ip"));
        let how = fields.iter().find(|f| f.name == "How Reported").unwrap();
        assert_eq!((how.kind, how.max_values), (CfType::Select, 1));
        let options: Vec<String> = read(&db, |tx| tx.custom_field_options(how.id)).into_iter().map(|o| o.0).collect();
        assert_eq!(options, ["API", "CLI", "Email", "REST", "REST2", "Web", "Telephone", "Other"]);
        let customer = fields.iter().find(|f| f.name == "Customer").unwrap();
        assert_eq!(customer.max_values, 0, "the reports' Customer takes several values");
        let queue_fields: Vec<String> = read(&db, |tx| tx.custom_fields_for(CfObject::Queue(queue(Kind::Incident))))
            .into_iter()
            .filter(|f| f.lookup == LookupType::Queue)
            .map(|f| f.name)
            .collect();
        assert_eq!(queue_fields, ["RTIR Constituency", "RTIR default WHOIS server"]);

        // DutyTeam's rights, the owner's, Everyone's.
        let (alice, _) = handler(&db, "alice");
        let stranger = db
            .root()
            .write(|tx| tx.create_user(NewUser { name: "someone@example.net".into(), ..NewUser::default() }))
            .unwrap();
        let has = |who: rt_core::UserId, right: &str, kind: Kind| {
            read(&db, |tx| tx.principal_has_right(who.into(), right, AclObject::Queue(queue(kind))))
        };
        for kind in Kind::ALL {
            assert!(has(alice, "OwnTicket", kind) && has(alice, "ShowTicketComments", kind), "{kind:?}");
            assert!(!has(alice, "ModifyTicket", kind), "owners modify, not the team");
        }
        assert!(has(stranger, "CreateTicket", Kind::Report) && has(stranger, "ReplyToTicket", Kind::Report));
        assert!(!has(stranger, "CreateTicket", Kind::Incident) && !has(stranger, "ReplyToTicket", Kind::Incident));
        assert!(
            has(stranger, "ReplyToTicket", Kind::Investigation) && !has(stranger, "CreateTicket", Kind::Investigation)
        );
        assert!(has(stranger, "ReplyToTicket", Kind::Countermeasure));
        let acl = read(&db, |tx| tx.acl_entries(AclObject::Queue(queue(Kind::Incident))));
        assert!(acl.iter().any(|a| a.principal_type == Role::Owner.as_str() && a.right == "ModifyTicket"), "{acl:?}");
        assert!(read(&db, |tx| tx.principal_has_right(alice.into(), "ShowSavedSearches", AclObject::System)));
        assert!(read(&db, |tx| tx.principal_has_right(
            alice.into(),
            "ModifyCustomField",
            AclObject::CustomField(ip.id)
        )));

        // Templates and scrips in their queues.
        let templates = |kind: Kind| -> Vec<String> {
            read(&db, |tx| tx.templates(Some(queue(kind)))).into_iter().map(|t| t.name).collect()
        };
        assert_eq!(templates(Kind::Countermeasure), ["Autoreply", "CountermeasureRemoved"]);
        assert_eq!(templates(Kind::Investigation), ["Autoreply"]);
        let scrips = |kind: Kind| -> Vec<(String, String)> {
            read(&db, |tx| tx.scrips_for(queue(kind), "TransactionCreate"))
                .into_iter()
                .map(|s| (s.description, s.action))
                .collect()
        };
        let incidents = scrips(Kind::Incident);
        for action in ["RTIR Resolve Children", "RTIR Change Child Ownership", "RTIR Set Incident Resolution"] {
            assert!(incidents.iter().any(|(_, a)| a == action), "{action}: {incidents:?}");
        }
        let reports = scrips(Kind::Report);
        assert!(reports.iter().any(|(d, _)| d == "On Linking To Incident Activate Report"), "{reports:?}");
        assert!(reports.iter().any(|(d, _)| d == "On Create Autoreply To Requestors"), "RT's autoreply stays");
        let investigations = scrips(Kind::Investigation);
        let autoreplies: Vec<_> =
            investigations.iter().filter(|(d, _)| d == "On Create Autoreply To Requestors").collect();
        assert_eq!(autoreplies.len(), 1, "RTIR's replaces RT's: {investigations:?}");
        assert!(scrips(Kind::Countermeasure).iter().any(|(d, a)| d == "NotifyOnClose" && a == "Notify Requestors"));
    }
}

#[test]
fn a_help_desk_without_rtir_gets_none_of_it() {
    for backend in backends() {
        let mut config = Config::default();
        config.rtir.enabled = false;
        rtir::lifecycles::configure(&mut config).unwrap();
        let db = TestDb::with_config(backend, config);
        assert!(!rtir::install::install(db.rt()).unwrap());
        let queues = read(&db, |tx| tx.queues());
        assert!(queues.iter().all(|q| rtir_kind(q).is_none()), "{queues:?}");
        assert!(db.rt().lifecycles().get("incidents").is_none());
        assert!(db.rt().session_for("root", Interface::Api).unwrap().read(|tx| tx.group_by_name("DutyTeam")).is_err());
    }
}
