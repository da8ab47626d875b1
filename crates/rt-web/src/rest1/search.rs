//! `search/ticket`: TicketSQL over REST 1.0.
//!
//! `query` is TicketSQL, `orderby` RT's sort (`-id` for descending),
//! `format` `s` (`<id>: <Subject>` lines, the default; with `fields`, a
//! tab-separated table under a header line, as `rt ls -f` prints it), `i`
//! (`ticket/<id>` lines) or `l` (each ticket's form, limited to `fields`;
//! the default when `fields` is given).
//! Rights are applied inside the query by rt-core: a user sees only the
//! tickets they may see.

use rt_core::search::{Paging, parse_order_by};
use rt_core::{Error, Session, TicketQuery};

use super::form::{Value, join};
use super::ticket::{select, ticket_fields};
use super::{Reply, internal};

/// `search/ticket`.
pub fn tickets(session: &Session, request: &super::Request) -> Reply {
    let query = request.field("query").unwrap_or("").to_string();
    let fields = request.field("fields").filter(|f| !f.trim().is_empty());
    let format = request.field("format").filter(|f| !f.trim().is_empty());
    let format = format.unwrap_or(if fields.is_some() { "l" } else { "s" }).trim().to_ascii_lowercase();
    let order = match parse_order_by(request.field("orderby").unwrap_or(""), "") {
        Ok(order) => order,
        Err(e) => return bad_query(&e.to_string()),
    };
    let result = session.read(|tx| {
        let mut q = TicketQuery::new(&query);
        q.order = order;
        q.paging = Paging { rows_per_page: None, page: 1 };
        let page = tx.search_tickets(&q)?;
        if page.ids.is_empty() {
            return Ok("No matching results.\n\n\n".to_string());
        }
        let mut out = String::new();
        match format.as_str() {
            "i" => {
                for id in &page.ids {
                    out.push_str(&format!("ticket/{id}\n"));
                }
                out.push_str("\n\n");
            }
            "l" => {
                let mut forms = Vec::with_capacity(page.ids.len());
                for id in &page.ids {
                    let t = tx.ticket(*id)?;
                    forms.push(select(ticket_fields(tx, &t)?, fields).render());
                }
                out = format!("{}\n\n", join(&forms));
            }
            _ if fields.is_some() => {
                // RT: the first form's keys as a header, then one row per
                // ticket, the id bare, lists joined by ", ".
                for (n, id) in page.ids.iter().enumerate() {
                    let t = tx.ticket(*id)?;
                    let form = select(ticket_fields(tx, &t)?, fields);
                    if n == 0 {
                        let keys: Vec<&str> = form.fields().iter().map(|(k, _)| k.as_str()).collect();
                        out.push_str(&keys.join("\t"));
                        out.push('\n');
                    }
                    let row: Vec<String> = form
                        .fields()
                        .iter()
                        .map(|(k, v)| match v {
                            _ if k == "id" => id.to_string(),
                            Value::Text(s) => s.clone(),
                            Value::List(l) => l.join(", "),
                        })
                        .collect();
                    out.push_str(&row.join("\t"));
                    out.push('\n');
                }
                out.push_str("\n\n");
            }
            _ => {
                for id in &page.ids {
                    let t = tx.ticket(*id)?;
                    out.push_str(&format!("{id}: {}\n", t.subject));
                }
                out.push_str("\n\n");
            }
        }
        Ok(out)
    });
    match result {
        Ok(payload) => Reply::ok(payload),
        Err(Error::Validation { message, .. }) => bad_query(&message),
        Err(e) => internal(&e),
    }
}

fn bad_query(message: &str) -> Reply {
    Reply::status(400, "Bad request", format!("Invalid query: '{message}'.\n\n\n"))
}
