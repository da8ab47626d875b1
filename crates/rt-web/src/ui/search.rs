//! `/Search/Results.html?Query=...&Format=...&OrderBy=...&Order=...&Rows=...&Page=...`:
//! a TicketSQL search run as the user, laid out by RT's Format (parsed and
//! sanitized by rt-core; RT 5's default when none is given), with sorting
//! links on the column headers and paging links. A query, format or sort
//! that does not read is shown as an error on the page (400), never a 500.
//! `RowsPerPage` is read as RT writes it too. `SavedSearchId` runs a saved
//! search (what the URL gives overrides it). The page links to the query
//! builder and bulk update with the same search, offers rows per page, and
//! colours each ticket by the time since its last update (classes
//! `age-day`, `age-week`, `age-month`, `age-older`, explained in a legend).
//!
//! `/Search/Simple.html?q=...` is RT's simple search (see `simple`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use rt_core::preference::SEARCH_DISPLAY;
use rt_core::search::{DEFAULT_FORMAT, FieldKind, FieldValue, Format, Paging, parse_format, parse_order_by};
use rt_core::{CfObject, Role, Rt, SavedSearch, SavedSearchId, Ticket, TicketQuery, Tx};
use serde::Serialize;

use super::build::Form;
use super::{Answer, Audience, PageError, Viewer, context, render, run};

/// Rows per page when the URL does not say (RT's default).
const DEFAULT_ROWS: u32 = 50;

/// The search as the URL gives it.
#[derive(Debug, Clone)]
struct Params {
    query: String,
    format: Option<String>,
    order_by: String,
    order: String,
    rows: u32,
    page: u32,
    saved: Option<SavedSearchId>,
}

impl Params {
    /// The search the URL gives; a saved search (`SavedSearchId`) gives
    /// what the URL leaves out, then the user's search defaults
    /// (Preferences, RT's `SearchDisplay`).
    fn read(form: &Form, saved: Option<&SavedSearch>, defaults: Option<&serde_json::Value>) -> Params {
        let get = |name: &str| form.value(name).map(str::to_string);
        let default = |name: &str| {
            defaults
                .and_then(|d| d.get(name))
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .filter(|v| !v.trim().is_empty())
        };
        let rows = get("Rows")
            .or_else(|| get("RowsPerPage"))
            .or_else(|| saved.map(|s| s.rows_per_page.to_string()))
            .or_else(|| default("RowsPerPage"));
        let paging = Paging::from_params(rows.as_deref(), get("Page").as_deref());
        // 0 is all rows, as in RT; what does not read is the default.
        let rows = match rows.as_deref().map(|r| r.trim().parse::<u32>()) {
            Some(Ok(0)) => 0,
            _ => paging.rows_per_page.unwrap_or(DEFAULT_ROWS),
        };
        let from_saved = |f: fn(&SavedSearch) -> &String| saved.map(f).filter(|v| !v.trim().is_empty()).cloned();
        Params {
            query: get("Query").or_else(|| from_saved(|s| &s.query)).unwrap_or_default(),
            format: get("Format").or_else(|| from_saved(|s| &s.format)).or_else(|| default("Format")),
            order_by: get("OrderBy")
                .or_else(|| from_saved(|s| &s.order_by))
                .or_else(|| default("OrderBy"))
                .unwrap_or_else(|| "id".into()),
            order: get("Order")
                .or_else(|| from_saved(|s| &s.order))
                .or_else(|| default("Order"))
                .unwrap_or_else(|| "ASC".into()),
            rows,
            page: paging.page,
            saved: saved.map(|s| s.id),
        }
    }

