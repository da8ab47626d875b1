//! The home page, `/` ("RT at a glance"), and `/SelfService/`.
//!
//! The home page shows the portlets the user chose on `/Prefs/MyRT.html`
//! (RT's `Pref-HomepageSettings`: a `body` and a `sidebar` list of
//! `{type, name}`, `system` for RT's built-in searches, `component` for the
//! others), or RT's default layout: `PORTLETS` lists them. Each portlet
//! runs one bounded read: the ticket lists fetch one page of
//! `SummaryRows` (RT's `$DefaultSummaryRows`, 10, or the user's) and count
//! no further than that; quick search counts stop at
//! `QUICK_COUNT_LIMIT` ("100+"); bookmarks read a bounded number of
//! rows. Portlets not shown run nothing.
//!
//! The refresh portlet is RT's "Refresh this page every N minutes" (a GET
//! form with `HomeRefreshInterval`); the user's default is
//! `HomePageRefreshInterval` from `/Prefs/Other.html`. Refreshing is a
//! `<meta http-equiv="refresh">`, which the page's CSP allows.

use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::attribute::AttributeObject;
use rt_core::preference::{HOMEPAGE_SETTINGS, SUMMARY_ROWS};
use rt_core::search::{Paging, parse_order_by};
use rt_core::{Rt, TicketQuery, Tx, UserId};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Answer, Audience, PageError, Viewer, context, page, prefs, run};

/// Rows per ticket portlet unless the user chose otherwise (RT's
/// `$DefaultSummaryRows`).
const SUMMARY_ROWS_DEFAULT: u32 = 10;

/// The most rows per portlet a user may choose.
pub(crate) const MAX_SUMMARY_ROWS: u32 = 50;

/// The statuses "Quick search" counts, as RT's queue list does.
const QUICK_STATUSES: [&str; 3] = ["new", "open", "stalled"];

/// How far a quick search count goes before it says "100+": every count
/// reads its tickets, and a page of 20 queues makes 60 of them.
const QUICK_COUNT_LIMIT: u64 = 100;

/// A portlet of the home page.
pub(crate) struct Portlet {
    /// Its key in forms (`Placement-<key>`).
    pub key: &'static str,
    /// How RT names it in `HomepageSettings`: `system` or `component`.
    pub kind: &'static str,
    /// RT's name of it.
    pub name: &'static str,
    /// Its title on `/Prefs/MyRT.html`.
    pub title: &'static str,
}

/// Every portlet, in the order `/Prefs/MyRT.html` lists them.
pub(crate) const PORTLETS: [Portlet; 9] = [
    Portlet { key: "MyTickets", kind: "system", name: "My Tickets", title: "Highest priority tickets I own" },
    Portlet { key: "UnownedTickets", kind: "system", name: "Unowned Tickets", title: "Newest unowned tickets" },
    Portlet { key: "BookmarkedTickets", kind: "system", name: "Bookmarked Tickets", title: "Bookmarked tickets" },
    Portlet { key: "QuickCreate", kind: "component", name: "QuickCreate", title: "Quick ticket creation" },
    Portlet { key: "MyReminders", kind: "component", name: "MyReminders", title: "My reminders" },
    Portlet { key: "QueueList", kind: "component", name: "QueueList", title: "Quick search" },
    Portlet { key: "SavedSearches", kind: "component", name: "SavedSearches", title: "Saved searches" },
    Portlet { key: "Dashboards", kind: "component", name: "Dashboards", title: "Dashboards" },
    Portlet { key: "RefreshHomepage", kind: "component", name: "RefreshHomepage", title: "Refresh" },
];

/// Which portlets show in which column, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The wide column.
    pub body: Vec<String>,
    /// The narrow column.
    pub sidebar: Vec<String>,
}

impl Layout {
    /// RT's default home page.
    fn rt_default() -> Layout {
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect();
        Layout {
            body: keys(&["MyTickets", "UnownedTickets", "BookmarkedTickets", "QuickCreate"]),
            sidebar: keys(&["MyReminders", "QueueList", "Dashboards", "RefreshHomepage"]),
        }
    }

    /// RT's `HomepageSettings` content.
    pub(crate) fn to_json(&self) -> Value {
        let pane = |keys: &[String]| {
            keys.iter()
                .filter_map(|k| PORTLETS.iter().find(|p| p.key == k))
                .map(|p| json!({"type": p.kind, "name": p.name}))
                .collect::<Vec<_>>()
        };
        json!({"body": pane(&self.body), "sidebar": pane(&self.sidebar)})
    }

