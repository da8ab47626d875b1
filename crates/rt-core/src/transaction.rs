//! History: transactions (one per change, append-only) and their
//! attachments (the MIME tree of a message, one row per entity).
//!
//! [`Tx::record`] (or [`Tx::record_all`] for several at once) is the only
//! way a transaction is written. It also writes the pending-event row the
//! scrip engine consumes, in the same DB transaction as the change itself.
//! No code path updates or deletes a transaction or attachment.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::dialect;
use crate::db::schema::{attachments, events, raw_messages, transactions};
use crate::error::{Error, Result};
use crate::ids::{AttachmentId, TransactionId, UserId};
use crate::search::fulltext;
use crate::session::{Interface, Tx};

/// Ids per `IN` list when reading rows by many ids: well within every
/// backend's limit on bound parameters (SQLite's is 32,766).
const ID_CHUNK: usize = 1000;

/// One MIME entity of a message: a leaf with content, or a multipart
/// container whose children are in `parts`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MimeEntity {
    /// Bare MIME type in lower case (`text/plain`, `multipart/mixed`).
    pub content_type: String,
    /// The entity's raw header block (`Name: value` lines).
    pub headers: String,
    /// Attachment filename, if any.
    pub filename: Option<String>,
    /// `Subject` of the message (top-level entity).
    pub subject: Option<String>,
    /// `Message-ID` of the message (top-level entity).
    pub message_id: Option<String>,
    /// Decoded content; text is UTF-8. Empty for containers.
    pub body: Vec<u8>,
    /// Children of a multipart container.
    pub parts: Vec<MimeEntity>,
}

impl MimeEntity {
    /// A `text/plain` UTF-8 entity.
    pub fn text(body: &str) -> MimeEntity {
        MimeEntity {
            content_type: "text/plain".into(),
            headers: "Content-Type: text/plain; charset=\"utf-8\"\n".into(),
            body: body.as_bytes().to_vec(),
            ..MimeEntity::default()
        }
    }

    /// A file attachment.
    pub fn attachment(filename: &str, content_type: &str, body: Vec<u8>) -> MimeEntity {
        let escaped = filename.replace('\\', "\\\\").replace('"', "\\\"");
        MimeEntity {
            content_type: content_type.to_ascii_lowercase(),
            headers: format!(
                "Content-Type: {content_type}; name=\"{escaped}\"\nContent-Disposition: attachment; filename=\"{escaped}\"\n"
            ),
            filename: Some(filename.to_string()),
            body,
            ..MimeEntity::default()
        }
    }

    /// A `multipart/mixed` container of `parts`.
    pub fn multipart(parts: Vec<MimeEntity>) -> MimeEntity {
        MimeEntity {
            content_type: "multipart/mixed".into(),
            headers: "Content-Type: multipart/mixed\n".into(),
            parts,
            ..MimeEntity::default()
        }
    }

    /// Sets (replacing) a header on this entity.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.remove_header(name);
        self.headers.push_str(&format!("{name}: {}\n", value.replace(['\r', '\n'], " ")));
    }

    /// Removes every occurrence of a header (with its continuation lines).
    pub fn remove_header(&mut self, name: &str) {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut kept = String::with_capacity(self.headers.len());
        let mut skipping = false;
        for line in self.headers.lines() {
            if !line.starts_with([' ', '\t']) {
                skipping = line.to_ascii_lowercase().starts_with(&prefix);
            }
            if !skipping {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        self.headers = kept;
    }

    /// The first value of a header, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        header_value(&self.headers, name)
    }

    fn walk(&self, f: &mut impl FnMut(&MimeEntity) -> Result<()>) -> Result<()> {
        f(self)?;
        self.parts.iter().try_for_each(|p| p.walk(f))
    }
}

/// A message given to comment, correspond or create.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The content: usually [`MimeEntity::text`] or a multipart tree.
    pub entity: Option<MimeEntity>,
    /// One-time Cc recipients (recorded as `RT-Send-Cc`).
    pub cc: Vec<String>,
    /// One-time Bcc recipients (recorded as `RT-Send-Bcc`).
    pub bcc: Vec<String>,
    /// Minutes worked, added to the ticket's time worked.
    pub time_taken: i64,
    /// The message exactly as it arrived (mail), kept beside the tree.
    pub raw: Option<Vec<u8>>,
}

impl Message {
    /// A plain-text message.
    pub fn text(body: &str) -> Message {
        Message { entity: Some(MimeEntity::text(body)), ..Message::default() }
    }
}

