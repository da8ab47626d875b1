//! `/Search/Build.html`: RT's query builder, with the display-columns
//! (Format) editor, sorting, rows per page and saved searches.
//!
//! The page is one form (POST with the session's CSRF token; a GET with
//! the same parameters shows the same page, so links such as
//! `Build.html?Query=…` and `Build.html?SavedSearchLoad=12` work, but a GET
//! never saves or deletes). The parameters are RT's:
//! - the search: `Query`, `Format`, `OrderBy`/`Order` (up to four of each,
//!   or RT's `|`-joined form), `RowsPerPage`;
//! - new criteria: `ValueOf<Name>`, `<Name>Op` and, for rows that choose a
//!   field, `<Name>Field` (`Queue`, `Status`, `Actor`, `Watcher`, `Date`,
//!   `Time`, `Priority`, `Attachment`, `Links`, `id`, and custom fields
//!   as `'CF.{Name}'`; `CF.{Name}` unquoted is read too), joined to the
//!   query with `AndOr`; `AddClause` adds them, `DoSearch` adds them and
//!   shows the results;
//! - the current query's clauses: `clauses` (their numbers in the list)
//!   with `DeleteClause`, `Toggle` (AND ↔ OR of their group), `Right`
//!   (put them in parentheses, as a group of the other joiner), `Up`,
//!   `Down`;
//! - columns: `SelectDisplayColumns` with `Link`, `Title`, `Size`, `Face`
//!   and `AddCol`; `CurrentDisplayColumns` with `ColUp`, `ColDown`,
//!   `RemoveCol`;
//! - saved searches: `SavedSearchId`, `SavedSearchDescription` (the name),
//!   `SavedSearchOwner` (RT's privacy string), `SavedSearchSave` (create,
//!   or update the loaded one), `SavedSearchDelete`, `SavedSearchLoad`.
//!
//! The query is parsed and rebuilt by rt-core (`search::parse`, `Expr`'s
//! TicketSQL), so what the builder writes always reads back. Bad input (a
//! query that does not parse, a criterion whose value does not fit its
//! field, a bad sort or page size) is shown on the page next to what was
//! typed, with status 400, and nothing else in that request is applied;
//! a refused saved-search right shows the page with status 403.

use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::search::{DEFAULT_FORMAT, Expr, parse, parse_format, parse_order_by};
use rt_core::{NewSavedSearch, Rt, SavedSearchId, SavedSearchUpdate, SearchOwner, Tx};
use serde::Serialize;

use super::{Answer, Audience, PageError, Viewer, context, render, run, run_post};

/// A form's fields, in order, repeated names kept.
pub(crate) struct Form(pub Vec<(String, String)>);

