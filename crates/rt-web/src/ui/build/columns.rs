//! The display-columns (Format) editor: RT's column names, the link
//! choices of a new column, and the edits (`AddCol`, `RemoveCol`, `ColUp`,
//! `ColDown`) on a format's columns, each kept in RT's syntax as
//! rt-core's `Format` writes it.

use actix_web::http::StatusCode;
use rt_core::search::parse_format;

use super::{Form, Problems};

/// RT's column names offered in the columns editor (`BuildFormatString`).
pub(super) const COLUMNS: &[&str] = &[
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

/// Link choices of a new column, with the prefix RT writes for each.
pub(super) const LINKS: &[(&str, &str, &str)] = &[
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

/// The columns of a format as editable entries: each column's text in
/// RT's syntax (a row break as `'__NEWLINE__'`) and its label.
pub(super) fn entries(format: &rt_core::search::Format) -> Vec<(String, String)> {
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
pub(super) fn edit_columns(
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