    /// Reads RT's `HomepageSettings`; portlets we do not have (saved
    /// searches placed by RT) are skipped.
    fn from_json(value: &Value) -> Layout {
        let pane = |name: &str| {
            let mut keys: Vec<String> = Vec::new();
            for item in value.get(name).and_then(Value::as_array).into_iter().flatten() {
                let (kind, name) = (item.get("type").and_then(Value::as_str), item.get("name").and_then(Value::as_str));
                if let Some(p) = PORTLETS.iter().find(|p| Some(p.kind) == kind && Some(p.name) == name)
                    && !keys.iter().any(|k| k == p.key)
                {
                    keys.push(p.key.to_string());
                }
            }
            keys
        };
        Layout { body: pane("body"), sidebar: pane("sidebar") }
    }
}

/// The user's home page layout and rows per portlet.
pub(crate) fn layout(tx: &mut Tx<'_>, user: UserId) -> rt_core::Result<(Layout, u32)> {
    let layout = tx.preferences(user, HOMEPAGE_SETTINGS)?.map_or_else(Layout::rt_default, |v| Layout::from_json(&v));
    let rows = tx
        .preferences(user, SUMMARY_ROWS)?
        .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (1..=MAX_SUMMARY_ROWS).contains(n))
        .unwrap_or(SUMMARY_ROWS_DEFAULT);
    Ok((layout, rows))
}

/// A ticket in a list.
#[derive(Debug, Serialize)]
struct Row {
    id: i64,
    subject: String,
    queue: String,
    status: String,
    priority: i64,
    updated: String,
    due: String,
}

/// One queue of "Quick search": its name and a count and search link per
/// status.
#[derive(Debug, Serialize)]
struct QueueCounts {
    name: String,
    search: String,
    counts: Vec<(String, String)>,
}

/// A named link (saved searches, dashboards).
#[derive(Debug, Serialize)]
struct Named {
    name: String,
    url: String,
}

/// A portlet as the template draws it: its key and what it shows.
#[derive(Debug, Serialize)]
struct Shown {
    key: &'static str,
    /// The id of its heading (the names the browser tests and any user
    /// style sheets already know for RT's first three).
    title_id: String,
    tickets: Vec<Row>,
    queues: Vec<QueueCounts>,
    links: Vec<Named>,
}

impl Shown {
    fn new(key: &'static str) -> Shown {
        let title_id = match key {
            "MyTickets" => "owned-title".to_string(),
            "UnownedTickets" => "unowned-title".to_string(),
            "QueueList" => "quick-title".to_string(),
            _ => format!("{key}-title"),
        };
        Shown { key, title_id, tickets: Vec::new(), queues: Vec::new(), links: Vec::new() }
    }
}

/// `GET /`.
pub(crate) async fn index(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let asked_refresh = super::param(&req, "HomeRefreshInterval")
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|s| prefs::REFRESH_INTERVALS.contains(s));
    run(&req, rt, Audience::Privileged, move |viewer| {
        let me = viewer.user.user_id();
        let (columns, rows, refresh, create_queues) = viewer.session.read(|tx| {
            let (layout, rows) = layout(tx, me)?;
            let refresh = match asked_refresh {
                Some(s) => s,
                None => prefs::home_refresh(tx, me)?,
            };
            let mut columns = Vec::new();
            let mut create_queues = Vec::new();
            for keys in [&layout.body, &layout.sidebar] {
                let mut shown = Vec::new();
                for key in keys {
                    let Some(p) = PORTLETS.iter().find(|p| p.key == key) else { continue };
                    if p.key == "QuickCreate" {
                        create_queues = prefs::creatable_queues(tx)?;
                    }
                    shown.push(portlet(tx, viewer, p.key, rows)?);
                }
                columns.push(shown);
            }
            Ok((columns, rows, refresh, create_queues))
        })?;
        let mut ctx = context(&site, Some(viewer), "RT at a glance");
        ctx.insert("columns", &columns);
        ctx.insert("rows", &rows);
        ctx.insert("refresh", &refresh);
        ctx.insert(
            "refreshes",
            &prefs::REFRESH_INTERVALS.iter().map(|s| (s.to_string(), prefs::refresh_label(*s))).collect::<Vec<_>>(),
        );
        ctx.insert("statuses", &QUICK_STATUSES);
        ctx.insert("create_queues", &create_queues);
        ctx.insert("default_queue", &viewer.default_queue().map(|q| q.0.to_string()).unwrap_or_default());
        ctx.insert("me", &me.0);
        ctx.insert("nobody", &site.system().nobody.0);
        page("home.html", &ctx)
    })
    .await
}

