//! Custom fields: site-defined fields on tickets, transactions, users,
//! groups and queues, with RT's types, validation, per-field rights and
//! history.
//!
//! A field has a type ([`CfType`]), a lookup type saying what holds its
//! values ([`LookupType`]), at most `max_values` values per object (0 for
//! any number), an optional validation pattern (RT's, where a leading
//! `(?#Name)` comment names the rule in the error), and applies globally
//! or to chosen queues. Changing values never edits a stored value: the old
//! one is disabled and a new row added, and a `CustomField` transaction
//! records both (field = the custom field's id, references to the value
//! rows, old and new content).
//!
//! Rights: `SeeCustomField` to read values and `ModifyCustomField` to change
//! them (`SetInitialCustomField` also serves while a ticket is created),
//! granted on the field itself, on the ticket's queue or globally, on top
//! of the object's own rights; `AdminCustomField` to create fields,
//! `AssignCustomFields` to apply them, `AdminCustomFieldValues` for the
//! values a select offers.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::acl::AclObject;
use crate::db::schema::{custom_field_values, custom_fields, object_custom_field_values as ocfv, object_custom_fields};
use crate::error::{Error, Result};
use crate::ids::{CustomFieldId, GroupId, QueueId, TicketId, TransactionId, UserId};
use crate::ip::IpRange;
use crate::rights;
use crate::session::Tx;
use crate::transaction::NewTransaction;

/// RT's custom field types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CfType {
    /// One line of free text.
    Freeform,
    /// A choice among the field's values.
    Select,
    /// A choice among the values, or free text.
    Combobox,
    /// Free text completed from the values.
    Autocomplete,
    /// Several lines of text.
    Text,
    /// Wiki-formatted text.
    Wikitext,
    /// HTML (sanitized when shown).
    Html,
    /// An uploaded file.
    Binary,
    /// An uploaded image.
    Image,
    /// A date (`YYYY-MM-DD`).
    Date,
    /// A date and time (stored in UTC).
    DateTime,
    /// One IP address.
    IpAddress,
    /// An IP address, CIDR block or range.
    IpAddressRange,
}

const TYPES: [(CfType, &str); 13] = [
    (CfType::Freeform, "Freeform"),
    (CfType::Select, "Select"),
    (CfType::Combobox, "Combobox"),
    (CfType::Autocomplete, "Autocomplete"),
    (CfType::Text, "Text"),
    (CfType::Wikitext, "Wikitext"),
    (CfType::Html, "HTML"),
    (CfType::Binary, "Binary"),
    (CfType::Image, "Image"),
    (CfType::Date, "Date"),
    (CfType::DateTime, "DateTime"),
    (CfType::IpAddress, "IPAddress"),
    (CfType::IpAddressRange, "IPAddressRange"),
];

impl CfType {
    /// RT's name for the type.
    pub fn as_str(self) -> &'static str {
        TYPES.iter().find(|(t, _)| *t == self).map_or("Freeform", |(_, n)| n)
    }

    /// Parses RT's name, ignoring case.
    pub fn from_name(name: &str) -> Option<CfType> {
        TYPES.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)).map(|(t, _)| *t)
    }

    fn is_upload(self) -> bool {
        matches!(self, CfType::Binary | CfType::Image)
    }
}

/// What holds a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupType {
    /// Tickets (`RT::Queue-RT::Ticket`), applied per queue or globally.
    Ticket,
    /// Ticket transactions (`RT::Queue-RT::Ticket-RT::Transaction`).
    Transaction,
    /// Users (`RT::User`).
    User,
    /// Groups (`RT::Group`).
    Group,
    /// Queues (`RT::Queue`).
    Queue,
}

const LOOKUPS: [(LookupType, &str); 5] = [
    (LookupType::Ticket, "RT::Queue-RT::Ticket"),
    (LookupType::Transaction, "RT::Queue-RT::Ticket-RT::Transaction"),
    (LookupType::User, "RT::User"),
    (LookupType::Group, "RT::Group"),
    (LookupType::Queue, "RT::Queue"),
];

impl LookupType {
    /// RT's lookup type string.
    pub fn as_str(self) -> &'static str {
        LOOKUPS.iter().find(|(t, _)| *t == self).map_or("RT::Queue-RT::Ticket", |(_, n)| n)
    }

    /// Parses RT's lookup type string.
    pub fn from_name(name: &str) -> Option<LookupType> {
        LOOKUPS.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
    }
}

/// An object that holds custom field values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CfObject {
    /// A ticket.
    Ticket(TicketId),
    /// A ticket transaction.
    Transaction(TransactionId),
    /// A user.
    User(UserId),
    /// A group.
    Group(GroupId),
    /// A queue.
    Queue(QueueId),
}

/// A custom field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    /// Its id.
    pub id: CustomFieldId,
    /// Name.
    pub name: String,
    /// Type.
    pub kind: CfType,
    /// What holds its values.
    pub lookup: LookupType,
    /// Most values per object; 0 for any number.
    pub max_values: i64,
    /// Validation pattern (RT's syntax), empty for none.
    pub pattern: String,
    /// Hint shown when a value is refused.
    pub validation_hint: String,
    /// Hint shown beside the input.
    pub entry_hint: String,
    /// Description.
    pub description: String,
    /// URL template for values (`__id__`, `__CustomField__`).
    pub link_value_to: String,
    /// Values new tickets get when none is given.
    pub default_values: Vec<String>,
    /// Whether two objects may not hold the same value.
    pub unique_values: bool,
    /// Whether the field is disabled.
    pub disabled: bool,
}