    /// This search's parameters for another page of the UI (the builder,
    /// bulk update).
    fn search_args(&self) -> String {
        let rows = self.rows.to_string();
        let saved = self.saved.map(|id| id.to_string()).unwrap_or_default();
        let mut pairs = vec![("Query", self.query.as_str())];
        if let Some(format) = &self.format {
            pairs.push(("Format", format));
        }
        pairs.extend([("OrderBy", self.order_by.as_str()), ("Order", self.order.as_str()), ("RowsPerPage", &rows)]);
        if !saved.is_empty() {
            pairs.push(("SavedSearchId", &saved));
        }
        super::query_string(&pairs)
    }

    /// This search's URL with another sort or page.
    fn url(&self, order_by: &str, order: &str, page: u32) -> String {
        let (rows, page) = (self.rows.to_string(), page.to_string());
        let mut pairs = vec![("Query", self.query.as_str())];
        if let Some(format) = &self.format {
            pairs.push(("Format", format));
        }
        pairs.extend([("OrderBy", order_by), ("Order", order), ("Rows", &rows), ("Page", &page)]);
        format!("/Search/Results.html?{}", super::query_string(&pairs))
    }
}

/// A column header.
#[derive(Debug, Serialize)]
struct Header {
    title: String,
    span: usize,
    sort: Option<String>,
}

/// A result cell: sanitized HTML with its values escaped.
#[derive(Debug, Serialize)]
struct Cell {
    html: String,
    span: usize,
    class: String,
}

/// `GET /Search/Results.html`.
pub(crate) async fn results(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let form = Form::parse(req.uri().query().unwrap_or("").as_bytes());
    run(&req, rt, Audience::Privileged, move |viewer| {
        // RT's builder writes `SavedSearchId=new` for an unsaved search.
        let saved = match form.value("SavedSearchId").and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(id) => Some(viewer.session.read(|tx| tx.saved_search(SavedSearchId(id)))?),
            None => None,
        };
        let defaults = viewer.session.read(|tx| tx.preferences(viewer.user.user_id(), SEARCH_DISPLAY))?;
        let params = Params::read(&form, saved.as_ref(), defaults.as_ref());
        let title = saved.as_ref().map_or_else(|| "Found tickets".to_string(), |s| s.name.clone());
        let mut ctx = context(&site, Some(viewer), &title);
        ctx.insert("query", &params.query);
        ctx.insert("order_by", &params.order_by);
        ctx.insert("order", &params.order);
        ctx.insert("rows", &params.rows);
        let mut rows_choices = ROWS_CHOICES.to_vec();
        if !rows_choices.contains(&params.rows) {
            rows_choices.insert(0, params.rows);
        }
        ctx.insert("rows_choices", &rows_choices);
        ctx.insert("format", &params.format);
        let args = params.search_args();
        ctx.insert("edit_url", &format!("/Search/Build.html?{args}"));
        // RT offers bulk update to holders of ShowSearchBulkUpdate.
        let bulk = viewer.session.read(|tx| tx.has_right("ShowSearchBulkUpdate", rt_core::AclObject::System))?;
        ctx.insert("bulk_url", &bulk.then(|| format!("/Search/Bulk.html?{args}")));
        match search(viewer, &params) {
            Ok(found) => {
                ctx.insert("error", &None::<String>);
                ctx.insert("headers", &found.headers);
                ctx.insert("tickets", &found.tickets);
                ctx.insert("total", &found.total);
                ctx.insert("page", &params.page);
                ctx.insert("prev", &found.prev);
                ctx.insert("next", &found.next);
                Ok(Answer::Page(StatusCode::OK, render("results.html", &ctx)?))
            }
            Err(SearchError::Input(message)) => {
                ctx.insert("error", &Some(message));
                Ok(Answer::Page(StatusCode::BAD_REQUEST, render("results.html", &ctx)?))
            }
            Err(SearchError::Page(e)) => Err(e),
        }
    })
    .await
}

/// The choices of rows per page on the results page.
const ROWS_CHOICES: [u32; 6] = [10, 25, 50, 100, 500, 0];

