//! The search pages: the query builder (criteria, clause editing, bad
//! TicketSQL), the columns editor, sorting and rows per page, saved
//! searches (save, load, update, delete, refused rights, CSRF), results
//! by `SavedSearchId` with aging classes and links, simple search, and
//! bulk update (per-ticket results, refused rights, bad input, CSRF).

use rt_core::{AclObject, Grantee, NewQueue, NewTicket, SearchOwner};

use super::*;

/// Text of an HTML attribute or element, unescaped.
fn unescape(text: &str) -> String {
    text.replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The query in the builder's textarea.
fn query_of(page: &str) -> String {
    unescape(&captured(r#"(?s)<textarea id="query" name="Query"[^>]*>([^<]*)</textarea>"#, page))
}

/// The builder's current Format.
fn format_of(page: &str) -> String {
    unescape(&captured(r#"name="Format" value="([^"]*)""#, page))
}

/// Posts the builder with the page's CSRF token and `fields`.
async fn build<S, B>(app: &S, cookie: &str, fields: &[(&str, &str)]) -> Answer
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let page = send(app, get("/Search/Build.html", cookie)).await;
    let token = csrf(&page.body);
    let mut form = vec![("CSRF", token.as_str())];
    form.extend_from_slice(fields);
    send(app, post("/Search/Build.html", cookie, &form)).await
}

#[actix_web::test]
async fn the_builder_adds_criteria_and_edits_clauses() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let page = send(&app, get("/Search/Build.html", &staff)).await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {}", page.body);
        assert_secured(&page, "builder");
        assert_inert(&page.body, "builder");
        for field in [
            r#"name="ValueOfQueue""#,
            r#"name="QueueOp""#,
            r#"name="ValueOfStatus""#,
            r#"name="ActorField""#,
            r#"name="DateField""#,
            r#"name="ValueOfAttachment""#,
            r#"name="idOp""#,
            r#"name="AndOr""#,
            r#"name="SelectDisplayColumns""#,
            r#"name="RowsPerPage""#,
            r#"<option value="General">General</option>"#,
        ] {
            assert!(page.body.contains(field), "{field} in {}", page.body);
        }

        // New criteria are ANDed onto the query.
        let added = build(
            &app,
            &staff,
            &[
                ("Query", ""),
                ("ValueOfQueue", "General"),
                ("QueueOp", "="),
                ("ValueOfStatus", "new"),
                ("StatusOp", "="),
                ("AndOr", "AND"),
                ("AddClause", "1"),
            ],
        )
        .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
        assert_eq!(query_of(&added.body), "Queue = 'General' AND Status = 'new'");
        assert!(added.body.contains(r#"name="clauses" value="1""#), "{}", added.body);

        // ORed, then searched: a redirect to the results.
        let searched = build(
            &app,
            &staff,
            &[
                ("Query", "Queue = 'General'"),
                ("ValueOfid", "1"),
                ("idOp", "="),
                ("ValueOfAttachment", "burning"),
                ("AttachmentField", "Content"),
                ("AttachmentOp", "LIKE"),
                ("AndOr", "OR"),
                ("OrderBy", "id"),
                ("Order", "DESC"),
                ("RowsPerPage", "10"),
                ("DoSearch", "1"),
            ],
        )
        .await;
        assert_eq!(searched.status, StatusCode::SEE_OTHER, "{}", searched.body);
        let location = searched.header("location").to_string();
        assert!(location.starts_with("/Search/Results.html?Query="), "{location}");
        let results = send(&app, get(&location, &staff)).await;
        assert_eq!(results.status, StatusCode::OK, "{}", results.body);
        assert!(results.body.contains("Found 2 tickets"), "{}", results.body);
        assert!(
            unescape(&results.body).contains("Queue = 'General' OR id = 1 OR Content LIKE 'burning'"),
            "{}",
            results.body
        );

        // Group two clauses in parentheses, toggle them, delete one.
        let query = "Queue = 'General' AND Status = 'new' AND Priority > 5";
        let grouped =
            build(&app, &staff, &[("Query", query), ("clauses", "1"), ("clauses", "2"), ("Right", "1")]).await;
        assert_eq!(query_of(&grouped.body), "Queue = 'General' AND ( Status = 'new' OR Priority > 5 )");
        let current = query_of(&grouped.body);
        // 0: Queue, 1: the group, 2: Status, 3: Priority.
        let toggled = build(&app, &staff, &[("Query", &current), ("clauses", "2"), ("Toggle", "1")]).await;
        assert_eq!(query_of(&toggled.body), query);
        let lifted = build(&app, &staff, &[("Query", &current), ("clauses", "3"), ("Left", "1")]).await;
        assert_eq!(query_of(&lifted.body), "Queue = 'General' AND Status = 'new' AND Priority > 5");
        let deleted = build(&app, &staff, &[("Query", query), ("clauses", "0"), ("DeleteClause", "1")]).await;
        assert_eq!(query_of(&deleted.body), "Status = 'new' AND Priority > 5");
        let moved = build(&app, &staff, &[("Query", query), ("clauses", "2"), ("Up", "1")]).await;
        assert_eq!(query_of(&moved.body), "Queue = 'General' AND Priority > 5 AND Status = 'new'");

        // A custom field criterion, quoted as RT names it.
        site.db
            .root()
            .write(|tx| {
                let cf =
                    tx.create_custom_field(rt_core::NewCustomField::ticket("Colour", rt_core::CfType::Freeform))?;
                tx.apply_custom_field(cf, None)?;
                let staff = tx.user_by_name("staff")?.user_id();
                tx.grant(Grantee::User(staff), "SeeCustomField", AclObject::System)
            })
            .unwrap();
        let page = send(&app, get("/Search/Build.html", &staff)).await;
        assert!(page.body.contains(r#"name="ValueOf&#39;CF.{Colour}&#39;""#), "{}", page.body);
        let cf =
            build(&app, &staff, &[("ValueOf'CF.{Colour}'", "red"), ("'CF.{Colour}'Op", "LIKE"), ("AddClause", "1")])
                .await;
        assert_eq!(query_of(&cf.body), "CF.{Colour} LIKE 'red'", "{}", cf.body);
    }
}

#[actix_web::test]
async fn the_builder_reports_bad_input_and_keeps_what_was_typed() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let bad = build(&app, &staff, &[("Query", "Queue = 'General' AND"), ("AddClause", "1")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{backend:?}");
        assert!(bad.body.contains("The query does not read: at character"), "{}", bad.body);
        assert_eq!(query_of(&bad.body), "Queue = 'General' AND");
        // DoSearch with a bad query stays on the builder.
        let bad = build(&app, &staff, &[("Query", "Queue ="), ("DoSearch", "1")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let bad = send(&app, get("/Search/Build.html?Query=Status%20%3D%3D%20x", &staff)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(query_of(&bad.body), "Status == x");

        // A value that does not fit its field: shown beside it, query unchanged.
        let bad = build(
            &app,
            &staff,
            &[
                ("Query", "Queue = 'General'"),
                ("ValueOfDate", "not a date at all"),
                ("DateField", "Created"),
                ("DateOp", "<"),
                ("AddClause", "1"),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert_eq!(query_of(&bad.body), "Queue = 'General'");
        assert!(bad.body.contains(r#"class="field-error" id="date-error""#), "{}", bad.body);
        assert!(bad.body.contains(r#"value="not a date at all""#), "{}", bad.body);
        let bad = build(&app, &staff, &[("ValueOfActor", "x"), ("ActorField", "Subject"), ("AddClause", "1")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("is not a field of this row"), "{}", bad.body);

        // A bad page size: the criteria of the same request are not added, but kept in their field.
        let bad = build(
            &app,
            &staff,
            &[
                ("Query", "id > 0"),
                ("ValueOfPriority", "5"),
                ("PriorityOp", ">"),
                ("RowsPerPage", "lots"),
                ("DoSearch", "1"),
            ],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("Rows per page must be a number"), "{}", bad.body);
        assert_eq!(query_of(&bad.body), "id > 0");
        assert!(bad.body.contains(r#"name="ValueOfPriority" value="5""#), "{}", bad.body);
        let bad = build(&app, &staff, &[("OrderBy", "id"), ("Order", "SIDEWAYS")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("The sort does not read"), "{}", bad.body);
        let bad = build(&app, &staff, &[("Format", "'unterminated")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("The format does not read"), "{}", bad.body);
        // A requestor is sent to self-service; no session, to the login page.
        let guest = login(&app, "guest").await;
        assert_eq!(send(&app, get("/Search/Build.html", &guest)).await.header("location"), "/SelfService/");
        assert_eq!(send(&app, get("/Search/Build.html", "")).await.status, StatusCode::SEE_OTHER);
    }
}

#[actix_web::test]
async fn the_columns_editor_writes_formats_the_results_read() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let format = "'__id__', '__Subject__'";
        let added = build(
            &app,
            &staff,
            &[
                ("Format", format),
                ("SelectDisplayColumns", "Due"),
                ("SelectDisplayColumns", "QueueName"),
                ("Link", "Display"),
                ("Title", "When"),
                ("Face", "Bold"),
                ("Size", "Small"),
                ("AddCol", "1"),
            ],
        )
        .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
        let written = format_of(&added.body);
        assert!(written.starts_with("id,\nSubject,\n"), "{written}");
        assert!(written.contains("__Due__") && written.contains("/TITLE:When"), "{written}");
        assert!(written.contains("Ticket/Display.html?id=__id__"), "{written}");
        let parsed = rt_core::search::parse_format(&written).unwrap();
        assert_eq!(parsed.columns().count(), 4);

        // Move Subject up, then remove the id column.
        let up = build(&app, &staff, &[("Format", format), ("CurrentDisplayColumns", "1"), ("ColUp", "1")]).await;
        assert_eq!(format_of(&up.body), "Subject,\nid");
        let removed =
            build(&app, &staff, &[("Format", format), ("CurrentDisplayColumns", "0"), ("RemoveCol", "1")]).await;
        assert_eq!(format_of(&removed.body), "Subject");
        let bad =
            build(&app, &staff, &[("Format", format), ("SelectDisplayColumns", "Password"), ("AddCol", "1")]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("&#39;Password&#39; is not a column"), "{}", bad.body);

        // The results page lays tickets out by what the editor wrote.
        let uri = format!(
            "/Search/Results.html?{}",
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("Query", "id > 0"), ("Format", written.as_str())])
                .finish()
        );
        let results = send(&app, get(&uri, &staff)).await;
        assert_eq!(results.status, StatusCode::OK, "{}", results.body);
        assert!(results.body.contains(">When</a></th>"), "{}", results.body);
        assert_inert(&results.body, "results with an edited format");
    }
}

#[actix_web::test]
async fn saved_searches_are_saved_loaded_updated_and_deleted_as_rights_allow() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let staff_id = site
            .db
            .root()
            .write(|tx| {
                let staff = tx.user_by_name("staff")?.user_id();
                tx.grant(Grantee::User(staff), "CreateSavedSearch", AclObject::System)?;
                tx.grant(Grantee::User(staff), "ModifySelf", AclObject::System)?;
                tx.grant(Grantee::User(staff), "LoadSavedSearch", AclObject::System)?;
                Ok(staff)
            })
            .unwrap();
        let mine = SearchOwner::User(staff_id).privacy();
        let stored = || site.db.root().read(|tx| tx.saved_searches_of(SearchOwner::User(staff_id))).unwrap();
        let staff = login(&app, "staff").await;
        let page = send(&app, get("/Search/Build.html", &staff)).await;
        assert!(page.body.contains(&format!(r#"<option value="{mine}">My saved searches</option>"#)), "{}", page.body);

        // A GET never saves; a POST without the token is refused.
        let uri = format!(
            "/Search/Build.html?Query=id%3E0&SavedSearchDescription=x&SavedSearchOwner={mine}&SavedSearchSave=1"
        );
        assert_eq!(send(&app, get(&uri, &staff)).await.status, StatusCode::OK);
        let forged = send(
            &app,
            post(
                "/Search/Build.html",
                &staff,
                &[
                    ("Query", "id > 0"),
                    ("SavedSearchDescription", "x"),
                    ("SavedSearchOwner", &mine),
                    ("SavedSearchSave", "1"),
                ],
            ),
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(stored().is_empty());

        // Save.
        let saved = build(
            &app,
            &staff,
            &[
                ("Query", "Status = 'new'"),
                ("Format", "'__id__', '__Subject__'"),
                ("OrderBy", "id"),
                ("Order", "DESC"),
                ("RowsPerPage", "25"),
                ("SavedSearchDescription", "New tickets"),
                ("SavedSearchOwner", &mine),
                ("SavedSearchSave", "1"),
            ],
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{backend:?}: {}", saved.body);
        assert!(saved.body.contains("Saved search &quot;New tickets&quot;."), "{}", saved.body);
        let all = stored();
        assert_eq!(all.len(), 1);
        let (id, search) = (all[0].id, &all[0]);
        assert_eq!(
            (search.query.as_str(), search.order.as_str(), search.rows_per_page),
            ("Status = 'new'", "DESC", 25)
        );
        assert!(saved.body.contains(&format!(r#"name="SavedSearchId" value="{id}""#)), "{}", saved.body);

        // The results page runs it by id (the home page's links).
        let results = send(&app, get(&format!("/Search/Results.html?SavedSearchId={id}"), &staff)).await;
        assert_eq!(results.status, StatusCode::OK, "{}", results.body);
        assert!(results.body.contains("<h1>New tickets</h1>") && results.body.contains("Found 2 tickets"));
        let (first, second) =
            (results.body.find("Quarterly report").unwrap(), results.body.find("Printer on fire").unwrap());
        assert!(first < second, "sorted as saved");
        assert!(results.body.contains(&format!("SavedSearchId={id}")), "edit links keep the id");
        assert_eq!(
            send(&app, get("/Search/Results.html?SavedSearchId=99999", &staff)).await.status,
            StatusCode::NOT_FOUND
        );

        // Load, update, delete.
        let loaded = send(&app, get(&format!("/Search/Build.html?SavedSearchLoad={id}"), &staff)).await;
        assert_eq!(query_of(&loaded.body), "Status = 'new'");
        assert!(loaded.body.contains(r#"value="New tickets""#), "{}", loaded.body);
        let id_text = id.to_string();
        let updated = build(
            &app,
            &staff,
            &[
                ("SavedSearchId", &id_text),
                ("Query", "Status = 'open'"),
                ("SavedSearchDescription", "Open tickets"),
                ("SavedSearchOwner", &mine),
                ("SavedSearchSave", "1"),
            ],
        )
        .await;
        assert!(updated.body.contains("Updated saved search"), "{}", updated.body);
        let all = stored();
        assert_eq!((all.len(), all[0].name.as_str(), all[0].query.as_str()), (1, "Open tickets", "Status = 'open'"));
        // Save as new: a copy, the original kept.
        let copied = build(
            &app,
            &staff,
            &[
                ("SavedSearchId", &id_text),
                ("Query", "Status = 'stalled'"),
                ("SavedSearchDescription", "Stalled tickets"),
                ("SavedSearchOwner", &mine),
                ("SavedSearchCopy", "1"),
            ],
        )
        .await;
        assert!(copied.body.contains("Saved search &quot;Stalled tickets&quot;."), "{}", copied.body);
        let all = stored();
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].name.as_str(), all[1].name.as_str()), ("Open tickets", "Stalled tickets"));
        let copy_id = all[1].id.to_string();
        build(&app, &staff, &[("SavedSearchId", &copy_id), ("SavedSearchDelete", "1")]).await;
        assert_eq!(stored().len(), 1);

        // Someone without the rights cannot change it or save their own.
        let outsider = login(&app, "outsider").await;
        let refused = build(
            &app,
            &outsider,
            &[
                ("SavedSearchId", &id_text),
                ("SavedSearchDescription", "Mine now"),
                ("SavedSearchOwner", &mine),
                ("SavedSearchSave", "1"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        let deleted = build(&app, &outsider, &[("SavedSearchId", &id_text), ("SavedSearchDelete", "1")]).await;
        assert_eq!(deleted.status, StatusCode::FORBIDDEN);
        assert_eq!(stored()[0].name, "Open tickets");
        // Nor load it into the builder without LoadSavedSearch.
        let load = send(&app, get(&format!("/Search/Build.html?SavedSearchLoad={id}"), &outsider)).await;
        assert_eq!(load.status, StatusCode::FORBIDDEN);
        assert!(!send(&app, get("/Search/Build.html", &outsider)).await.body.contains("SavedSearchLoad"));
        assert_eq!(
            send(&app, get(&format!("/Search/Results.html?SavedSearchId={id}"), &outsider)).await.status,
            StatusCode::FORBIDDEN
        );

        let deleted = build(&app, &staff, &[("SavedSearchId", &id_text), ("SavedSearchDelete", "1")]).await;
        assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
        assert!(deleted.body.contains("Deleted saved search"), "{}", deleted.body);
        assert!(stored().is_empty());
        // A nameless search is not saved.
        let nameless = build(&app, &staff, &[("SavedSearchOwner", &mine), ("SavedSearchSave", "1")]).await;
        assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
        assert!(stored().is_empty());
    }
}

#[actix_web::test]
async fn results_show_aging_links_and_rows_per_page() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let results = send(&app, get("/Search/Results.html?Query=id%3E0&RowsPerPage=25", &staff)).await;
        assert_eq!(results.status, StatusCode::OK);
        assert!(
            results.body.contains(r#"<tbody class="age-day" title="Updated less than a day ago">"#),
            "{}",
            results.body
        );
        assert!(results.body.contains(r#"class="aging-legend""#));
        assert!(results.body.contains(r#"<option value="25" selected>25</option>"#), "{}", results.body);
        let edit = unescape(&captured(r#"<a href="(/Search/Build.html\?[^"]+)">Edit Search</a>"#, &results.body));
        let bulk = unescape(&captured(r#"<a href="(/Search/Bulk.html\?[^"]+)">Bulk Update</a>"#, &results.body));
        assert_eq!(query_of(&send(&app, get(&edit, &staff)).await.body), "id > 0");
        assert!(send(&app, get(&bulk, &staff)).await.body.contains(r#"name="UpdateTicket""#));
        // Bulk update is offered to holders of ShowSearchBulkUpdate (privileged users by default).
        let privileged = Grantee::Group(site.db.rt().system_group("Privileged").unwrap());
        site.db.root().write(|tx| tx.revoke(privileged, "ShowSearchBulkUpdate", AclObject::System)).unwrap();
        let results = send(&app, get("/Search/Results.html?Query=id%3E0", &staff)).await;
        assert!(!results.body.contains("Bulk Update") && results.body.contains("Edit Search"));
        // All rows.
        let all = send(&app, get("/Search/Results.html?Query=id%3E0&Rows=0", &staff)).await;
        assert!(all.body.contains(r#"<option value="0" selected>All</option>"#) && !all.body.contains(r#"rel="next""#));
    }
}

#[actix_web::test]
async fn simple_search_finds_tickets_as_rt_guesses() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let home = send(&app, get("/", &staff)).await;
        assert!(home.body.contains(r#"action="/Search/Simple.html""#), "{}", home.body);
        assert!(home.body.contains(r#"<label for="simple-search-q">"#));

        let number = send(&app, get(&format!("/Search/Simple.html?q=%23{}", site.plain.0), &staff)).await;
        assert_eq!(number.header("location"), format!("/Ticket/Display.html?id={}", site.plain.0));
        let follow = |answer: &Answer| answer.header("location").to_string();
        for (q, found, not) in [
            ("guest%40example.com", "Printer on fire", "Quarterly report"),
            ("queue%3AGeneral+fire", "Printer on fire", "Quarterly report"),
            ("%22quarterly+report%22", "Quarterly report", "Printer on fire"),
            ("status%3Anew+%40example.net", "Quarterly report", "Printer on fire"),
        ] {
            let answer = send(&app, get(&format!("/Search/Simple.html?q={q}"), &staff)).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{q}");
            let location = follow(&answer);
            assert!(location.starts_with("/Search/Results.html?Query="), "{location}");
            let page = send(&app, get(&location, &staff)).await;
            assert_eq!(page.status, StatusCode::OK, "{backend:?} {q}: {}", page.body);
            assert!(page.body.contains(found) && !page.body.contains(not), "{q}: {}", page.body);
        }
        let nothing = send(&app, get("/Search/Simple.html?q=", &staff)).await;
        assert_eq!(nothing.header("location"), "/Search/Build.html");
        // The outsider finds nothing they may not see.
        let outsider = login(&app, "outsider").await;
        let answer = send(&app, get("/Search/Simple.html?q=fire", &outsider)).await;
        let page = send(&app, get(&follow(&answer), &outsider)).await;
        assert!(page.body.contains("Found 0 tickets"), "{}", page.body);
    }
}

/// A ticket in a queue where staff may see tickets but not change them.
fn locked_ticket(site: &Site) -> TicketId {
    site.db
        .root()
        .write(|tx| {
            let queue = tx.create_queue(NewQueue { name: "Locked".into(), ..NewQueue::default() })?;
            let staff = Grantee::User(tx.user_by_name("staff")?.user_id());
            for right in ["SeeQueue", "ShowTicket"] {
                tx.grant(staff, right, AclObject::Queue(queue))?;
            }
            tx.create_ticket(NewTicket { queue: Some(queue), subject: "Read only".into(), ..NewTicket::default() })
        })
        .unwrap()
}

#[actix_web::test]
async fn bulk_update_changes_each_ticket_and_reports_refusals() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let locked = locked_ticket(&site);
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let (plain, hostile) = (site.plain.0.to_string(), site.hostile.0.to_string());
        let locked_text = locked.0.to_string();
        let page = send(&app, get("/Search/Bulk.html?Query=id%3E0", &staff)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_secured(&page, "bulk");
        assert_inert(&page.body, "bulk");
        for id in [&plain, &hostile, &locked_text] {
            assert!(page.body.contains(&format!(r#"name="UpdateTicket" value="{id}""#)), "{id}: {}", page.body);
        }
        assert!(page.body.contains("Found 3 tickets"), "{}", page.body);
        let first = send(&app, get("/Search/Bulk.html?Query=id%3E0&RowsPerPage=2", &staff)).await;
        let next = unescape(&captured(r#"rel="next" href="([^"]+)""#, &first.body));
        let second = send(&app, get(&next, &staff)).await;
        assert!(second.body.contains(&format!(r#"name="UpdateTicket" value="{locked_text}""#)), "{}", second.body);
        assert!(!second.body.contains(&format!(r#"name="UpdateTicket" value="{plain}""#)));
        let token = csrf(&page.body);
        let ticket = |id: TicketId| site.db.root().read(|tx| tx.ticket(id)).unwrap();

        let done = send(
            &app,
            post(
                "/Search/Bulk.html",
                &staff,
                &[
                    ("CSRF", &token),
                    ("Query", "id > 0"),
                    ("UpdateTicket", &plain),
                    ("UpdateTicket", &locked_text),
                    ("Status", "open"),
                    ("Priority", "7"),
                    ("AddCc", "watcher@example.com"),
                    ("Ticket-RefersTo", &hostile),
                    ("UpdateType", "private"),
                    ("UpdateContent", "Looked at in bulk."),
                ],
            ),
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}: {}", done.body);
        let body = unescape(&done.body);
        for line in [
            format!("Ticket {plain}: Status changed from 'new' to 'open'"),
            format!("Ticket {plain}: Priority changed from 0 to 7"),
            format!("Ticket {plain}: watcher@example.com added as a Cc"),
            format!("Ticket {plain}: Link added: RefersTo {hostile}"),
            format!("Ticket {plain}: Comment added"),
            format!("Ticket {locked_text}: Permission denied"),
        ] {
            assert!(body.contains(&line), "{line} in {body}");
        }
        let (p, l) = (ticket(site.plain), ticket(locked));
        assert_eq!((p.status.as_str(), p.priority), ("open", 7));
        assert_eq!((l.status.as_str(), l.priority), ("new", 0), "the refused ticket is unchanged");
        let ccs = site.db.root().read(|tx| tx.role_addresses(site.plain, rt_core::Role::Cc)).unwrap();
        assert_eq!(ccs, vec!["watcher@example.com".to_string()]);
        let links = site.db.root().read(|tx| tx.links(site.plain)).unwrap();
        assert_eq!(links.len(), 1);

        // Bad input changes nothing and says why beside the field.
        for (field, value, message) in [
            ("Priority", "high", "&#39;high&#39; is not a number."),
            ("Owner", "nobody-such", "No user &#39;nobody-such&#39;."),
            ("Queue", "Nowhere", "No queue &#39;Nowhere&#39;."),
            ("Ticket-DependsOn", "soon", "is neither a ticket number nor a URI"),
        ] {
            let bad = send(
                &app,
                post(
                    "/Search/Bulk.html",
                    &staff,
                    &[
                        ("CSRF", &token),
                        ("Query", "id > 0"),
                        ("UpdateTicket", &plain),
                        ("Status", "resolved"),
                        (field, value),
                    ],
                ),
            )
            .await;
            assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{field}");
            assert!(bad.body.contains(message), "{message} in {}", bad.body);
            assert!(bad.body.contains(&format!(r#"value="{value}""#)) || field == "Queue", "{field} kept");
            assert_eq!(ticket(site.plain).status, "open", "{field}");
        }
        let none = send(&app, post("/Search/Bulk.html", &staff, &[("CSRF", &token), ("Status", "resolved")])).await;
        assert_eq!(none.status, StatusCode::BAD_REQUEST);
        assert!(none.body.contains("Select at least one ticket"));

        // Without the token: refused, nothing changed.
        let forged =
            send(&app, post("/Search/Bulk.html", &staff, &[("UpdateTicket", &plain), ("Status", "resolved")])).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(ticket(site.plain).status, "open");

        // The outsider may change nothing.
        let outsider = login(&app, "outsider").await;
        let page = send(&app, get("/Search/Bulk.html?Query=id%3E0", &outsider)).await;
        assert!(!page.body.contains(r#"name="UpdateTicket""#));
        let refused = send(
            &app,
            post(
                "/Search/Bulk.html",
                &outsider,
                &[("CSRF", &csrf(&page.body)), ("UpdateTicket", &plain), ("Priority", "1")],
            ),
        )
        .await;
        assert!(refused.body.contains(&format!("Ticket {plain}: Permission denied")), "{}", refused.body);
        assert_eq!(ticket(site.plain).priority, 7);

        // Merge the selected into one.
        let merged = send(
            &app,
            post(
                "/Search/Bulk.html",
                &staff,
                &[("CSRF", &token), ("UpdateTicket", &hostile), ("UpdateTicket", &plain), ("MergeInto", &plain)],
            ),
        )
        .await;
        assert!(
            unescape(&merged.body).contains(&format!("Ticket {hostile}: Merged into ticket {plain}")),
            "{}",
            merged.body
        );
        assert_eq!(site.db.root().read(|tx| tx.resolve_ticket_id(site.hostile)).unwrap(), site.plain);
    }
}

#[actix_web::test]
async fn bulk_update_adds_and_deletes_custom_field_values() {
    for backend in backends() {
        let site = site(backend, Config::default());
        let cf = site
            .db
            .root()
            .write(|tx| {
                let cf =
                    tx.create_custom_field(rt_core::NewCustomField::ticket("Colour", rt_core::CfType::Freeform))?;
                tx.apply_custom_field(cf, None)?;
                let staff = Grantee::User(tx.user_by_name("staff")?.user_id());
                for right in ["SeeCustomField", "ModifyCustomField"] {
                    tx.grant(staff, right, AclObject::System)?;
                }
                Ok(cf)
            })
            .unwrap();
        let app = app!(site);
        let staff = login(&app, "staff").await;
        let page = send(&app, get("/Search/Bulk.html?Query=id%3E0", &staff)).await;
        let add = format!("Bulk-Add-CustomField-{}-Value", cf.0);
        assert!(page.body.contains(&format!(r#"name="{add}""#)), "{}", page.body);
        let (token, plain) = (csrf(&page.body), site.plain.0.to_string());
        let values = || {
            site.db
                .root()
                .read(|tx| tx.cf_values(rt_core::CfObject::Ticket(site.plain), cf))
                .unwrap()
                .into_iter()
                .map(|v| v.content)
                .collect::<Vec<_>>()
        };
        let done =
            send(&app, post("/Search/Bulk.html", &staff, &[("CSRF", &token), ("UpdateTicket", &plain), (&add, "red")]))
                .await;
        assert!(
            done.body.contains(&format!("Ticket {plain}: red added as a value of Colour")),
            "{backend:?}: {}",
            done.body
        );
        assert_eq!(values(), vec!["red".to_string()]);
        let delete = format!("Bulk-Delete-CustomField-{}-Value", cf.0);
        let done = send(
            &app,
            post("/Search/Bulk.html", &staff, &[("CSRF", &token), ("UpdateTicket", &plain), (&delete, "red")]),
        )
        .await;
        assert!(done.body.contains("red is no longer a value of Colour"), "{}", done.body);
        assert!(values().is_empty());
    }
}