/// Runs one portlet's read.
fn portlet(tx: &mut Tx<'_>, viewer: &Viewer, key: &'static str, rows: u32) -> rt_core::Result<Shown> {
    let mut shown = Shown::new(key);
    match key {
        "MyTickets" => {
            let query = "Owner = '__CurrentUser__' AND Status = '__Active__'";
            shown.tickets = tickets(tx, viewer, query, "Priority|Created", "DESC|DESC", rows)?;
        }
        "UnownedTickets" => {
            let query = "Owner = 'Nobody' AND Status = '__Active__'";
            shown.tickets = tickets(tx, viewer, query, "Created", "DESC", rows)?;
        }
        "MyReminders" => {
            let query = "Type = 'reminder' AND Owner = '__CurrentUser__' AND Status = '__Active__'";
            shown.tickets = tickets(tx, viewer, query, "Due", "ASC", rows)?;
        }
        "BookmarkedTickets" => {
            let ids = tx.recent_bookmarks(rows as usize)?;
            shown.tickets = ids.into_iter().map(|id| row(tx, viewer, id)).collect::<rt_core::Result<_>>()?;
        }
        "QueueList" => {
            for queue in tx.queues()? {
                let clause = format!("Queue = '{}'", queue.name.replace('\\', "\\\\").replace('\'', "\\'"));
                let mut counts = Vec::new();
                for status in QUICK_STATUSES {
                    let query = format!("{clause} AND Status = '{status}'");
                    let count = tx.count_tickets(&query, Some(QUICK_COUNT_LIMIT))?.to_string();
                    counts.push((count, results_link(&query)));
                }
                let search = results_link(&format!("{clause} AND Status = '__Active__'"));
                shown.queues.push(QueueCounts { name: queue.name, search, counts });
            }
        }
        "SavedSearches" => {
            for search in tx.saved_searches()? {
                if search.search_type == "Ticket" {
                    let url = format!("/Search/Results.html?SavedSearchId={}", search.id);
                    shown.links.push(Named { name: search.name, url });
                }
            }
        }
        "Dashboards" => {
            let mut objects = vec![AttributeObject::User(viewer.user.user_id())];
            if viewer.privileged {
                objects.push(AttributeObject::System);
            }
            for object in objects {
                // No page shows a dashboard yet: their names, without links.
                for dashboard in tx.attributes(object, "Dashboard")? {
                    shown.links.push(Named { name: dashboard.description, url: String::new() });
                }
            }
        }
        _ => {}
    }
    Ok(shown)
}

/// `GET /SelfService/`: the user's tickets, open ones first.
pub(crate) async fn self_service(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    run(&req, rt, Audience::Anyone, move |viewer| -> Result<Answer, PageError> {
        let (open, closed) = viewer.session.read(|tx| {
            let rows = SUMMARY_ROWS_DEFAULT * 5;
            let open =
                tickets(tx, viewer, "Requestor = '__CurrentUser__' AND Status = '__Active__'", "id", "DESC", rows)?;
            let closed =
                tickets(tx, viewer, "Requestor = '__CurrentUser__' AND Status = '__Inactive__'", "id", "DESC", rows)?;
            Ok((open, closed))
        })?;
        let mut ctx = context(&site, Some(viewer), "Self-service");
        ctx.insert("open", &open);
        ctx.insert("closed", &closed);
        page("selfservice.html", &ctx)
    })
    .await
}

/// The first `rows` tickets of a search run as the user, without a count.
fn tickets(
    tx: &mut Tx<'_>,
    viewer: &Viewer,
    query: &str,
    order_by: &str,
    order: &str,
    rows: u32,
) -> rt_core::Result<Vec<Row>> {
    let order = parse_order_by(order_by, order).map_err(|e| rt_core::Error::invalid("OrderBy", e.to_string()))?;
    let search = TicketQuery {
        order,
        paging: Paging { rows_per_page: Some(rows), page: 1 },
        // A portlet shows no count: none is made.
        count_limit: Some(0),
        ..TicketQuery::new(query)
    };
    let found = tx.search_tickets(&search)?;
    found.ids.into_iter().map(|id| row(tx, viewer, id)).collect()
}

fn row(tx: &mut Tx<'_>, viewer: &Viewer, id: rt_core::TicketId) -> rt_core::Result<Row> {
    let t = tx.ticket(id)?;
    let queue = super::queue_name(tx, t.queue)?;
    Ok(Row {
        id: t.id.0,
        subject: t.subject,
        queue,
        status: t.status,
        priority: t.priority,
        updated: viewer.date(t.last_updated),
        due: viewer.maybe_date(t.due),
    })
}

/// The results page of a TicketSQL query.
fn results_link(query: &str) -> String {
    format!("/Search/Results.html?{}", super::query_string(&[("Query", query)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_round_trip_through_rt_json() {
        let layout =
            Layout { body: vec!["QuickCreate".into(), "MyTickets".into()], sidebar: vec!["Dashboards".into()] };
        let json = layout.to_json();
        assert_eq!(json["body"][0], json!({"type": "component", "name": "QuickCreate"}));
        assert_eq!(json["body"][1], json!({"type": "system", "name": "My Tickets"}));
        assert_eq!(Layout::from_json(&json), layout);
        let rt = json!({"body": [{"type": "saved", "name": "RT::User-1-SavedSearch-3"}, {"type": "system", "name": "Unowned Tickets"}]});
        assert_eq!(Layout::from_json(&rt), Layout { body: vec!["UnownedTickets".into()], sidebar: vec![] });
    }
}