/// `GET /Search/Simple.html?q=...`: RT's simple search. A ticket number
/// shows that ticket; other text is turned into TicketSQL by rt-core
/// (`search::simple`) and its results shown; no text goes to the query
/// builder.
pub(crate) async fn simple(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let text = super::param(&req, "q").unwrap_or_default();
    run(&req, rt, Audience::Privileged, move |viewer| {
        if text.trim().is_empty() {
            return Ok(Answer::Redirect("/Search/Build.html".into()));
        }
        if let Some(id) = rt_core::search::simple_ticket_number(&text) {
            return Ok(Answer::Redirect(format!("/Ticket/Display.html?id={id}")));
        }
        let query = viewer.session.read(|tx| tx.simple_search_query(&text))?;
        Ok(Answer::Redirect(format!("/Search/Results.html?{}", super::query_string(&[("Query", &query)]))))
    })
    .await
}

/// A ticket's rows of cells and its aging class.
#[derive(Debug, Serialize)]
struct TicketRows {
    rows: Vec<Vec<Cell>>,
    age: &'static str,
    age_title: &'static str,
}

/// The aging class of a ticket last updated at `t`: how long ago, in four
/// steps (explained in the page's legend and the row's title).
fn age_class(t: DateTime<Utc>, now: DateTime<Utc>) -> (&'static str, &'static str) {
    let age = now - t;
    if age < chrono::Duration::days(1) {
        ("age-day", "Updated less than a day ago")
    } else if age < chrono::Duration::weeks(1) {
        ("age-week", "Updated less than a week ago")
    } else if age < chrono::Duration::days(30) {
        ("age-month", "Updated less than a month ago")
    } else {
        ("age-older", "Not updated for a month or more")
    }
}

/// What the results page shows.
struct Found {
    headers: Vec<Vec<Header>>,
    tickets: Vec<TicketRows>,
    total: String,
    prev: Option<String>,
    next: Option<String>,
}

enum SearchError {
    /// The query, format or sort does not read.
    Input(String),
    Page(PageError),
}

impl From<rt_core::Error> for SearchError {
    fn from(e: rt_core::Error) -> SearchError {
        match e {
            rt_core::Error::Validation { .. } => SearchError::Input(e.to_string()),
            e => SearchError::Page(PageError::Core(e)),
        }
    }
}

fn search(viewer: &Viewer, params: &Params) -> Result<Found, SearchError> {
    let format = parse_format(params.format.as_deref().unwrap_or(DEFAULT_FORMAT))
        .map_err(|e| SearchError::Input(format!("Format {e}")))?;
    let order =
        parse_order_by(&params.order_by, &params.order).map_err(|e| SearchError::Input(format!("OrderBy {e}")))?;
    let query = TicketQuery {
        order,
        paging: Paging { rows_per_page: (params.rows > 0).then_some(params.rows), page: params.page },
        ..TicketQuery::new(&params.query)
    };
    let (page, tickets) = viewer.session.read(|tx| {
        let page = tx.search_tickets(&query)?;
        let mut tickets = Vec::with_capacity(page.ids.len());
        let now = tx.now();
        for id in &page.ids {
            let t = tx.ticket(*id)?;
            let (age, age_title) = age_class(t.last_updated, now);
            tickets.push(TicketRows { rows: cells(tx, viewer, &format, &t)?, age, age_title });
        }
        Ok((page, tickets))
    })?;
    let shown_to = u64::from(params.rows) * u64::from(params.page);
    Ok(Found {
        headers: headers(&format, params),
        tickets,
        total: page.total.to_string(),
        prev: (params.page > 1).then(|| params.url(&params.order_by, &params.order, params.page - 1)),
        next: (params.rows > 0 && page.total.value() > shown_to)
            .then(|| params.url(&params.order_by, &params.order, params.page + 1)),
    })
}