impl Form {
    /// The fields of a URL-encoded text (a query string or a POST body).
    pub(crate) fn parse(text: &[u8]) -> Form {
        Form(form_urlencoded::parse(text).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The last value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The last value of `name`, when not blank.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// Every value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether `name` was sent (a pressed submit button).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// `GET /Search/Build.html`.
pub(crate) async fn form(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let form = Form::parse(req.uri().query().unwrap_or("").as_bytes());
    let site = rt.clone().into_inner();
    run(&req, rt, Audience::Privileged, move |viewer| builder(&site, viewer, &form, false)).await
}

/// `POST /Search/Build.html`.
pub(crate) async fn submit(req: HttpRequest, rt: web::Data<Rt>, body: web::Bytes) -> HttpResponse {
    let form = Form::parse(&body);
    let token = form.get("CSRF").map(str::to_string);
    let site = rt.clone().into_inner();
    run_post(&req, rt, token, move |viewer| builder(&site, viewer, &form, true)).await
}

/// The criteria rows, as RT's `Search/Elements/PickBasics` names them:
/// (name, label, field choices, operators, value kind).
const CRITERIA: &[Criterion] = &[
    ("id", "Id", &[], NUMBER_OPS, Values::Text),
    (
        "Attachment",
        "Attachment",
        &[("Subject", "Subject"), ("Content", "Content"), ("Filename", "Filename"), ("ContentType", "Content type")],
        MATCH_OPS,
        Values::Text,
    ),
    ("Queue", "Queue", &[], EQ_OPS, Values::Queues),
    ("Status", "Status", &[], EQ_OPS, Values::Statuses),
    (
        "Actor",
        "Person",
        &[("Owner", "Owner"), ("Creator", "Creator"), ("LastUpdatedBy", "Last updated by")],
        EQ_OPS,
        Values::Text,
    ),
    (
        "Watcher",
        "Watcher",
        &[
            ("Requestor.EmailAddress", "Requestor"),
            ("Cc.EmailAddress", "Cc"),
            ("AdminCc.EmailAddress", "AdminCc"),
            ("Watcher.EmailAddress", "Any watcher"),
        ],
        MATCH_OPS,
        Values::Text,
    ),
    (
        "Date",
        "Date",
        &[
            ("Created", "Created"),
            ("Started", "Started"),
            ("Resolved", "Resolved"),
            ("Told", "Last contacted"),
            ("LastUpdated", "Last updated"),
            ("Starts", "Starts"),
            ("Due", "Due"),
        ],
        &[("<", "before"), ("=", "on"), (">", "after")],
        Values::Text,
    ),
    (
        "Time",
        "Time",
        &[("TimeWorked", "Time worked"), ("TimeEstimated", "Time estimated"), ("TimeLeft", "Time left")],
        NUMBER_OPS,
        Values::Text,
    ),
    (
        "Priority",
        "Priority",
        &[("Priority", "Priority"), ("InitialPriority", "Initial priority"), ("FinalPriority", "Final priority")],
        NUMBER_OPS,
        Values::Text,
    ),
    (
        "Links",
        "Links",
        &[
            ("DependsOn", "Depends on"),
            ("DependedOnBy", "Depended on by"),
            ("MemberOf", "Member of"),
            ("HasMember", "Has member"),
            ("RefersTo", "Refers to"),
            ("ReferredToBy", "Referred to by"),
        ],
        EQ_OPS,
        Values::Text,
    ),
];

/// A criterion row: name, label, field choices, operators, value kind.
type Criterion = (&'static str, &'static str, Pairs, Pairs, Values);

/// `(value, label)` choices.
type Pairs = &'static [(&'static str, &'static str)];

const NUMBER_OPS: &[(&str, &str)] = &[("<", "less than"), ("=", "equal to"), (">", "greater than")];
const EQ_OPS: &[(&str, &str)] = &[("=", "is"), ("!=", "isn't")];
const MATCH_OPS: &[(&str, &str)] = &[("LIKE", "matches"), ("NOT LIKE", "doesn't match"), ("=", "is"), ("!=", "isn't")];
const CF_OPS: &[(&str, &str)] = &[
    ("LIKE", "matches"),
    ("NOT LIKE", "doesn't match"),
    ("=", "is"),
    ("!=", "isn't"),
    ("<", "less than"),
    (">", "greater than"),
];

/// What a criterion's value is chosen from.
#[derive(Debug, Clone, Copy)]
enum Values {
    Text,
    Queues,
    Statuses,
}

/// RT's column names offered in the columns editor (`BuildFormatString`).
const COLUMNS: &[&str] = &[
    "id",
    "QueueName",
    "Subject",
    "Status",
    "Type",
    "OwnerName",
    "Requestors",
    "Cc",
    "AdminCc",
    "CreatedBy",
    "LastUpdatedBy",
    "Priority",
    "InitialPriority",
    "FinalPriority",
    "TimeWorked",
    "TimeLeft",
    "TimeEstimated",
    "Starts",
    "StartsRelative",
    "Started",
    "StartedRelative",
    "Created",
    "CreatedRelative",
    "LastUpdated",
    "LastUpdatedRelative",
    "Told",
    "ToldRelative",
    "Due",
    "DueRelative",
    "Resolved",
    "ResolvedRelative",
    "SLA",
    "NEWLINE",
    "NBSP",
];

/// The fields offered for sorting.
const SORT_FIELDS: &[&str] = &[
    "id",
    "Subject",
    "Status",
    "Queue",
    "Owner",
    "Priority",
    "InitialPriority",
    "FinalPriority",
    "Created",
    "LastUpdated",
    "Told",
    "Starts",
    "Started",
    "Due",
    "Resolved",
    "TimeWorked",
    "TimeLeft",
    "TimeEstimated",
    "Requestor.EmailAddress",
];

/// Link choices of a new column, with the prefix RT writes for each.
const LINKS: &[(&str, &str, &str)] = &[
    ("None", "No link", ""),
    ("Display", "Display ticket", "<a href=\"__WebPath__/Ticket/Display.html?id=__id__\">"),
    ("Take", "Take ticket", "<a href=\"__WebPath__/Ticket/Display.html?Action=Take&id=__id__\">"),
    ("Respond", "Reply to ticket", "<a href=\"__WebPath__/Ticket/Update.html?Action=Respond&id=__id__\">"),
    ("Comment", "Comment on ticket", "<a href=\"__WebPath__/Ticket/Update.html?Action=Comment&id=__id__\">"),
    (
        "Resolve",
        "Resolve ticket",
        "<a href=\"__WebPath__/Ticket/Update.html?Action=Comment&DefaultStatus=resolved&id=__id__\">",
    ),
];

/// One criterion row as the template shows it.
#[derive(Debug, Serialize)]
struct Row {
    /// RT's parameter stem (`Queue`, `'CF.{Colour}'`).
    name: String,
    /// A safe stem for element ids.
    slug: String,
    label: String,
    fields: Vec<Choice>,
    ops: Vec<Choice>,
    /// Choices of the value, empty for a text input.
    values: Vec<Choice>,
    value: String,
    error: Option<String>,
}

/// An `<option>`.
#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices<'a>(options: impl IntoIterator<Item = (&'a str, &'a str)>, current: Option<&str>) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice { value: value.into(), label: label.into(), selected: current == Some(value) })
        .collect()
}

/// One entry of the current query's clause list.
#[derive(Debug, Serialize)]
struct Clause {
    index: usize,
    depth: usize,
    text: String,
    selected: bool,
}

/// One entry of the current columns.
#[derive(Debug, Serialize)]
struct ColumnEntry {
    index: usize,
    label: String,
    selected: bool,
}

/// The builder's state.
struct State {
    query: String,
    format: String,
    order_by: Vec<String>,
    order: Vec<String>,
    rows: String,
    saved_id: Option<SavedSearchId>,
    description: String,
    owner: String,
}

/// What went wrong, shown beside its field.
#[derive(Default)]
struct Problems {
    status: Option<StatusCode>,
    by_field: HashMap<String, String>,
}

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>, status: StatusCode) {
        self.by_field.entry(field.to_string()).or_insert_with(|| message.into());
        if self.status.is_none() {
            self.status = Some(status);
        }
    }