impl CustomField {
    /// The link for a value, from the `link_value_to` template (`__id__` is
    /// the object's id, `__CustomField__` the value, URL-escaped).
    pub fn link_for(&self, object_id: i64, value: &str) -> Option<String> {
        if self.link_value_to.is_empty() {
            return None;
        }
        let escaped: String = value
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        Some(self.link_value_to.replace("__id__", &object_id.to_string()).replace("__CustomField__", &escaped))
    }
}

/// What to create a custom field with.
#[derive(Debug, Clone)]
pub struct NewCustomField {
    /// Name.
    pub name: String,
    /// Type.
    pub kind: CfType,
    /// What holds its values.
    pub lookup: LookupType,
    /// Most values per object; 0 for any number.
    pub max_values: i64,
    /// Validation pattern, empty for none.
    pub pattern: String,
    /// Hint shown when a value is refused.
    pub validation_hint: String,
    /// Hint shown beside the input.
    pub entry_hint: String,
    /// Description.
    pub description: String,
    /// URL template for values.
    pub link_value_to: String,
    /// Values new tickets get when none is given.
    pub default_values: Vec<String>,
    /// Whether two objects may not hold the same value.
    pub unique_values: bool,
}

impl NewCustomField {
    /// A field of `kind` for tickets, single-valued for selects and
    /// dates as RT's "Select one value" defaults, otherwise unlimited.
    pub fn ticket(name: &str, kind: CfType) -> NewCustomField {
        NewCustomField {
            name: name.into(),
            kind,
            lookup: LookupType::Ticket,
            max_values: 0,
            pattern: String::new(),
            validation_hint: String::new(),
            entry_hint: String::new(),
            description: String::new(),
            link_value_to: String::new(),
            default_values: Vec::new(),
            unique_values: false,
        }
    }
}

/// A value held by an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfValue {
    /// The value row's id.
    pub id: i64,
    /// The value as shown (an IP range as `start-end`, a date as
    /// `YYYY-MM-DD`, a file by its name).
    pub content: String,
    /// Uploaded bytes (Binary, Image).
    pub bytes: Option<Vec<u8>>,
    /// MIME type of an upload, `text/plain` otherwise.
    pub content_type: String,
}

/// A value to store: text, or an upload for Binary and Image fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CfInput {
    /// A textual value.
    Text(String),
    /// A file.
    Upload {
        /// Its name.
        filename: String,
        /// Its MIME type.
        content_type: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
}

impl From<&str> for CfInput {
    fn from(s: &str) -> CfInput {
        CfInput::Text(s.to_string())
    }
}

/// A validated value, ready to store.
struct Stored {
    content: Option<String>,
    large: Option<Vec<u8>>,
    content_type: String,
    ip: Option<IpRange>,
}

/// Ticket fields with defaults and the queue each applies to (0: all).
pub(crate) type DefaultsByQueue = Vec<(CustomFieldId, i64)>;

/// id, content, large content, content type.
type ValueRow = (i64, Option<String>, Option<Vec<u8>>, String);

type FieldRow = ((i64, String, String, i64, String, String), (String, String, String, String, String, bool, bool));

