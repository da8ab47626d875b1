//! `search/ticket`: TicketSQL over REST 1.0.
//!
//! `query` is TicketSQL, `orderby` RT's sort (`-id` for descending),
//! `format` `s` (`<id>: <Subject>` lines, the default), `i`
//! (`ticket/<id>` lines) or `l` (each ticket's form, limited to `fields`).
//! Rights are applied inside the query by rt-core: a user sees only the
//! tickets they may see.

use rt_core::search::{Paging, parse_order_by};
use rt_core::{Error, Session, TicketQuery};

use super::form::join;
use super::ticket::{select, ticket_fields};
use super::{Reply, internal};

/// `search/ticket`.
pub fn tickets(session: &Session, request: &super::Request) -> Reply {
    let query = request.field("query").unwrap_or("").to_string();
    let format = request.field("format").unwrap_or("s").trim().to_ascii_lowercase();
    let fields = request.field("fields");
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
