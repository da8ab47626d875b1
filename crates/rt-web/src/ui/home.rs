//! `/` ("RT at a glance") and `/SelfService/`.
//!
//! The home page's portlets are searches run as the user (the rights
//! clause is inside each query): "10 highest priority tickets I own",
//! "10 newest unowned tickets" (each with a Take button, a POST with the
//! CSRF token to `/Ticket/Display.html`) and "Quick search", the user's
//! queues by new, open and stalled counts, each linking to its search.
//! Requestors land on `/SelfService/`, which lists their tickets.

use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::search::{Paging, parse_order_by};
use rt_core::{Rt, TicketQuery, Tx};
use serde::Serialize;

use super::{Answer, Audience, PageError, Viewer, context, page, run};

/// How many tickets a portlet shows (RT's `$DefaultSummaryRows`).
const SUMMARY_ROWS: u32 = 10;

/// The statuses "Quick search" counts, as RT's queue list does.
const QUICK_STATUSES: [&str; 3] = ["new", "open", "stalled"];

/// A ticket in a list.
#[derive(Debug, Serialize)]
struct Row {
    id: i64,
    subject: String,
    queue: String,
    status: String,
    priority: i64,
    updated: String,
}

/// One queue of "Quick search": its name and a count and search link per
/// status.
#[derive(Debug, Serialize)]
struct QueueCounts {
    name: String,
    search: String,
    counts: Vec<(u64, String)>,
}

/// `GET /`.
pub(crate) async fn index(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    run(&req, rt, Audience::Privileged, move |viewer| {
        let (owned, unowned, queues) = viewer.session.read(|tx| {
            let owned = rows(
                tx,
                viewer,
                "Owner = '__CurrentUser__' AND Status = '__Active__'",
                "Priority|Created",
                "DESC|DESC",
            )?;
            let unowned = rows(tx, viewer, "Owner = 'Nobody' AND Status = '__Active__'", "Created", "DESC")?;
            let mut queues = Vec::new();
            for queue in tx.queues()? {
                let clause = format!("Queue = '{}'", queue.name.replace('\\', "\\\\").replace('\'', "\\'"));
                let mut counts = Vec::new();
                for status in QUICK_STATUSES {
                    let query = format!("{clause} AND Status = '{status}'");
                    let count = tx.count_tickets(&query, None)?.value();
                    counts.push((count, results_link(&query)));
                }
                let search = results_link(&format!("{clause} AND Status = '__Active__'"));
                queues.push(QueueCounts { name: queue.name, search, counts });
            }
            Ok((owned, unowned, queues))
        })?;
        let mut ctx = context(&site, Some(viewer), "RT at a glance");
        ctx.insert("owned", &owned);
        ctx.insert("unowned", &unowned);
        ctx.insert("queues", &queues);
        ctx.insert("statuses", &QUICK_STATUSES);
        page("home.html", &ctx)
    })
    .await
}

/// `GET /SelfService/`: the user's tickets, open ones first.
pub(crate) async fn self_service(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    run(&req, rt, Audience::Anyone, move |viewer| -> Result<Answer, PageError> {
        let (open, closed) = viewer.session.read(|tx| {
            let open = rows(tx, viewer, "Requestor = '__CurrentUser__' AND Status = '__Active__'", "id", "DESC")?;
            let closed = rows(tx, viewer, "Requestor = '__CurrentUser__' AND Status = '__Inactive__'", "id", "DESC")?;
            Ok((open, closed))
        })?;
        let mut ctx = context(&site, Some(viewer), "Self-service");
        ctx.insert("open", &open);
        ctx.insert("closed", &closed);
        page("selfservice.html", &ctx)
    })
    .await
}

/// The first [`SUMMARY_ROWS`] tickets of a search run as the user.
fn rows(tx: &mut Tx<'_>, viewer: &Viewer, query: &str, order_by: &str, order: &str) -> rt_core::Result<Vec<Row>> {
    let order = parse_order_by(order_by, order).map_err(|e| rt_core::Error::invalid("OrderBy", e.to_string()))?;
    let search =
        TicketQuery { order, paging: Paging { rows_per_page: Some(SUMMARY_ROWS), page: 1 }, ..TicketQuery::new(query) };
    let found = tx.search_tickets(&search)?;
    let mut rows = Vec::with_capacity(found.ids.len());
    for id in found.ids {
        let t = tx.ticket(id)?;
        let queue = super::queue_name(tx, t.queue)?;
        rows.push(Row {
            id: t.id.0,
            subject: t.subject,
            queue,
            status: t.status,
            priority: t.priority,
            updated: viewer.date(t.last_updated),
        });
    }
    Ok(rows)
}

/// The results page of a TicketSQL query.
fn results_link(query: &str) -> String {
    format!("/Search/Results.html?{}", super::query_string(&[("Query", query)]))
}