    fn any(&self) -> bool {
        !self.by_field.is_empty()
    }

    fn of(&self, field: &str) -> Option<String> {
        self.by_field.get(field).cloned()
    }
}

fn builder(site: &Rt, viewer: &Viewer, form: &Form, post: bool) -> Result<Answer, PageError> {
    let mut problems = Problems::default();
    let mut messages = Vec::new();
    let mut order_by: Vec<String> = form.all("OrderBy").iter().flat_map(|v| v.split('|')).map(str::to_string).collect();
    let mut order: Vec<String> = form.all("Order").iter().flat_map(|v| v.split('|')).map(str::to_string).collect();
    if order_by.is_empty() {
        order_by.push("id".into());
        order.push("ASC".into());
    }
    let mut state = State {
        query: form.get("Query").unwrap_or_default().to_string(),
        format: form.get("Format").unwrap_or_default().trim().to_string(),
        order_by,
        order,
        rows: form.get("RowsPerPage").or_else(|| form.get("Rows")).unwrap_or("50").trim().to_string(),
        saved_id: form.value("SavedSearchId").and_then(|v| v.trim().parse().ok()).map(SavedSearchId),
        description: form.get("SavedSearchDescription").unwrap_or_default().to_string(),
        owner: form.get("SavedSearchOwner").unwrap_or_default().to_string(),
    };
    if form.has("NewQuery") {
        state = State {
            query: String::new(),
            format: String::new(),
            order_by: vec!["id".into()],
            order: vec!["ASC".into()],
            rows: "50".into(),
            saved_id: None,
            description: String::new(),
            owner: String::new(),
        };
    }
    let load = form.value("SavedSearchLoad").filter(|_| !post || form.has("SavedSearchLoadSubmit"));
    if let Some(load) = load.and_then(|v| v.trim().parse().ok()).map(SavedSearchId) {
        let saved = viewer.session.read(|tx| tx.saved_search(load))?;
        state = State {
            query: saved.query,
            format: saved.format,
            order_by: saved.order_by.split('|').map(str::to_string).collect(),
            order: saved.order.split('|').map(str::to_string).collect(),
            rows: saved.rows_per_page.to_string(),
            saved_id: Some(saved.id),
            description: saved.name.clone(),
            owner: saved.owner.privacy(),
        };
        messages.push(format!("Loaded saved search \"{}\".", saved.name));
    }

    // The query, its clause operations and new criteria.
    let mut tree = match parse(&state.query) {
        Ok(expr) => Some(as_group(expr)),
        Err(e) => {
            problems.add("Query", format!("The query does not read: {e}"), StatusCode::BAD_REQUEST);
            None
        }
    };
    let selected: BTreeSet<usize> = form.all("clauses").iter().filter_map(|v| v.trim().parse().ok()).collect();
    let custom_fields = viewer.session.read(ticket_cf_names)?;
    if let Some(root) = tree.as_mut() {
        let paths: Vec<Vec<usize>> = flatten(root).into_iter().map(|(path, _)| path).collect();
        let chosen: Vec<Vec<usize>> = selected.iter().filter_map(|i| paths.get(*i).cloned()).collect();
        if form.has("DeleteClause") {
            delete(root, &chosen);
        } else if form.has("Toggle") {
            toggle(root, &chosen);
        } else if form.has("Right") {
            group(root, &chosen);
        } else if form.has("Up") || form.has("Down") {
            shift(root, &chosen, form.has("Up"));
        }
        let new_terms = new_terms(form, &custom_fields, viewer.tz, &mut problems);
        if !new_terms.is_empty() && !problems.any() {
            let joiner_or = form.get("AndOr").is_some_and(|v| v.eq_ignore_ascii_case("OR"));
            append(root, new_terms, joiner_or);
        }
        normalize(root);
        if !problems.any() {
            state.query = root.to_string();
        }
    }

    // Columns.
    let mut columns = match parse_format(if state.format.is_empty() { DEFAULT_FORMAT } else { &state.format }) {
        Ok(format) => Some(entries(&format)),
        Err(e) => {
            problems.add("Format", format!("The format does not read: Format {e}"), StatusCode::BAD_REQUEST);
            None
        }
    };
    let mut current_column = form.value("CurrentDisplayColumns").and_then(|v| v.trim().parse::<usize>().ok());
    if let Some(cols) = columns.as_mut() {
        let changed = edit_columns(form, cols, &mut current_column, &mut problems);
        if changed && !problems.any() {
            state.format = cols.iter().map(|(text, _)| text.clone()).collect::<Vec<_>>().join(",\n");
        }
    }

    // Sorting and rows per page.
    let pairs: Vec<(String, String)> = state
        .order_by
        .iter()
        .zip(state.order.iter().map(Some).chain(std::iter::repeat(None)))
        .filter(|(key, _)| !key.trim().is_empty())
        .take(4)
        .map(|(key, dir)| (key.trim().to_string(), dir.map_or("ASC", |d| d.trim()).to_string()))
        .collect();
    let joined_by = pairs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join("|");
    let joined_order = pairs.iter().map(|(_, d)| d.as_str()).collect::<Vec<_>>().join("|");
    if let Err(e) = parse_order_by(&joined_by, &joined_order) {
        problems.add("OrderBy", format!("The sort does not read: {e}"), StatusCode::BAD_REQUEST);
    }
    let rows: Option<u32> = state.rows.parse().ok().filter(|n| *n <= 10_000);
    if rows.is_none() {
        problems.add("RowsPerPage", "Rows per page must be a number from 0 (all) to 10000.", StatusCode::BAD_REQUEST);
    }

    // Saved searches (POST only) and the search itself.
    if post && !problems.any() && (form.has("SavedSearchSave") || form.has("SavedSearchDelete")) {
        save_or_delete(
            viewer,
            form,
            &mut state,
            &joined_by,
            &joined_order,
            rows.unwrap_or(50),
            &mut problems,
            &mut messages,
        )?;
    }
    if form.has("DoSearch") && !problems.any() {
        let rows = rows.unwrap_or(50).to_string();
        let saved = state.saved_id.map(|id| id.to_string()).unwrap_or_default();
        let mut pairs = vec![
            ("Query", state.query.as_str()),
            ("Format", state.format.as_str()),
            ("OrderBy", joined_by.as_str()),
            ("Order", joined_order.as_str()),
            ("RowsPerPage", rows.as_str()),
        ];
        if !saved.is_empty() {
            pairs.push(("SavedSearchId", &saved));
        }
        return Ok(Answer::Redirect(format!("/Search/Results.html?{}", super::query_string(&pairs))));
    }

    // The page.
    let mut ctx = context(site, Some(viewer), "Query Builder");
    ctx.insert("messages", &messages);
    ctx.insert("query", &state.query);
    ctx.insert("query_error", &problems.of("Query"));
    let clauses: Vec<Clause> = match &tree {
        Some(root) if !problems.any() => flatten(root)
            .into_iter()
            .enumerate()
            .map(|(index, (path, text))| Clause { index, depth: path.len() - 1, text, selected: false })
            .collect(),
        _ => Vec::new(),
    };
    ctx.insert("clauses", &clauses);
    let criteria = viewer.session.read(|tx| criteria_rows(tx, form, &custom_fields, &problems))?;
    ctx.insert("criteria", &criteria);
    ctx.insert("and_or_is_or", &form.get("AndOr").is_some_and(|v| v.eq_ignore_ascii_case("OR")));
    ctx.insert("format", &state.format);
    ctx.insert("format_error", &problems.of("Format"));
    ctx.insert("column_error", &problems.of("SelectDisplayColumns"));
    let current: Vec<ColumnEntry> = columns
        .as_ref()
        .map(|cols| {
            cols.iter()
                .enumerate()
                .map(|(index, (_, label))| ColumnEntry {
                    index,
                    label: label.clone(),
                    selected: current_column == Some(index),
                })
                .collect()
        })
        .unwrap_or_default();
    ctx.insert("columns", &current);
    let mut available: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    available.extend(custom_fields.iter().map(|name| format!("CustomField.{{{name}}}")));
    ctx.insert("available", &available);
    ctx.insert(
        "links",
        &LINKS
            .iter()
            .map(|(v, l, _)| Choice { value: (*v).into(), label: (*l).into(), selected: false })
            .collect::<Vec<_>>(),
    );
    let sorts: Vec<(Vec<Choice>, bool)> = (0..4)
        .map(|i| {
            let current = pairs.get(i);
            let key = current.map(|(k, _)| k.as_str()).unwrap_or("");
            let mut options = vec![Choice { value: String::new(), label: "(none)".into(), selected: key.is_empty() }];
            let mut known = false;
            for f in SORT_FIELDS {
                known |= *f == key;
                options.push(Choice { value: (*f).into(), label: (*f).into(), selected: *f == key });
            }
            if !known && !key.is_empty() {
                options.push(Choice { value: key.into(), label: key.into(), selected: true });
            }
            (options, current.is_some_and(|(_, d)| d.eq_ignore_ascii_case("DESC")))
        })
        .collect();
    ctx.insert("sorts", &sorts);
    ctx.insert("sort_error", &problems.of("OrderBy"));
    ctx.insert("rows", &state.rows);
    ctx.insert("rows_error", &problems.of("RowsPerPage"));
    let (owners, loadable, can_save) = viewer.session.read(|tx| saved_choices(tx, viewer, &state.owner))?;
    ctx.insert("owners", &owners);
    ctx.insert("loadable", &loadable);
    ctx.insert("can_save", &can_save);
    ctx.insert("saved_id", &state.saved_id.map(|id| id.get()));
    ctx.insert("description", &state.description);
    ctx.insert("saved_error", &problems.of("SavedSearch"));
    let results = super::query_string(&[
        ("Query", &state.query),
        ("Format", &state.format),
        ("OrderBy", &joined_by),
        ("Order", &joined_order),
        ("RowsPerPage", &state.rows),
    ]);
    ctx.insert("results_url", &format!("/Search/Results.html?{results}"));
    let status = problems.status.unwrap_or(StatusCode::OK);
    Ok(Answer::Page(status, render("build.html", &ctx)?))
}