/// One entry of an object's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// Its id.
    pub id: TransactionId,
    /// `RT::Ticket`, `RT::User`, ...
    pub object_type: String,
    /// The object's id.
    pub object_id: i64,
    /// Minutes worked.
    pub time_taken: i64,
    /// RT's transaction type (`Create`, `Correspond`, `Set`, `Status`, ...).
    pub kind: String,
    /// The field changed, for `Set`, `Status`, `SetWatcher`, `AddLink`...
    pub field: Option<String>,
    /// Value before.
    pub old_value: Option<String>,
    /// Value after.
    pub new_value: Option<String>,
    /// Kind of object the references point to.
    pub reference_type: Option<String>,
    /// Referenced object before.
    pub old_reference: Option<i64>,
    /// Referenced object after.
    pub new_reference: Option<i64>,
    /// Extra data (the subject of a message).
    pub data: Option<String>,
    /// Where the change came from.
    pub interface: String,
    /// Who made it.
    pub creator: UserId,
    /// When.
    pub created: DateTime<Utc>,
}

type TransactionRow = (
    i64,
    String,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    i64,
    NaiveDateTime,
);

impl From<TransactionRow> for Transaction {
    fn from(r: TransactionRow) -> Transaction {
        Transaction {
            id: TransactionId(r.0),
            object_type: r.1,
            object_id: r.2,
            time_taken: r.3,
            kind: r.4,
            field: r.5,
            old_value: r.6,
            new_value: r.7,
            reference_type: r.8,
            old_reference: r.9,
            new_reference: r.10,
            data: r.11,
            interface: r.12,
            creator: UserId(r.13),
            created: r.14.and_utc(),
        }
    }
}

/// One stored MIME entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// The transaction it belongs to.
    pub transaction: TransactionId,
    /// The container it is part of, if any.
    pub parent: Option<AttachmentId>,
    /// `Message-ID` header.
    pub message_id: Option<String>,
    /// `Subject` header.
    pub subject: Option<String>,
    /// Filename.
    pub filename: Option<String>,
    /// Bare MIME type.
    pub content_type: String,
    /// Storage encoding (always `none`: content is stored as bytes).
    pub content_encoding: String,
    /// Raw header block.
    pub headers: String,
    /// Content size in bytes.
    pub size: i64,
    /// When it was stored.
    pub created: DateTime<Utc>,
}

/// What a transaction records; see RT's transaction types.
#[derive(Debug, Clone, Default)]
pub struct NewTransaction<'a> {
    /// `RT::Ticket`, ...
    pub object_type: &'a str,
    /// The object's id.
    pub object_id: i64,
    /// RT's type.
    pub kind: &'a str,
    /// Field changed.
    pub field: Option<&'a str>,
    /// Old value.
    pub old_value: Option<String>,
    /// New value.
    pub new_value: Option<String>,
    /// Data (a message's subject).
    pub data: Option<String>,
    /// Kind of the referenced objects.
    pub reference_type: Option<&'a str>,
    /// Referenced object before.
    pub old_reference: Option<i64>,
    /// Referenced object after.
    pub new_reference: Option<i64>,
    /// Minutes worked.
    pub time_taken: i64,
}

/// Transaction types that never fire scrips.
pub const NO_SCRIPS: &[&str] = &["EmailRecord", "CommentEmailRecord", "SystemError"];

/// One entity of a message to store, with its place in the tree.
struct Entity<'a> {
    entity: &'a MimeEntity,
    txn: i64,
    /// The parent's index among the flattened entities.
    parent: Option<usize>,
    /// The ticket whose full-text index takes its text.
    indexed_for: Option<i64>,
}

impl<'a> Entity<'a> {
    /// What the row stores: a container keeps its preamble, if any.
    fn content(&self) -> Option<&'a [u8]> {
        let e = self.entity;
        (!e.content_type.starts_with("multipart/") || !e.body.is_empty()).then_some(e.body.as_slice())
    }
}

/// Lists `entity` and its parts depth first, each knowing its parent.
fn flatten<'a>(
    entity: &'a MimeEntity,
    txn: i64,
    parent: Option<usize>,
    indexed_for: Option<i64>,
    out: &mut Vec<Entity<'a>>,
) {
    let index = out.len();
    out.push(Entity { entity, txn, parent, indexed_for });
    for part in &entity.parts {
        flatten(part, txn, Some(index), indexed_for, out);
    }
}