/// The header rows: titles, with a link sorting by the column (the other
/// way round when it is the current sort).
fn headers(format: &Format, params: &Params) -> Vec<Vec<Header>> {
    format
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|column| {
                    let title =
                        column.title.clone().unwrap_or_else(|| column.column_name().map(title_of).unwrap_or_default());
                    let sort = column.sort_column().map(sort_key).map(|key| {
                        let flip = key == params.order_by && params.order.eq_ignore_ascii_case("ASC");
                        params.url(&key, if flip { "DESC" } else { "ASC" }, 1)
                    });
                    Header { title, span: column.cells(), sort }
                })
                .collect()
        })
        .collect()
}

/// A column-map name as a header (`QueueName` → `Queue`,
/// `LastUpdatedRelative` → `Last Updated`, `CF.{Due}` → `Due`).
fn title_of(name: &str) -> String {
    if name == "id" {
        return "#".into();
    }
    if let FieldKind::CustomField { name, .. } = rt_core::search::FormatField::new(name).kind() {
        return name.to_string();
    }
    let base = sort_key(name);
    let mut title = String::new();
    for (i, c) in base.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            title.push(' ');
        }
        title.push(c);
    }
    title
}

/// The sort key of a column-map name: `CreatedRelative` sorts by `Created`.
fn sort_key(name: &str) -> String {
    let name = name.strip_suffix("Relative").unwrap_or(name);
    match name {
        "QueueName" => "Queue".into(),
        "OwnerName" => "Owner".into(),
        name => name.into(),
    }
}

/// One ticket's cells, row by row.
fn cells(tx: &mut Tx<'_>, viewer: &Viewer, format: &Format, t: &Ticket) -> rt_core::Result<Vec<Vec<Cell>>> {
    let mut values = HashMap::new();
    for f in format.fields() {
        values.insert(f.name().to_string(), value(tx, viewer, t, f.kind(), f.name())?);
    }
    Ok(format
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|column| {
                    let html = column.render_html(|f| {
                        values.get(f.name()).cloned().unwrap_or_else(|| FieldValue::Text(String::new()))
                    });
                    let mut class = column.class.clone().unwrap_or_default();
                    if let Some(align) = column.align {
                        class = format!("{class} align-{}", align.as_str()).trim().to_string();
                    }
                    Cell { html, span: column.cells(), class }
                })
                .collect()
        })
        .collect())
}