/// The names of the ticket custom fields the user may see.
fn ticket_cf_names(tx: &mut Tx<'_>) -> rt_core::Result<Vec<String>> {
    Ok(tx
        .visible_custom_fields()?
        .into_iter()
        .filter(|cf| !cf.disabled && cf.lookup == rt_core::LookupType::Ticket)
        .map(|cf| cf.name)
        .collect())
}

/// The criteria rows with what was typed (kept when something failed).
fn criteria_rows(
    tx: &mut Tx<'_>,
    form: &Form,
    custom_fields: &[String],
    problems: &Problems,
) -> rt_core::Result<Vec<Row>> {
    // What was typed is shown again only when it was not added.
    let keep = problems.any();
    let typed = |name: &str| if keep { form.get(name).map(str::to_string) } else { None };
    let mut rows = Vec::new();
    for (name, label, fields, ops, values) in CRITERIA {
        let value_choices = match values {
            Values::Text => Vec::new(),
            Values::Queues => {
                let mut names: Vec<String> = tx.queues()?.into_iter().filter(|q| !q.disabled).map(|q| q.name).collect();
                names.sort();
                let current = typed(&format!("ValueOf{name}"));
                let mut list = vec![Choice { value: String::new(), label: "-".into(), selected: false }];
                list.extend(names.into_iter().map(|q| Choice {
                    selected: current.as_deref() == Some(q.as_str()),
                    label: q.clone(),
                    value: q,
                }));
                list
            }
            Values::Statuses => {
                let mut seen = BTreeSet::new();
                let current = typed(&format!("ValueOf{name}"));
                let mut list = vec![
                    Choice { value: String::new(), label: "-".into(), selected: false },
                    Choice { value: "__Active__".into(), label: "Active".into(), selected: false },
                    Choice { value: "__Inactive__".into(), label: "Inactive".into(), selected: false },
                ];
                for lc in tx.lifecycles().iter() {
                    for s in lc.statuses() {
                        if seen.insert(s.to_string()) {
                            list.push(Choice { value: s.into(), label: s.into(), selected: false });
                        }
                    }
                }
                for c in &mut list {
                    c.selected = current.as_deref() == Some(c.value.as_str()) && !c.value.is_empty();
                }
                list
            }
        };
        rows.push(Row {
            name: (*name).into(),
            slug: (*name).to_ascii_lowercase(),
            label: (*label).into(),
            fields: choices(fields.iter().copied(), typed(&format!("{name}Field")).as_deref()),
            ops: choices(ops.iter().copied(), typed(&format!("{name}Op")).as_deref()),
            values: value_choices,
            value: typed(&format!("ValueOf{name}")).unwrap_or_default(),
            error: problems.of(&format!("ValueOf{name}")),
        });
    }
    for (i, cf) in custom_fields.iter().enumerate() {
        let name = format!("'CF.{{{cf}}}'");
        rows.push(Row {
            slug: format!("cf-{i}"),
            label: cf.clone(),
            fields: Vec::new(),
            ops: choices(CF_OPS.iter().copied(), typed(&format!("{name}Op")).as_deref()),
            values: Vec::new(),
            value: typed(&format!("ValueOf{name}")).unwrap_or_default(),
            error: problems.of(&format!("ValueOf{name}")),
            name,
        });
    }
    Ok(rows)
}