impl Tx<'_> {
    /// Creates a custom field. Needs `AdminCustomField`.
    pub fn create_custom_field(&mut self, new: NewCustomField) -> Result<CustomFieldId> {
        self.require(rights::ADMIN_CUSTOM_FIELD, AclObject::System)?;
        let name = new.name.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "a custom field needs a name"));
        }
        if new.max_values < 0 {
            return Err(Error::invalid("max_values", "must be 0 (any number) or more"));
        }
        compile_pattern(&new.pattern)?;
        let defaults = join_defaults(&new.default_values);
        let id: i64 = diesel::insert_into(custom_fields::table)
            .values((
                (
                    custom_fields::name.eq(name),
                    custom_fields::type_.eq(new.kind.as_str()),
                    custom_fields::max_values.eq(new.max_values),
                    custom_fields::pattern.eq(&new.pattern),
                    custom_fields::lookup_type.eq(new.lookup.as_str()),
                    custom_fields::entry_hint.eq(&new.entry_hint),
                    custom_fields::validation_hint.eq(&new.validation_hint),
                    custom_fields::description.eq(&new.description),
                    custom_fields::link_value_to.eq(&new.link_value_to),
                ),
                (
                    custom_fields::default_values.eq(defaults),
                    custom_fields::unique_values.eq(new.unique_values),
                    custom_fields::creator.eq(self.user.id.0),
                    custom_fields::created.eq(self.now),
                    custom_fields::last_updated_by.eq(self.user.id.0),
                    custom_fields::last_updated.eq(self.now),
                ),
            ))
            .returning(custom_fields::id)
            .get_result(self.conn)?;
        Ok(CustomFieldId(id))
    }

    /// A custom field by id.
    pub fn custom_field(&mut self, id: CustomFieldId) -> Result<CustomField> {
        let row: FieldRow = custom_fields::table
            .find(id.0)
            .select(field_columns())
            .get_result(self.conn)
            .optional()?
            .ok_or_else(|| Error::not_found("custom field", id))?;
        field(row)
    }

    /// A field, for a user who may see it (`SeeCustomField` on it or
    /// globally).
    pub fn visible_custom_field(&mut self, id: CustomFieldId) -> Result<CustomField> {
        let cf = self.custom_field(id)?;
        self.require(rights::SEE_CUSTOM_FIELD, AclObject::CustomField(id))?;
        Ok(cf)
    }

    /// Every field the user may see, by name.
    pub fn visible_custom_fields(&mut self) -> Result<Vec<CustomField>> {
        let rows: Vec<FieldRow> = custom_fields::table
            .order((custom_fields::name, custom_fields::id))
            .select(field_columns())
            .load(self.conn)?;
        let mut seen = Vec::with_capacity(rows.len());
        for row in rows {
            let cf = field(row)?;
            if self.has_right(rights::SEE_CUSTOM_FIELD, AclObject::CustomField(cf.id))? {
                seen.push(cf);
            }
        }
        Ok(seen)
    }

    /// Applies a field to a queue's objects (`Some(queue)`) or everywhere
    /// (`None`). Needs `AssignCustomFields` there.
    pub fn apply_custom_field(&mut self, id: CustomFieldId, queue: Option<QueueId>) -> Result<()> {
        let cf = self.custom_field(id)?;
        let object = match queue {
            Some(q) => {
                crate::queue::load_queue(self.conn, q)?;
                AclObject::Queue(q)
            }
            None => AclObject::System,
        };
        self.require(rights::ASSIGN_CUSTOM_FIELDS, object)?;
        if queue.is_some() && !matches!(cf.lookup, LookupType::Ticket | LookupType::Transaction) {
            return Err(Error::invalid(
                "queue",
                format!("{} fields apply everywhere, not per queue", cf.lookup.as_str()),
            ));
        }
        let object_id = queue.map_or(0, |q| q.0);
        let exists = object_custom_fields::table
            .filter(object_custom_fields::custom_field.eq(id.0))
            .filter(object_custom_fields::object_id.eq(object_id))
            .select(object_custom_fields::id)
            .get_result::<i64>(self.conn)
            .optional()?;
        if exists.is_none() {
            diesel::insert_into(object_custom_fields::table)
                .values((
                    object_custom_fields::custom_field.eq(id.0),
                    object_custom_fields::object_id.eq(object_id),
                    object_custom_fields::creator.eq(self.user.id.0),
                    object_custom_fields::created.eq(self.now),
                ))
                .execute(self.conn)?;
            // Nodes cache which fields apply with defaults by this version.
            self.bump_acl_version()?;
        }
        Ok(())
    }

    /// Adds a value a select offers. Needs `AdminCustomFieldValues`.
    pub fn add_custom_field_option(
        &mut self,
        id: CustomFieldId,
        name: &str,
        sort_order: i64,
        category: &str,
    ) -> Result<()> {
        self.custom_field(id)?;
        if !self.has_right(rights::ADMIN_CUSTOM_FIELD, AclObject::CustomField(id))? {
            self.require(rights::ADMIN_CUSTOM_FIELD_VALUES, AclObject::CustomField(id))?;
        }
        if name.trim().is_empty() {
            return Err(Error::invalid("value", "must not be empty"));
        }
        diesel::insert_into(custom_field_values::table)
            .values((
                custom_field_values::custom_field.eq(id.0),
                custom_field_values::name.eq(name.trim()),
                custom_field_values::sort_order.eq(sort_order),
                custom_field_values::category.eq(category),
                custom_field_values::creator.eq(self.user.id.0),
                custom_field_values::created.eq(self.now),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// The values a select offers: (name, category), in sort order.
    pub fn custom_field_options(&mut self, id: CustomFieldId) -> Result<Vec<(String, String)>> {
        Ok(custom_field_values::table
            .filter(custom_field_values::custom_field.eq(id.0))
            .order((custom_field_values::sort_order, custom_field_values::name))
            .select((custom_field_values::name, custom_field_values::category))
            .load(self.conn)?)
    }

    /// The fields that apply to an object, in sort order.
    pub fn custom_fields_for(&mut self, object: CfObject) -> Result<Vec<CustomField>> {
        let (lookup, queue) = self.cf_scope(object)?;
        self.fields_in_scope(lookup, queue)
    }

    /// The ticket fields that apply to tickets of a queue (globally or to
    /// that queue), in sort order: what a new ticket there may be given.
    pub fn ticket_custom_fields_in_queue(&mut self, queue: QueueId) -> Result<Vec<CustomField>> {
        crate::queue::load_queue(self.conn, queue)?;
        self.fields_in_scope(LookupType::Ticket, Some(queue.0))
    }

    /// The ticket and transaction fields applied to `queue` itself (not
    /// the global ones), in sort order.
    pub fn custom_fields_applied_to(&mut self, queue: QueueId) -> Result<Vec<CustomField>> {
        crate::queue::load_queue(self.conn, queue)?;
        let rows: Vec<FieldRow> = object_custom_fields::table
            .inner_join(custom_fields::table)
            .filter(custom_fields::lookup_type.eq_any([LookupType::Ticket.as_str(), LookupType::Transaction.as_str()]))
            .filter(object_custom_fields::object_id.eq(queue.0))
            .order((object_custom_fields::sort_order, custom_fields::sort_order, custom_fields::id))
            .select(field_columns())
            .load(self.conn)?;
        rows.into_iter().map(field).collect()
    }

    /// Renames a value a select offers; the values objects hold are not
    /// changed. Needs `AdminCustomFieldValues`.
    pub fn rename_custom_field_option(&mut self, id: CustomFieldId, old: &str, new: &str) -> Result<()> {
        self.custom_field(id)?;
        if !self.has_right(rights::ADMIN_CUSTOM_FIELD, AclObject::CustomField(id))? {
            self.require(rights::ADMIN_CUSTOM_FIELD_VALUES, AclObject::CustomField(id))?;
        }
        if new.trim().is_empty() {
            return Err(Error::invalid("value", "must not be empty"));
        }
        let n = diesel::update(
            custom_field_values::table
                .filter(custom_field_values::custom_field.eq(id.0))
                .filter(custom_field_values::name.eq(old)),
        )
        .set(custom_field_values::name.eq(new.trim()))
        .execute(self.conn)?;
        if n == 0 {
            return Err(Error::invalid("value", format!("the field offers no value {old:?}")));
        }
        Ok(())
    }

    fn fields_in_scope(&mut self, lookup: LookupType, queue: Option<i64>) -> Result<Vec<CustomField>> {
        // One query: the fields with their settings, not one lookup each.
        let rows: Vec<FieldRow> = object_custom_fields::table
            .inner_join(custom_fields::table)
            .filter(custom_fields::lookup_type.eq(lookup.as_str()))
            .filter(custom_fields::disabled.eq(false))
            .filter(object_custom_fields::object_id.eq(0).or(object_custom_fields::object_id.eq(queue.unwrap_or(0))))
            .order((object_custom_fields::sort_order, custom_fields::sort_order, custom_fields::id))
            .select(field_columns())
            .load(self.conn)?;
        let mut fields: Vec<CustomField> = Vec::with_capacity(rows.len());
        for row in rows {
            let f = field(row)?;
            // A field applied both globally and to the queue is listed once.
            if !fields.iter().any(|known| known.id == f.id) {
                fields.push(f);
            }
        }
        Ok(fields)
    }

    /// An object's current values of a field. Needs `SeeCustomField` and
    /// the right to see the object.
    pub fn cf_values(&mut self, object: CfObject, id: CustomFieldId) -> Result<Vec<CfValue>> {
        let cf = self.applicable_field(object, id)?;
        self.require_cf_right(rights::SEE_CUSTOM_FIELD, &cf, object)?;
        self.current_values(object, cf.id)
    }

    /// Adds a value (a single-value field's old value is replaced; beyond
    /// `max_values` the oldest goes). Needs `ModifyCustomField`.
    pub fn add_cf_value(&mut self, object: CfObject, id: CustomFieldId, value: impl Into<CfInput>) -> Result<()> {
        let cf = self.applicable_field(object, id)?;
        self.require_cf_right(rights::MODIFY_CUSTOM_FIELD, &cf, object)?;
        self.store_cf_value(object, &cf, value.into(), true)
    }

    /// Replaces all of an object's values of a field with `values`, keeping
    /// those already held. Needs `ModifyCustomField`.
    pub fn set_cf_values(&mut self, object: CfObject, id: CustomFieldId, values: &[&str]) -> Result<()> {
        let cf = self.applicable_field(object, id)?;
        self.require_cf_right(rights::MODIFY_CUSTOM_FIELD, &cf, object)?;
        if cf.max_values > 0 && values.len() as i64 > cf.max_values {
            return Err(Error::invalid(&cf.name, format!("takes at most {} value(s)", cf.max_values)));
        }
        let wanted =
            values.iter().map(|v| self.validate(&cf, object, CfInput::from(*v))).collect::<Result<Vec<_>>>()?;
        let current = self.current_values(object, cf.id)?;
        for old in &current {
            if !wanted.iter().any(|w| w.content.as_deref() == Some(old.content.as_str())) {
                self.disable_value(object, &cf, old)?;
            }
        }
        for stored in wanted {
            if !current.iter().any(|c| Some(c.content.as_str()) == stored.content.as_deref()) {
                self.insert_value(object, &cf, stored, None, true)?;
            }
        }
        Ok(())
    }

    /// Removes one value. Needs `ModifyCustomField`.
    pub fn delete_cf_value(&mut self, object: CfObject, id: CustomFieldId, value: &str) -> Result<()> {
        let cf = self.applicable_field(object, id)?;
        self.require_cf_right(rights::MODIFY_CUSTOM_FIELD, &cf, object)?;
        let current = self.current_values(object, cf.id)?;
        let wanted = self.validate(&cf, object, CfInput::from(value)).ok().and_then(|s| s.content);
        let old = current
            .iter()
            .find(|c| c.content == value || Some(&c.content) == wanted.as_ref())
            .ok_or_else(|| Error::invalid(&cf.name, format!("has no value {value:?}")))?;
        let old = old.clone();
        self.disable_value(object, &cf, &old)
    }

    /// Sets the values a new ticket was created with, and the fields'
    /// defaults where none was given (called inside ticket creation).
    pub(crate) fn initial_cf_values(
        &mut self,
        ticket: TicketId,
        queue: QueueId,
        given: &[(CustomFieldId, Vec<String>)],
    ) -> Result<()> {
        let object = CfObject::Ticket(ticket);
        if !given.is_empty() {
            let fields = self.custom_fields_for(object)?;
            for (id, values) in given {
                let cf = fields.iter().find(|f| f.id == *id).cloned().ok_or_else(|| {
                    Error::invalid("custom field", format!("custom field {id} does not apply to queue {queue}"))
                })?;
                let allowed = self.cf_right(rights::SET_INITIAL_CUSTOM_FIELD, &cf, object)?
                    || self.cf_right(rights::MODIFY_CUSTOM_FIELD, &cf, object)?;
                if !allowed {
                    return Err(Error::denied(rights::SET_INITIAL_CUSTOM_FIELD, format!("custom field {}", cf.name)));
                }
                for v in values {
                    self.store_cf_value(object, &cf, CfInput::Text(v.clone()), false)?;
                }
            }
        }
        let defaults = self.ticket_field_defaults()?;
        for (field, _) in defaults.iter().filter(|(_, q)| *q == 0 || *q == queue.0) {
            if given.iter().any(|(id, _)| id == field) {
                continue;
            }
            let cf = self.custom_field(*field)?;
            for v in &cf.default_values {
                self.store_cf_value(object, &cf, CfInput::Text(v.clone()), false)?;
            }
        }
        Ok(())
    }

    /// Ticket fields with default values and where they apply (queue id, 0
    /// for everywhere). Cached per node for the current `acl_version`,
    /// which applying a field bumps: most sites have none, and ticket
    /// creation should not pay a query to learn that.
    fn ticket_field_defaults(&mut self) -> Result<DefaultsByQueue> {
        let version = self.acl_version()?;
        let cached = match self.rt.cf_defaults.lock() {
            Ok(cache) if !self.acl_dirty => cache.as_ref().filter(|(v, _)| *v == version).map(|(_, d)| d.clone()),
            _ => None,
        };
        if let Some(defaults) = cached {
            return Ok(defaults);
        }
        let rows: Vec<(i64, i64)> = object_custom_fields::table
            .inner_join(custom_fields::table)
            .filter(custom_fields::lookup_type.eq(LookupType::Ticket.as_str()))
            .filter(custom_fields::disabled.eq(false))
            .filter(custom_fields::default_values.ne(""))
            .select((custom_fields::id, object_custom_fields::object_id))
            .load(self.conn)?;
        let defaults: DefaultsByQueue = rows.into_iter().map(|(cf, q)| (CustomFieldId(cf), q)).collect();
        if let (false, Ok(mut cache)) = (self.acl_dirty, self.rt.cf_defaults.lock()) {
            *cache = Some((version, defaults.clone()));
        }
        Ok(defaults)
    }

    /// Gives `into` the values `from` holds for fields that apply to `into`
    /// too, without transactions (part of a merge): single-value fields
    /// keep `into`'s value when it has one, others gain what they lack.
    pub(crate) fn merge_cf_values(&mut self, from: TicketId, into: TicketId) -> Result<()> {
        let (source, target) = (CfObject::Ticket(from), CfObject::Ticket(into));
        for cf in self.custom_fields_for(target)? {
            let have = self.current_values(target, cf.id)?;
            for value in self.current_values(source, cf.id)? {
                let full = cf.max_values > 0 && have.len() as i64 >= cf.max_values;
                if full || have.iter().any(|h| h.content == value.content && h.bytes == value.bytes) {
                    continue;
                }
                let input = match value.bytes {
                    Some(bytes) => CfInput::Upload { filename: value.content, content_type: value.content_type, bytes },
                    None => CfInput::Text(value.content),
                };
                // Unique fields would refuse the value its old owner still
                // holds; merged tickets keep theirs.
                if let Ok(stored) = self.validate(&CustomField { unique_values: false, ..cf.clone() }, target, input) {
                    self.insert_value(target, &cf, stored, None, false)?;
                }
            }
        }
        Ok(())
    }

    /// Stores a value; `record` is false while a ticket is created, whose
    /// Create transaction stands for its initial values (as in RT).
    fn store_cf_value(&mut self, object: CfObject, cf: &CustomField, value: CfInput, record: bool) -> Result<()> {
        let stored = self.validate(cf, object, value)?;
        let current = self.current_values(object, cf.id)?;
        if current.iter().any(|c| Some(&c.content) == stored.content.as_ref() && stored.large.is_none()) {
            return Ok(());
        }
        // A full field gives up its oldest value; that change and the new
        // value are one CustomField transaction, as RT records a replaced
        // single value.
        let replaced =
            if cf.max_values > 0 && current.len() as i64 >= cf.max_values { current.first().cloned() } else { None };
        if let Some(old) = &replaced {
            self.disable_row(old.id)?;
        }
        self.insert_value(object, cf, stored, replaced, record)
    }

    fn insert_value(
        &mut self,
        object: CfObject,
        cf: &CustomField,
        v: Stored,
        replaced: Option<CfValue>,
        record: bool,
    ) -> Result<()> {
        let (object_type, object_id) = object_key(object);
        let (family, start, end) = match &v.ip {
            Some(range) => (Some(range.family().as_str()), Some(range.start_hex()), Some(range.end_hex())),
            None => (None, None, None),
        };
        if let Some(range) = &v.ip {
            self.widen_ip_span(cf.id, range)?;
        }
        let id: i64 = diesel::insert_into(ocfv::table)
            .values((
                (
                    ocfv::custom_field.eq(cf.id.0),
                    ocfv::object_type.eq(object_type),
                    ocfv::object_id.eq(object_id),
                    ocfv::content.eq(&v.content),
                    ocfv::large_content.eq(&v.large),
                    ocfv::content_type.eq(&v.content_type),
                    ocfv::ip_family.eq(family),
                    ocfv::ip_start.eq(start),
                    ocfv::ip_end.eq(end),
                ),
                (
                    ocfv::disabled.eq(false),
                    ocfv::creator.eq(self.user.id.0),
                    ocfv::created.eq(self.now),
                    ocfv::last_updated_by.eq(self.user.id.0),
                    ocfv::last_updated.eq(self.now),
                ),
            ))
            .returning(ocfv::id)
            .get_result(self.conn)?;
        if !record {
            return Ok(());
        }
        let shown = v.content.clone().or_else(|| v.large.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()));
        self.record_cf_change(object, cf, replaced.as_ref(), Some((id, shown.unwrap_or_default())))
    }

    /// Keeps `custom_field_ip_spans` at least as wide as `range`, which IP
    /// searches rely on to bound their index scans (see `search`).
    fn widen_ip_span(&mut self, cf: CustomFieldId, range: &IpRange) -> Result<()> {
        use crate::db::schema::custom_field_ip_spans as spans;
        let (family, span) = (range.family().as_str(), range.span_hex());
        // Read first: once a field's span is reached no write (and, on
        // PostgreSQL, no row lock shared by every writer) is needed.
        let current: Option<String> = spans::table
            .filter(spans::custom_field.eq(cf.0))
            .filter(spans::ip_family.eq(family))
            .select(spans::max_span)
            .get_result(self.conn)
            .optional()?;
        if current.is_some_and(|c| c >= span) {
            return Ok(());
        }
        // Insert, or wait for a concurrent insert of the same key; then
        // widen. Spans never narrow, so a stale span is only a wider scan.
        let insert = diesel::insert_into(spans::table)
            .values((spans::custom_field.eq(cf.0), spans::ip_family.eq(family), spans::max_span.eq(&span)))
            .on_conflict_do_nothing();
        crate::db::dialect::with_inner!(&mut *self.conn, c => insert.execute(c))?;
        diesel::update(
            spans::table
                .filter(spans::custom_field.eq(cf.0))
                .filter(spans::ip_family.eq(family))
                .filter(spans::max_span.lt(&span)),
        )
        .set(spans::max_span.eq(&span))
        .execute(self.conn)?;
        Ok(())
    }

    fn disable_value(&mut self, object: CfObject, cf: &CustomField, old: &CfValue) -> Result<()> {
        self.disable_row(old.id)?;
        self.record_cf_change(object, cf, Some(old), None)
    }

    fn disable_row(&mut self, id: i64) -> Result<()> {
        diesel::update(ocfv::table.find(id))
            .set((ocfv::disabled.eq(true), ocfv::last_updated.eq(self.now), ocfv::last_updated_by.eq(self.user.id.0)))
            .execute(self.conn)?;
        Ok(())
    }

    fn record_cf_change(
        &mut self,
        object: CfObject,
        cf: &CustomField,
        old: Option<&CfValue>,
        new: Option<(i64, String)>,
    ) -> Result<()> {
        let (object_type, object_id) = object_key(object);
        let field = cf.id.to_string();
        let txn = NewTransaction {
            object_type,
            object_id,
            kind: "CustomField",
            field: Some(&field),
            old_value: old.map(|o| o.content.clone()),
            new_value: new.as_ref().map(|n| n.1.clone()),
            reference_type: Some("RT::ObjectCustomFieldValue"),
            old_reference: old.map(|o| o.id),
            new_reference: new.as_ref().map(|n| n.0),
            ..NewTransaction::default()
        };
        match object {
            CfObject::Ticket(t) => {
                let ticket = self.load_ticket(t)?;
                self.record_ticket(&ticket, txn, None).map(drop)
            }
            _ => self.record(txn, None).map(drop),
        }
    }

    fn current_values(&mut self, object: CfObject, id: CustomFieldId) -> Result<Vec<CfValue>> {
        let (object_type, object_id) = object_key(object);
        let rows: Vec<ValueRow> = ocfv::table
            .filter(ocfv::object_type.eq(object_type))
            .filter(ocfv::object_id.eq(object_id))
            .filter(ocfv::custom_field.eq(id.0))
            .filter(ocfv::disabled.eq(false))
            .order(ocfv::id)
            .select((ocfv::id, ocfv::content, ocfv::large_content, ocfv::content_type))
            .load(self.conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, content, large, content_type)| {
                let upload = content_type != "text/plain";
                let content = match (&content, &large) {
                    (Some(c), _) => c.clone(),
                    (None, Some(b)) if !upload => String::from_utf8_lossy(b).into_owned(),
                    _ => String::new(),
                };
                CfValue { id, content, bytes: if upload { large } else { None }, content_type }
            })
            .collect())
    }

    /// Checks a value against the field's type, options, pattern and
    /// uniqueness, and puts it in its stored form.
    fn validate(&mut self, cf: &CustomField, object: CfObject, value: CfInput) -> Result<Stored> {
        let bad = |why: String| Err(Error::invalid(&cf.name, why));
        let text = match value {
            CfInput::Upload { filename, content_type, bytes } => {
                if !cf.kind.is_upload() {
                    return bad("takes text, not a file".into());
                }
                if cf.kind == CfType::Image && !content_type.starts_with("image/") {
                    return bad(format!("takes images, not {content_type}"));
                }
                if bytes.len() as u64 > self.rt.config.max_attachment_size {
                    return bad(format!("{filename} is larger than the attachment limit"));
                }
                return Ok(Stored { content: Some(filename), large: Some(bytes), content_type, ip: None });
            }
            CfInput::Text(t) => t,
        };
        if cf.kind.is_upload() {
            return bad("takes a file upload".into());
        }
        let multiline = matches!(cf.kind, CfType::Text | CfType::Wikitext | CfType::Html);
        let text = if multiline { text.replace("\r\n", "\n") } else { text.trim().to_string() };
        if text.trim().is_empty() {
            return bad("a value must not be empty".into());
        }
        let mut ip = None;
        let content = match cf.kind {
            CfType::Freeform | CfType::Combobox | CfType::Autocomplete if text.contains('\n') => {
                return bad("takes a single line".into());
            }
            CfType::Select => {
                let known = custom_field_values::table
                    .filter(custom_field_values::custom_field.eq(cf.id.0))
                    .filter(custom_field_values::name.eq(&text))
                    .select(custom_field_values::id)
                    .get_result::<i64>(self.conn)
                    .optional()?;
                if known.is_none() {
                    return bad(format!("{text:?} is not one of its values"));
                }
                text
            }
            CfType::Date => match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                Ok(d) => d.format("%Y-%m-%d").to_string(),
                Err(_) => return bad(format!("{text:?} is not a date (YYYY-MM-DD)")),
            },
            CfType::DateTime => match parse_datetime(&text) {
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => return bad(format!("{text:?} is not a date and time (YYYY-MM-DD HH:MM:SS, UTC)")),
            },
            CfType::IpAddress | CfType::IpAddressRange => {
                let range =
                    if cf.kind == CfType::IpAddress { IpRange::parse_single(&text) } else { IpRange::parse(&text) };
                let range = range.map_err(|e| Error::invalid(&cf.name, e.to_string()))?;
                ip = Some(range);
                range.to_string()
            }
            _ => text,
        };
        if let Some((re, name)) = compile_pattern(&cf.pattern)?
            && !re.is_match(&content)
        {
            let rule = if cf.validation_hint.is_empty() { name } else { cf.validation_hint.clone() };
            return bad(format!("input must match [{rule}]"));
        }
        if cf.unique_values {
            let (object_type, object_id) = object_key(object);
            let taken = ocfv::table
                .filter(ocfv::custom_field.eq(cf.id.0))
                .filter(ocfv::disabled.eq(false))
                .filter(ocfv::content.eq(&content))
                .filter(ocfv::object_type.ne(object_type).or(ocfv::object_id.ne(object_id)))
                .select(ocfv::id)
                .get_result::<i64>(self.conn)
                .optional()?;
            if taken.is_some() {
                return bad(format!("{content:?} is already used and values must be unique"));
            }
        }
        // Long text goes to large_content, as RT does, so the indexed
        // content column stays short.
        Ok(if content.len() > 255 {
            Stored { content: None, large: Some(content.into_bytes()), content_type: "text/plain".into(), ip }
        } else {
            Stored { content: Some(content), large: None, content_type: "text/plain".into(), ip }
        })
    }

    /// The field, if it applies to the object.
    fn applicable_field(&mut self, object: CfObject, id: CustomFieldId) -> Result<CustomField> {
        self.custom_fields_for(object)?.into_iter().find(|f| f.id == id).ok_or_else(|| {
            Error::invalid("custom field", format!("custom field {id} does not apply to {}", describe(object)))
        })
    }

    /// The lookup type an object's fields have and the queue they apply
    /// through, after checking the object exists.
    fn cf_scope(&mut self, object: CfObject) -> Result<(LookupType, Option<i64>)> {
        Ok(match object {
            CfObject::Ticket(t) => (LookupType::Ticket, Some(self.load_ticket(t)?.queue.0)),
            CfObject::Transaction(t) => {
                let txn = self.load_transaction(t)?;
                let queue = if txn.object_type == crate::ticket::TICKET {
                    self.load_ticket(TicketId(txn.object_id))?.queue.0
                } else {
                    return Err(Error::invalid("custom field", "only ticket transactions hold custom field values"));
                };
                (LookupType::Transaction, Some(queue))
            }
            CfObject::User(u) => {
                self.user(u)?;
                (LookupType::User, None)
            }
            CfObject::Group(g) => {
                self.group(g)?;
                (LookupType::Group, None)
            }
            CfObject::Queue(q) => {
                crate::queue::load_queue(self.conn, q)?;
                (LookupType::Queue, None)
            }
        })
    }

    /// A custom field right, on the field or through the object.
    fn cf_right(&mut self, right: &str, cf: &CustomField, object: CfObject) -> Result<bool> {
        if self.has_right(right, AclObject::CustomField(cf.id))? {
            return Ok(true);
        }
        Ok(match object {
            CfObject::Ticket(t) => {
                let ticket = self.load_ticket(t)?;
                self.has_right(right, ticket.acl_object())?
            }
            CfObject::Transaction(t) => {
                let txn = self.load_transaction(t)?;
                let ticket = self.load_ticket(TicketId(txn.object_id))?;
                self.has_right(right, ticket.acl_object())?
            }
            CfObject::Queue(q) => self.has_right(right, AclObject::Queue(q))?,
            CfObject::User(_) | CfObject::Group(_) => false,
        })
    }

    /// The field right plus the object's own right to see or change it.
    fn require_cf_right(&mut self, right: &str, cf: &CustomField, object: CfObject) -> Result<()> {
        let write = right != rights::SEE_CUSTOM_FIELD;
        match object {
            CfObject::Ticket(t) => {
                let ticket = self.load_ticket(t)?;
                self.require(rights::SHOW_TICKET, ticket.acl_object())?;
            }
            CfObject::Transaction(t) => {
                self.ticket_transaction(t)?;
            }
            CfObject::User(u) if u == self.user.id && !write => {}
            CfObject::User(_) => self.require(rights::ADMIN_USERS, AclObject::System)?,
            CfObject::Group(g) if write => self.require(rights::ADMIN_GROUP, AclObject::Group(g))?,
            CfObject::Group(_) => {}
            CfObject::Queue(q) if write => self.require(rights::ADMIN_QUEUE, AclObject::Queue(q))?,
            CfObject::Queue(q) => self.require(rights::SEE_QUEUE, AclObject::Queue(q))?,
        }
        if self.cf_right(right, cf, object)? {
            Ok(())
        } else {
            Err(Error::denied(right, format!("custom field {}", cf.name)))
        }
    }
}