/// A field's value for one ticket, as RT 5's column map shows it; names it
/// does not know yet are empty.
fn value(tx: &mut Tx<'_>, viewer: &Viewer, t: &Ticket, kind: FieldKind<'_>, name: &str) -> rt_core::Result<FieldValue> {
    let text = match kind {
        FieldKind::Ticket => ticket_value(tx, viewer, t, name)?,
        FieldKind::Role { role: "Owner", attribute: None } => tx.user(t.owner)?.name,
        FieldKind::Role { role, attribute: None | Some("EmailAddress") } => {
            let role = match role {
                "Requestor" | "Requestors" => Role::Requestor,
                "Cc" | "Ccs" => Role::Cc,
                "AdminCc" | "AdminCcs" => Role::AdminCc,
                _ => return Ok(FieldValue::Text(String::new())),
            };
            tx.role_addresses(t.id, role)?.join(", ")
        }
        FieldKind::CustomField { name, .. } => {
            let object = CfObject::Ticket(t.id);
            let field =
                tx.custom_fields_for(object)?.into_iter().find(|cf| cf.name == name || cf.id.0.to_string() == name);
            match field.map(|cf| tx.cf_values(object, cf.id)) {
                Some(Ok(values)) => values.into_iter().map(|v| v.content).collect::<Vec<_>>().join(", "),
                Some(Err(rt_core::Error::PermissionDenied { .. })) | None => String::new(),
                Some(Err(e)) => return Err(e),
            }
        }
        FieldKind::Site => match name {
            "WebBaseURL" | "WebURL" => format!("{}/", tx.config().effective_web_base_url()),
            "CurrentUser" => viewer.user.id.to_string(),
            "CurrentUserName" => viewer.user.name.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    Ok(FieldValue::Text(text))
}

fn ticket_value(tx: &mut Tx<'_>, viewer: &Viewer, t: &Ticket, name: &str) -> rt_core::Result<String> {
    let now = tx.now();
    let relative = |d: Option<DateTime<Utc>>| d.map(|d| relative(d, now)).unwrap_or_default();
    let minutes = |m: i64| if m == 0 { String::new() } else { format!("{m} min") };
    Ok(match name {
        "id" | "EffectiveId" => t.id.0.to_string(),
        "Subject" => t.subject.clone(),
        "Status" => t.status.clone(),
        "Type" => t.kind.clone(),
        "QueueName" | "Queue" => super::queue_name(tx, t.queue)?,
        "OwnerName" => tx.user(t.owner)?.name,
        "Creator" | "CreatedBy" => tx.user(t.creator)?.name,
        "LastUpdatedBy" => tx.user(t.last_updated_by)?.name,
        "Priority" => t.priority.to_string(),
        "InitialPriority" => t.initial_priority.to_string(),
        "FinalPriority" => t.final_priority.to_string(),
        "TimeWorked" => minutes(t.time_worked),
        "TimeEstimated" => minutes(t.time_estimated),
        "TimeLeft" => minutes(t.time_left),
        "SLA" => t.sla.clone().unwrap_or_default(),
        "Created" => viewer.date(t.created),
        "LastUpdated" => viewer.date(t.last_updated),
        "Told" => t.told.map(|d| viewer.date(d)).unwrap_or_default(),
        "Starts" => t.starts.map(|d| viewer.date(d)).unwrap_or_default(),
        "Started" => t.started.map(|d| viewer.date(d)).unwrap_or_default(),
        "Due" => t.due.map(|d| viewer.date(d)).unwrap_or_default(),
        "Resolved" => t.resolved.map(|d| viewer.date(d)).unwrap_or_default(),
        "CreatedRelative" => relative(Some(t.created)),
        "LastUpdatedRelative" => relative(Some(t.last_updated)),
        "ToldRelative" => relative(t.told),
        "StartsRelative" => relative(t.starts),
        "StartedRelative" => relative(t.started),
        "DueRelative" => relative(t.due),
        "ResolvedRelative" => relative(t.resolved),
        _ => String::new(),
    })
}

/// How long ago (or ahead) `t` is, as RT says it: `5 min ago`,
/// `in 3 days`.
fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - t).num_seconds();
    let abs = seconds.unsigned_abs();
    let (n, unit) = match abs {
        0..60 => (abs, "sec"),
        60..7_200 => (abs / 60, "min"),
        7_200..172_800 => (abs / 3_600, "hours"),
        172_800..1_209_600 => (abs / 86_400, "days"),
        1_209_600..5_184_000 => (abs / 604_800, "weeks"),
        5_184_000..63_072_000 => (abs / 2_592_000, "months"),
        _ => (abs / 31_536_000, "years"),
    };
    if seconds >= 0 { format!("{n} {unit} ago") } else { format!("in {n} {unit}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_sort_keys_follow_rt() {
        assert_eq!(title_of("id"), "#");
        assert_eq!(title_of("QueueName"), "Queue");
        assert_eq!(title_of("LastUpdatedRelative"), "Last Updated");
        assert_eq!(title_of("CF.{Due Date}"), "Due Date");
        assert_eq!(sort_key("CreatedRelative"), "Created");
    }

    #[test]
    fn relative_dates() {
        let now = DateTime::from_timestamp(1_000_000_000, 0).unwrap_or_default();
        assert_eq!(relative(now - chrono::Duration::minutes(5), now), "5 min ago");
        assert_eq!(relative(now - chrono::Duration::hours(3), now), "3 hours ago");
        assert_eq!(relative(now + chrono::Duration::days(3), now), "in 3 days");
    }
}