/// The new clauses the form asks for, each checked by parsing it.
fn new_terms(form: &Form, custom_fields: &[String], tz: chrono_tz::Tz, problems: &mut Problems) -> Vec<Expr> {
    let mut terms = Vec::new();
    for (key, value) in &form.0 {
        let Some(stem) = key.strip_prefix("ValueOf") else { continue };
        if value.trim().is_empty() {
            continue;
        }
        let known = CRITERIA.iter().find(|c| c.0 == stem);
        let cf = stem.trim_matches('\'').strip_prefix("CF.{").and_then(|s| s.strip_suffix('}'));
        let field = match (known, cf) {
            (Some((name, _, fields, _, _)), _) => {
                let chosen = form.get(&format!("{name}Field"));
                match chosen {
                    Some(f) if fields.iter().any(|(v, _)| *v == f) => f.to_string(),
                    Some(f) => {
                        problems.add(key, format!("'{f}' is not a field of this row."), StatusCode::BAD_REQUEST);
                        continue;
                    }
                    None if fields.is_empty() => (*name).to_string(),
                    None => fields[0].0.to_string(),
                }
            }
            (None, Some(name)) if custom_fields.iter().any(|c| c == name) => format!("'CF.{{{name}}}'"),
            _ => {
                problems.add(key, format!("Unknown search criterion '{stem}'."), StatusCode::BAD_REQUEST);
                continue;
            }
        };
        let op = form.get(&format!("{stem}Op")).unwrap_or("=").trim();
        let allowed = known.map_or(CF_OPS, |c| c.3);
        if !allowed.iter().any(|(o, _)| *o == op) {
            problems.add(key, format!("'{op}' is not an operator of this row."), StatusCode::BAD_REQUEST);
            continue;
        }
        let value = value.trim();
        // Dates are read only when the search runs; check them now.
        if stem == "Date" && rt_core::search::parse_date(value, chrono::Utc::now(), tz).is_err() {
            problems.add(key, format!("'{value}' is not a date RT understands."), StatusCode::BAD_REQUEST);
            continue;
        }
        let literal = if value.parse::<i64>().is_ok() {
            value.to_string()
        } else {
            format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
        };
        let clause = format!("{field} {op} {literal}");
        match parse(&clause) {
            Ok(expr) => terms.push(expr),
            Err(e) => problems.add(key, format!("{value}: {}", e.message), StatusCode::BAD_REQUEST),
        }
    }
    terms
}