impl Tx<'_> {
    /// Writes a transaction, its attachments (if `content` is given) and its
    /// pending event. The caller has checked rights and made the change in
    /// this same DB transaction.
    pub fn record(&mut self, txn: NewTransaction<'_>, content: Option<&MimeEntity>) -> Result<TransactionId> {
        self.record_as(txn, content, self.user.id, self.user.interface)
    }

    /// Writes several transactions, each with its content, as [`Tx::record`]
    /// writes one, in a few multi-row statements: a batch of scrips'
    /// outgoing mail. Returns their ids in the order given.
    pub fn record_all(&mut self, records: &[(NewTransaction<'_>, Option<&MimeEntity>)]) -> Result<Vec<TransactionId>> {
        self.record_all_as(records, self.user.id, self.user.interface)
    }

    pub(crate) fn record_as(
        &mut self,
        txn: NewTransaction<'_>,
        content: Option<&MimeEntity>,
        creator: UserId,
        interface: Interface,
    ) -> Result<TransactionId> {
        Ok(self.record_all_as(&[(txn, content)], creator, interface)?[0])
    }

    fn record_all_as(
        &mut self,
        records: &[(NewTransaction<'_>, Option<&MimeEntity>)],
        creator: UserId,
        interface: Interface,
    ) -> Result<Vec<TransactionId>> {
        let now = self.now;
        let rows: Vec<_> = records
            .iter()
            .map(|(txn, _)| {
                (
                    transactions::object_type.eq(txn.object_type),
                    transactions::object_id.eq(txn.object_id),
                    transactions::time_taken.eq(txn.time_taken),
                    transactions::type_.eq(txn.kind),
                    transactions::field.eq(txn.field),
                    transactions::old_value.eq(&txn.old_value),
                    transactions::new_value.eq(&txn.new_value),
                    transactions::reference_type.eq(txn.reference_type),
                    transactions::old_reference.eq(txn.old_reference),
                    transactions::new_reference.eq(txn.new_reference),
                    transactions::data.eq(&txn.data),
                    transactions::interface.eq(interface.as_str()),
                    transactions::creator.eq(creator.0),
                    transactions::created.eq(now),
                )
            })
            .collect();
        let ids = dialect::insert_returning_ids!(&mut *self.conn, transactions::table, transactions::id, rows)?;
        let mut entities = Vec::new();
        for ((txn, content), &id) in records.iter().zip(&ids) {
            // Mail we sent ourselves is not indexed: it quotes what the
            // ticket's own messages already hold.
            let indexed = txn.object_type == "RT::Ticket" && !NO_SCRIPS.contains(&txn.kind);
            if let Some(entity) = content {
                flatten(entity, id, None, indexed.then_some(txn.object_id), &mut entities);
            }
        }
        self.insert_entities(&entities, creator)?;
        // Records of mail sent and of scrip failures fire no scrips (as in
        // RT): they would only notify about notifications.
        let mut events = Vec::new();
        for ((txn, _), &id) in records.iter().zip(&ids).filter(|((txn, _), _)| !NO_SCRIPS.contains(&txn.kind)) {
            let batch = *self.batch_id.get_or_insert(id);
            events.push((
                events::transaction_id.eq(id),
                events::object_type.eq(txn.object_type),
                events::object_id.eq(txn.object_id),
                events::created.eq(now),
                events::attempts.eq(0i64),
                events::depth.eq(self.event_depth),
                events::batch_id.eq(batch),
            ));
        }
        dialect::insert_rows!(&mut *self.conn, events::table, events)?;
        Ok(ids.into_iter().map(TransactionId).collect())
    }

    /// Keeps a message exactly as it arrived, for the transaction that
    /// recorded it.
    pub(crate) fn store_raw(&mut self, txn: TransactionId, raw: &[u8]) -> Result<()> {
        diesel::insert_into(raw_messages::table)
            .values((raw_messages::transaction_id.eq(txn.0), raw_messages::content.eq(raw)))
            .execute(self.conn)?;
        Ok(())
    }

    /// Refuses content with an entity larger than the configured limit.
    pub(crate) fn check_content(&self, entity: &MimeEntity) -> Result<()> {
        let limit = self.rt.config.max_attachment_size;
        entity.walk(&mut |e| {
            if e.body.len() as u64 > limit {
                let name = e.filename.as_deref().unwrap_or("message body");
                return Err(Error::invalid(
                    "attachment",
                    format!("{name} is {} bytes, more than the limit of {limit} bytes", e.body.len()),
                ));
            }
            Ok(())
        })
    }

    /// Stores flattened entities (see [`flatten`]); text parts of a
    /// ticket's transaction also go into the full-text index. One entity is
    /// one insert; a tree or several take ids reserved up front, so that
    /// parents are known and all rows go in one statement, keeping the ids
    /// in depth-first order.
    fn insert_entities<'e>(&mut self, entities: &[Entity<'e>], creator: UserId) -> Result<()> {
        let reserved = match entities.len() {
            0 => return Ok(()),
            1 => None,
            n => Some(dialect::reserve_ids(self.conn, dialect::IdTable::Attachments, n)?),
        };
        let now = self.now;
        let row = |entity: &Entity<'e>, parent: Option<i64>| {
            let e: &'e MimeEntity = entity.entity;
            (
                attachments::transaction_id.eq(entity.txn),
                attachments::parent.eq(parent),
                attachments::message_id.eq(&e.message_id),
                attachments::subject.eq(&e.subject),
                attachments::filename.eq(&e.filename),
                attachments::content_type.eq(&e.content_type),
                attachments::content_encoding.eq("none"),
                attachments::content.eq(entity.content()),
                attachments::headers.eq(&e.headers),
                attachments::creator.eq(creator.0),
                attachments::created.eq(now),
            )
        };
        let ids = match reserved {
            // Always the same statement, prepared once per connection.
            None => dialect::insert_returning_ids!(
                &mut *self.conn,
                attachments::table,
                attachments::id,
                vec![row(&entities[0], None)]
            )?,
            Some(ids) => {
                let rows: Vec<_> = entities
                    .iter()
                    .zip(&ids)
                    .map(|(entity, &id)| (attachments::id.eq(id), row(entity, entity.parent.map(|p| ids[p]))))
                    .collect();
                dialect::insert_rows!(&mut *self.conn, attachments::table, rows)?;
                ids
            }
        };
        for (entity, id) in entities.iter().zip(ids) {
            if let (Some(ticket), Some(body)) = (entity.indexed_for, entity.content()) {
                fulltext::index_attachment(self.conn, id, ticket, &entity.entity.content_type, body)?;
            }
        }
        Ok(())
    }

    /// Loads transactions of an object, oldest first (no rights check:
    /// callers filter by what the user may see).
    pub(crate) fn load_transactions(&mut self, object_type: &str, object_ids: &[i64]) -> Result<Vec<Transaction>> {
        let rows: Vec<TransactionRow> = transactions::table
            .filter(transactions::object_type.eq(object_type))
            .filter(transactions::object_id.eq_any(object_ids))
            .order((transactions::created, transactions::id))
            .select(transaction_columns())
            .load(self.conn)?;
        Ok(rows.into_iter().map(Transaction::from).collect())
    }

    /// Transactions by id (no rights check).
    pub(crate) fn load_transactions_by_id(&mut self, ids: &[i64]) -> Result<Vec<Transaction>> {
        let rows: Vec<TransactionRow> =
            transactions::table.filter(transactions::id.eq_any(ids)).select(transaction_columns()).load(self.conn)?;
        Ok(rows.into_iter().map(Transaction::from).collect())
    }

    pub(crate) fn load_transaction(&mut self, id: TransactionId) -> Result<Transaction> {
        if let Some(txn) = self.cache.transactions.get(&id.0) {
            return Ok(txn.clone());
        }
        let row: TransactionRow = transactions::table
            .find(id.0)
            .select(transaction_columns())
            .get_result(self.conn)
            .optional()?
            .ok_or_else(|| Error::not_found("transaction", id))?;
        let txn = Transaction::from(row);
        self.cache.transactions.insert(id.0, txn.clone());
        Ok(txn)
    }

    /// The attachments of one transaction, remembered for the rest of the
    /// DB transaction.
    pub(crate) fn load_transaction_attachments(&mut self, id: TransactionId) -> Result<Vec<Attachment>> {
        if let Some(found) = self.cache.attachments.get(&id.0) {
            return Ok(found.clone());
        }
        let found = self.load_attachments(&[id.0])?;
        self.cache.attachments.insert(id.0, found.clone());
        Ok(found)
    }

    pub(crate) fn load_attachments(&mut self, txns: &[i64]) -> Result<Vec<Attachment>> {
        type Row = (
            i64,
            i64,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            Option<i32>,
            NaiveDateTime,
        );
        // Statements without an `IN` list or literal SQL are prepared once
        // per connection: one transaction's attachments (the common case)
        // are read so.
        macro_rules! rows {
            ($filter:expr) => {
                attachments::table
                    .filter($filter)
                    .order(attachments::id)
                    .select((
                        attachments::id,
                        attachments::transaction_id,
                        attachments::parent,
                        attachments::message_id,
                        attachments::subject,
                        attachments::filename,
                        attachments::content_type,
                        attachments::content_encoding,
                        attachments::headers,
                        length(attachments::content),
                        attachments::created,
                    ))
                    .load::<Row>(self.conn)?
            };
        }
        let rows = match txns {
            [one] => rows!(attachments::transaction_id.eq(*one)),
            // Within every backend's limit on bound parameters.
            many => {
                let mut rows = Vec::new();
                for chunk in many.chunks(ID_CHUNK) {
                    rows.extend(rows!(attachments::transaction_id.eq_any(chunk)));
                }
                rows
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| Attachment {
                id: AttachmentId(r.0),
                transaction: TransactionId(r.1),
                parent: r.2.map(AttachmentId),
                message_id: r.3,
                subject: r.4,
                filename: r.5,
                content_type: r.6,
                content_encoding: r.7,
                headers: r.8,
                size: r.9.map_or(0, i64::from),
                created: r.10.and_utc(),
            })
            .collect())
    }

    /// The stored content of several attachments, as (attachment,
    /// transaction, content), in no particular order; missing ones are
    /// left out (no rights check).
    pub(crate) fn load_attachment_contents(&mut self, ids: &[i64]) -> Result<Vec<(i64, i64, Vec<u8>)>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ID_CHUNK) {
            let rows: Vec<(i64, i64, Option<Vec<u8>>)> = attachments::table
                .filter(attachments::id.eq_any(chunk))
                .select((attachments::id, attachments::transaction_id, attachments::content))
                .load(self.conn)?;
            out.extend(rows.into_iter().map(|(id, txn, content)| (id, txn, content.unwrap_or_default())));
        }
        Ok(out)
    }

    pub(crate) fn load_attachment_content(&mut self, id: AttachmentId) -> Result<(i64, Vec<u8>)> {
        if let Some(read) = self.cache.contents.get(&id.0) {
            return Ok(read.clone());
        }
        let (txn, content): (i64, Option<Vec<u8>>) = attachments::table
            .find(id.0)
            .select((attachments::transaction_id, attachments::content))
            .get_result(self.conn)
            .optional()?
            .ok_or_else(|| Error::not_found("attachment", id))?;
        Ok((txn, content.unwrap_or_default()))
    }
}