fn object_key(object: CfObject) -> (&'static str, i64) {
    match object {
        CfObject::Ticket(t) => ("RT::Ticket", t.0),
        CfObject::Transaction(t) => ("RT::Transaction", t.0),
        CfObject::User(u) => ("RT::User", u.0),
        CfObject::Group(g) => ("RT::Group", g.0),
        CfObject::Queue(q) => ("RT::Queue", q.0),
    }
}

fn describe(object: CfObject) -> String {
    let (kind, id) = object_key(object);
    format!("{} {id}", kind.trim_start_matches("RT::").to_lowercase())
}

/// Compiles an RT pattern. A leading `(?#Name)` comment (Perl syntax that
/// Rust's regex lacks) is removed and names the rule in error messages.
fn compile_pattern(pattern: &str) -> Result<Option<(regex::Regex, String)>> {
    if pattern.trim().is_empty() {
        return Ok(None);
    }
    let (name, body) = match pattern.strip_prefix("(?#").and_then(|rest| rest.split_once(')')) {
        Some((name, body)) => (name.to_string(), body),
        None => (pattern.to_string(), pattern),
    };
    let re = regex::Regex::new(body)
        .map_err(|e| Error::invalid("pattern", format!("{pattern:?} is not a valid pattern: {e}")))?;
    Ok(Some((re, name)))
}

fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_utc());
    }
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}

/// Default values are kept one per line (values are single-line unless the
/// field is Text, whose defaults are rare and kept whole).
fn join_defaults(values: &[String]) -> String {
    values.join("\n")
}

fn field(r: FieldRow) -> Result<CustomField> {
    let (
        (id, name, kind, max_values, pattern, lookup),
        (entry_hint, validation_hint, description, link, defaults, unique, disabled),
    ) = r;
    Ok(CustomField {
        id: CustomFieldId(id),
        name,
        kind: CfType::from_name(&kind).ok_or_else(|| Error::Database(format!("unknown custom field type {kind}")))?,
        lookup: LookupType::from_name(&lookup)
            .ok_or_else(|| Error::Database(format!("unknown custom field lookup type {lookup}")))?,
        max_values,
        pattern,
        validation_hint,
        entry_hint,
        description,
        link_value_to: link,
        default_values: defaults.lines().filter(|l| !l.is_empty()).map(String::from).collect(),
        unique_values: unique,
        disabled,
    })
}

#[allow(clippy::type_complexity)]
fn field_columns() -> (
    (
        custom_fields::id,
        custom_fields::name,
        custom_fields::type_,
        custom_fields::max_values,
        custom_fields::pattern,
        custom_fields::lookup_type,
    ),
    (
        custom_fields::entry_hint,
        custom_fields::validation_hint,
        custom_fields::description,
        custom_fields::link_value_to,
        custom_fields::default_values,
        custom_fields::unique_values,
        custom_fields::disabled,
    ),
) {
    use custom_fields::*;
    (
        (id, name, type_, max_values, pattern, lookup_type),
        (entry_hint, validation_hint, description, link_value_to, default_values, unique_values, disabled),
    )
}