/// The tree as a group at its root.
fn as_group(expr: Expr) -> Expr {
    match expr {
        Expr::Cond(_) => Expr::And(vec![expr]),
        group => group,
    }
}

fn children(expr: &Expr) -> &[Expr] {
    match expr {
        Expr::And(v) | Expr::Or(v) => v,
        Expr::Cond(_) => &[],
    }
}

fn children_mut(expr: &mut Expr) -> Option<&mut Vec<Expr>> {
    match expr {
        Expr::And(v) | Expr::Or(v) => Some(v),
        Expr::Cond(_) => None,
    }
}

fn node_mut<'a>(root: &'a mut Expr, path: &[usize]) -> Option<&'a mut Expr> {
    let mut node = root;
    for i in path {
        node = children_mut(node)?.get_mut(*i)?;
    }
    Some(node)
}

/// Every node below the root, depth first, with its path and its text (a
/// group as its joiner).
fn flatten(root: &Expr) -> Vec<(Vec<usize>, String)> {
    fn walk(expr: &Expr, path: &mut Vec<usize>, out: &mut Vec<(Vec<usize>, String)>) {
        for (i, child) in children(expr).iter().enumerate() {
            path.push(i);
            let text = match child {
                Expr::Cond(c) => c.to_string(),
                Expr::And(_) => "AND group".into(),
                Expr::Or(_) => "OR group".into(),
            };
            out.push((path.clone(), text));
            walk(child, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), &mut out);
    out
}

fn delete(root: &mut Expr, chosen: &[Vec<usize>]) {
    let mut paths = chosen.to_vec();
    paths.sort();
    for path in paths.iter().rev() {
        let Some((last, parent)) = path.split_last() else { continue };
        if let Some(list) = node_mut(root, parent).and_then(children_mut)
            && *last < list.len()
        {
            list.remove(*last);
        }
    }
}

fn toggle(root: &mut Expr, chosen: &[Vec<usize>]) {
    let parents: BTreeSet<Vec<usize>> = chosen.iter().filter_map(|p| p.split_last().map(|(_, p)| p.to_vec())).collect();
    for parent in parents {
        if let Some(node) = node_mut(root, &parent) {
            *node = match std::mem::replace(node, Expr::And(Vec::new())) {
                Expr::And(v) => Expr::Or(v),
                Expr::Or(v) => Expr::And(v),
                cond => cond,
            };
        }
    }
}

/// Puts the chosen siblings of the first chosen node in parentheses, as a
/// group of the other joiner (a group of the same joiner would mean
/// nothing).
fn group(root: &mut Expr, chosen: &[Vec<usize>]) {
    let Some((_, parent)) = chosen.first().and_then(|p| p.split_last()) else { return };
    let parent = parent.to_vec();
    let mut indices: Vec<usize> = chosen
        .iter()
        .filter(|p| p.len() == parent.len() + 1 && p.starts_with(&parent))
        .map(|p| p[parent.len()])
        .collect();
    indices.sort_unstable();
    indices.dedup();
    let Some(node) = node_mut(root, &parent) else { return };
    let is_and = matches!(node, Expr::And(_));
    let Some(list) = children_mut(node) else { return };
    if indices.len() < 2 && list.len() < 2 {
        return;
    }
    let first = indices[0];
    let mut taken = Vec::new();
    for i in indices.iter().rev() {
        if *i < list.len() {
            taken.push(list.remove(*i));
        }
    }
    taken.reverse();
    let group = if is_and { Expr::Or(taken) } else { Expr::And(taken) };
    list.insert(first.min(list.len()), group);
}

fn shift(root: &mut Expr, chosen: &[Vec<usize>], up: bool) {
    let Some((last, parent)) = chosen.first().and_then(|p| p.split_last()) else { return };
    let (last, parent) = (*last, parent.to_vec());
    if let Some(list) = node_mut(root, &parent).and_then(children_mut) {
        if up && last > 0 {
            list.swap(last, last - 1);
        } else if !up && last + 1 < list.len() {
            list.swap(last, last + 1);
        }
    }
}

fn append(root: &mut Expr, terms: Vec<Expr>, or: bool) {
    let matches_root = matches!((&*root, or), (Expr::Or(_), true) | (Expr::And(_), false));
    let empty = children(root).is_empty();
    if matches_root || empty {
        let mut list = std::mem::take(children_mut(root).unwrap_or(&mut Vec::new()));
        list.extend(terms);
        *root = if or { Expr::Or(list) } else { Expr::And(list) };
    } else {
        let old = std::mem::replace(root, Expr::And(Vec::new()));
        let mut list = vec![old];
        list.extend(terms);
        *root = if or { Expr::Or(list) } else { Expr::And(list) };
    }
}

/// Removes empty groups, lifts single-member groups and merges a group
/// into its parent of the same joiner, so the text reads back the same.
fn normalize(expr: &mut Expr) {
    let is_and = matches!(expr, Expr::And(_));
    let Some(list) = children_mut(expr) else { return };
    let old = std::mem::take(list);
    for mut child in old {
        normalize(&mut child);
        match child {
            Expr::Cond(_) => list.push(child),
            Expr::And(mut v) | Expr::Or(mut v) if v.len() <= 1 => list.append(&mut v),
            Expr::And(v) if is_and => list.extend(v),
            Expr::Or(v) if !is_and => list.extend(v),
            group => list.push(group),
        }
    }
    if list.len() == 1 && !matches!(list[0], Expr::Cond(_)) {
        let only = list.remove(0);
        *expr = only;
    }
}

/// The columns of a format as editable entries: each column's text in
/// RT's syntax (a row break as `'__NEWLINE__'`) and its label.
fn entries(format: &rt_core::search::Format) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, row) in format.rows.iter().enumerate() {
        if i > 0 {
            out.push(("'__NEWLINE__'".to_string(), "NEWLINE".to_string()));
        }
        for column in row {
            let label = if column.is_spacer() {
                "NBSP".to_string()
            } else {
                match (column.column_name(), &column.title) {
                    (Some(name), Some(title)) if !title.is_empty() && title != name => format!("{name} ({title})"),
                    (Some(name), _) => name.to_string(),
                    (None, _) => "(blank)".to_string(),
                }
            };
            out.push((column.to_string(), label));
        }
    }
    out
}