#[allow(clippy::type_complexity)]
fn transaction_columns() -> (
    transactions::id,
    transactions::object_type,
    transactions::object_id,
    transactions::time_taken,
    transactions::type_,
    transactions::field,
    transactions::old_value,
    transactions::new_value,
    transactions::reference_type,
    transactions::old_reference,
    transactions::new_reference,
    transactions::data,
    transactions::interface,
    transactions::creator,
    transactions::created,
) {
    use transactions::*;
    (
        id,
        object_type,
        object_id,
        time_taken,
        type_,
        field,
        old_value,
        new_value,
        reference_type,
        old_reference,
        new_reference,
        data,
        interface,
        creator,
        created,
    )
}

/// The first value of header `name` in a raw header block, unfolded.
pub fn header_value(headers: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let mut lines = headers.lines().peekable();
    while let Some(line) = lines.next() {
        if line.to_ascii_lowercase().starts_with(&prefix) {
            let mut value = line[prefix.len()..].trim().to_string();
            while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
                value.push(' ');
                value.push_str(next.trim());
                lines.next();
            }
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_replaced_and_unfolded() {
        let mut e = MimeEntity::text("hi");
        e.headers.push_str("RT-Send-Cc: a@example.org,\n  b@example.org\nX-Other: 1\n");
        assert_eq!(e.header("rt-send-cc").as_deref(), Some("a@example.org, b@example.org"));
        e.set_header("RT-Send-Cc", "c@example.org");
        assert_eq!(e.header("RT-Send-Cc").as_deref(), Some("c@example.org"));
        assert_eq!(e.header("X-Other").as_deref(), Some("1"));
        assert_eq!(e.headers.matches("RT-Send-Cc").count(), 1);
    }
}

diesel::define_sql_function! {
    /// The size in bytes of a stored body (`length` of a BLOB on SQLite,
    /// of a `bytea` on PostgreSQL; both fit an `INTEGER` for any body the
    /// attachment limits let in).
    fn length(content: diesel::sql_types::Nullable<diesel::sql_types::Binary>) -> diesel::sql_types::Nullable<diesel::sql_types::Integer>;
}
