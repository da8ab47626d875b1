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
//!   (put them in parentheses, as a group of the other joiner), `Left`
//!   (take a clause out of its parentheses, or dissolve a group), `Up`,
//!   `Down`;
//! - columns: `SelectDisplayColumns` with `Link`, `Title`, `Size`, `Face`
//!   and `AddCol`; `CurrentDisplayColumns` with `ColUp`, `ColDown`,
//!   `RemoveCol`;
//! - saved searches: `SavedSearchId`, `SavedSearchDescription` (the name),
//!   `SavedSearchOwner` (RT's privacy string), `SavedSearchSave` (create,
//!   or update the loaded one), `SavedSearchCopy` (save as new),
//!   `SavedSearchDelete`, `SavedSearchLoad`
//!   (with RT's global right `LoadSavedSearch`, else 403).
//!
//! The query is parsed and rebuilt by rt-core (`search::parse`, `Expr`'s
//! TicketSQL), so what the builder writes always reads back. Bad input (a
//! query that does not parse, a criterion whose value does not fit its
//! field, a bad sort or page size) is shown on the page next to what was
//! typed, with status 400, and nothing else in that request is applied;
//! a refused saved-search right shows the page with status 403.
//!
//! The clause tree's edits live in `clauses`, the columns editor in
//! `columns`; `Form` (a form's fields with repeated names) is shared
//! with the results and bulk-update pages.

use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::search::{DEFAULT_FORMAT, Expr, parse, parse_format, parse_order_by};
use rt_core::{AclObject, NewSavedSearch, Rt, SavedSearchId, SavedSearchUpdate, SearchOwner, Tx};
use serde::Serialize;

use super::{Answer, Audience, PageError, Viewer, context, render, run, run_post};

mod clauses;
mod columns;

use clauses::{append, as_group, delete, flatten, group, lift, normalize, shift, toggle};
use columns::{COLUMNS, LINKS, edit_columns, entries};

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

/// The right to load saved searches into the builder (RT gates only the
/// builder's "Load saved search" box with it).
const LOAD_SAVED_SEARCH: &str = "LoadSavedSearch";

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
    let may_load = viewer.session.read(|tx| tx.has_right(LOAD_SAVED_SEARCH, AclObject::System))?;
    if load.is_some() && !may_load {
        return Err(PageError::Core(rt_core::Error::PermissionDenied {
            right: LOAD_SAVED_SEARCH.into(),
            object: "the system".into(),
        }));
    }
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
        } else if form.has("Left") {
            lift(root, &chosen);
        } else if form.has("Up") || form.has("Down") {
            shift(root, &chosen, form.has("Up"));
        }
        let new_terms = new_terms(form, &custom_fields, viewer.tz, &mut problems);
        if !new_terms.is_empty() && !problems.any() {
            let joiner_or = form.get("AndOr").is_some_and(|v| v.eq_ignore_ascii_case("OR"));
            append(root, new_terms, joiner_or);
        }
        normalize(root);
    }
    let new_query = tree.as_ref().map(Expr::to_string);

    // Columns.
    let mut columns = match parse_format(if state.format.is_empty() { DEFAULT_FORMAT } else { &state.format }) {
        Ok(format) => Some(entries(&format)),
        Err(e) => {
            problems.add("Format", format!("The format does not read: Format {e}"), StatusCode::BAD_REQUEST);
            None
        }
    };
    let original_columns = columns.clone();
    let mut current_column = form.value("CurrentDisplayColumns").and_then(|v| v.trim().parse::<usize>().ok());
    let mut new_format = None;
    if let Some(cols) = columns.as_mut()
        && edit_columns(form, cols, &mut current_column, &mut problems)
    {
        new_format = Some(cols.iter().map(|(text, _)| text.clone()).collect::<Vec<_>>().join(",\n"));
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

    // Nothing of a request with a problem is applied.
    if problems.any() {
        tree = parse(&state.query).ok().map(as_group);
        columns = original_columns;
        current_column = None;
    } else {
        state.query = new_query.unwrap_or(state.query);
        state.format = new_format.unwrap_or(state.format);
    }

    // Saved searches (POST only) and the search itself.
    let saving = ["SavedSearchSave", "SavedSearchCopy", "SavedSearchDelete"].iter().any(|b| form.has(b));
    if post && !problems.any() && saving {
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
        Some(root) => flatten(root)
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
    let (owners, mut loadable, can_save) = viewer.session.read(|tx| saved_choices(tx, viewer, &state.owner))?;
    if !may_load {
        loadable.clear();
    }
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
        // "Save as New" makes a copy of the loaded search.
        let target = state.saved_id.filter(|_| !form.has("SavedSearchCopy"));
        let result = match target {
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
                messages.push(if target.is_some() {
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
mod criteria_tests {
    use super::*;

    #[test]
    fn every_criterion_reads_as_ticketsql() {
        for (name, _, fields, ops, _) in CRITERIA {
            let keys: Vec<&str> = if fields.is_empty() { vec![name] } else { fields.iter().map(|f| f.0).collect() };
            for key in keys {
                for (op, _) in *ops {
                    let clause = format!("{key} {op} '1'");
                    assert!(parse(&clause).is_ok(), "{clause}: {:?}", parse(&clause));
                }
            }
        }
        for (op, _) in CF_OPS {
            let clause = format!("'CF.{{Colour}}' {op} 'red'");
            assert!(parse(&clause).is_ok(), "{clause}");
        }
        for key in SORT_FIELDS {
            let order = parse_order_by(key, "DESC");
            assert!(
                matches!(
                    order.as_deref(),
                    Ok([rt_core::search::Order { key: rt_core::search::OrderKey::Field(_), .. }])
                ),
                "{key}"
            );
        }
        for name in COLUMNS.iter().filter(|c| !matches!(**c, "NEWLINE" | "NBSP")) {
            assert!(rt_core::search::FormatField::new(*name).is_known(), "{name}");
        }
    }
}