/// Applies `AddCol`, `RemoveCol`, `ColUp`, `ColDown`; true when the
/// columns changed.
fn edit_columns(
    form: &Form,
    cols: &mut Vec<(String, String)>,
    current: &mut Option<usize>,
    problems: &mut Problems,
) -> bool {
    if form.has("AddCol") {
        let link = form.get("Link").unwrap_or("None");
        let Some((_, _, prefix)) = LINKS.iter().find(|(v, _, _)| *v == link) else {
            problems.add("SelectDisplayColumns", format!("'{link}' is not a link choice."), StatusCode::BAD_REQUEST);
            return false;
        };
        let selected = form.all("SelectDisplayColumns");
        if selected.is_empty() {
            problems.add("SelectDisplayColumns", "Choose a column to add.", StatusCode::BAD_REQUEST);
            return false;
        }
        let title = form.get("Title").unwrap_or_default().trim().replace('/', " ");
        let (face_open, face_close) = match form.get("Face").unwrap_or("") {
            "Bold" => ("<b>", "</b>"),
            "Italic" => ("<i>", "</i>"),
            _ => ("", ""),
        };
        let (size_open, size_close) =
            if form.get("Size") == Some("Small") { ("<small>", "</small>") } else { ("", "") };
        for name in selected {
            let valid = COLUMNS.contains(&name)
                || name.strip_prefix("CustomField.{").is_some_and(|rest| rest.ends_with('}') && rest.len() > 1);
            if !valid {
                problems.add("SelectDisplayColumns", format!("'{name}' is not a column."), StatusCode::BAD_REQUEST);
                return false;
            }
            let mut text = format!("{face_open}{size_open}{prefix}__{name}__");
            if !prefix.is_empty() {
                text.push_str("</a>");
            }
            text.push_str(size_close);
            text.push_str(face_close);
            if !title.is_empty() {
                text.push_str("/TITLE:");
                text.push_str(&title);
            }
            let quoted = format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"));
            match parse_format(&quoted) {
                Ok(format) => {
                    let mut added = entries(&format);
                    if name == "NEWLINE" || name == "NBSP" {
                        let word = format!("'__{name}__'");
                        added = vec![(word, name.to_string())];
                    }
                    cols.extend(added);
                }
                Err(e) => {
                    problems.add("SelectDisplayColumns", format!("{name}: {e}"), StatusCode::BAD_REQUEST);
                    return false;
                }
            }
        }
        return true;
    }
    let Some(index) = current.filter(|i| *i < cols.len()) else { return false };
    if form.has("RemoveCol") {
        cols.remove(index);
        *current = None;
        true
    } else if form.has("ColUp") && index > 0 {
        cols.swap(index, index - 1);
        *current = Some(index - 1);
        true
    } else if form.has("ColDown") && index + 1 < cols.len() {
        cols.swap(index, index + 1);
        *current = Some(index + 1);
        true
    } else {
        false
    }
}

/// The owners the user may save for, the searches they may load, and
/// whether they may save at all.
fn saved_choices(tx: &mut Tx<'_>, viewer: &Viewer, current: &str) -> rt_core::Result<(Vec<Choice>, Vec<Choice>, bool)> {
    let mut owners = Vec::new();
    for owner in tx.saved_search_owners()? {
        let label = owner_label(tx, viewer, owner)?;
        let value = owner.privacy();
        owners.push(Choice { selected: value == current, value, label });
    }
    let mut loadable = Vec::new();
    for search in tx.saved_searches()? {
        if search.search_type != "Ticket" {
            continue;
        }
        let label = format!("{} ({})", search.name, owner_label(tx, viewer, search.owner)?);
        loadable.push(Choice { value: search.id.to_string(), label, selected: false });
    }
    let can_save = !owners.is_empty();
    Ok((owners, loadable, can_save))
}

fn owner_label(tx: &mut Tx<'_>, viewer: &Viewer, owner: SearchOwner) -> rt_core::Result<String> {
    Ok(match owner {
        SearchOwner::User(u) if u == viewer.user.user_id() => "My saved searches".into(),
        SearchOwner::User(u) => format!("User #{u}"),
        SearchOwner::Group(g) => match tx.group(g) {
            Ok(group) => format!("Group {}", group.name),
            Err(_) => format!("Group #{g}"),
        },
        SearchOwner::System => "System".into(),
    })
}

#[allow(clippy::too_many_arguments)]
fn save_or_delete(
    viewer: &Viewer,
    form: &Form,
    state: &mut State,
    order_by: &str,
    order: &str,
    rows: u32,
    problems: &mut Problems,
    messages: &mut Vec<String>,
) -> Result<(), PageError> {
    let refused = |e: rt_core::Error, problems: &mut Problems| -> Result<(), PageError> {
        match e {
            rt_core::Error::PermissionDenied { .. } => {
                problems.add("SavedSearch", "You may not change these saved searches.", StatusCode::FORBIDDEN);
                Ok(())
            }
            e @ (rt_core::Error::Validation { .. } | rt_core::Error::Conflict(_)) => {
                problems.add("SavedSearch", e.to_string(), StatusCode::BAD_REQUEST);
                Ok(())
            }
            rt_core::Error::NotFound { .. } => {
                problems.add("SavedSearch", "No such saved search.", StatusCode::NOT_FOUND);
                Ok(())
            }
            e => Err(PageError::Core(e)),
        }
    };
    if form.has("SavedSearchDelete") {
        let Some(id) = state.saved_id else {
            problems.add("SavedSearch", "No saved search is loaded.", StatusCode::BAD_REQUEST);
            return Ok(());
        };
        match viewer.session.write(|tx| tx.delete_saved_search(id)) {
            Ok(()) => {
                messages.push(format!("Deleted saved search \"{}\".", state.description));
                state.saved_id = None;
                state.description.clear();
                Ok(())
            }
            Err(e) => refused(e, problems),
        }
    } else {
        let name = state.description.trim().to_string();
        if name.is_empty() {
            problems.add("SavedSearch", "A saved search needs a description.", StatusCode::BAD_REQUEST);
            return Ok(());
        }
        let owner = match SearchOwner::from_privacy(&state.owner) {
            Some(owner) => owner,
            None if state.owner.trim().is_empty() => SearchOwner::User(viewer.user.user_id()),
            None => {
                problems.add(
                    "SavedSearch",
                    format!("'{}' is no owner of saved searches.", state.owner),
                    StatusCode::BAD_REQUEST,
                );
                return Ok(());
            }
        };
        let result = match state.saved_id {
            Some(id) => viewer
                .session
                .write(|tx| {
                    tx.update_saved_search(
                        id,
                        &SavedSearchUpdate {
                            owner: Some(owner),
                            name: Some(name.clone()),
                            query: Some(state.query.clone()),
                            format: Some(state.format.clone()),
                            order_by: Some(order_by.into()),
                            order: Some(order.into()),
                            rows_per_page: Some(rows),
                        },
                    )
                })
                .map(|()| id),
            None => viewer.session.write(|tx| {
                tx.create_saved_search(NewSavedSearch {
                    format: state.format.clone(),
                    order_by: order_by.into(),
                    order: order.into(),
                    rows_per_page: rows,
                    ..NewSavedSearch::new(owner, name.clone(), state.query.clone())
                })
            }),
        };
        match result {
            Ok(id) => {
                messages.push(if state.saved_id.is_some() {
                    format!("Updated saved search \"{name}\".")
                } else {
                    format!("Saved search \"{name}\".")
                });
                state.saved_id = Some(id);
                state.owner = owner.privacy();
                Ok(())
            }
            Err(e) => refused(e, problems),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tree(q: &str) -> Expr {
        as_group(parse(q).unwrap())
    }

    #[test]
    fn clause_operations_rebuild_readable_queries() {
        let mut root = tree("Queue = 'General' AND Status = 'open' AND Priority > 5");
        group(&mut root, &[vec![1], vec![2]]);
        normalize(&mut root);
        assert_eq!(root.to_string(), "Queue = 'General' AND ( Status = 'open' OR Priority > 5 )");
        let mut again = tree(&root.to_string());
        toggle(&mut again, &[vec![1, 0]]);
        normalize(&mut again);
        assert_eq!(again.to_string(), "Queue = 'General' AND Status = 'open' AND Priority > 5");
        delete(&mut again, &[vec![0], vec![2]]);
        normalize(&mut again);
        assert_eq!(again.to_string(), "Status = 'open'");
        append(&mut again, vec![parse("Owner = 'Nobody'").unwrap()], true);
        normalize(&mut again);
        assert_eq!(again.to_string(), "Status = 'open' OR Owner = 'Nobody'");
        shift(&mut again, &[vec![1]], true);
        assert_eq!(again.to_string(), "Owner = 'Nobody' OR Status = 'open'");
        let mut empty = tree("");
        append(&mut empty, vec![parse("id = 1").unwrap()], false);
        normalize(&mut empty);
        assert_eq!(empty.to_string(), "id = 1");
    }
}
