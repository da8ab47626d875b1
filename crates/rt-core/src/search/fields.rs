//! The fields TicketSQL searches, their sub-fields and spellings, and the
//! operators each accepts.

use std::fmt;

use super::parse::Op;

/// Declares a fieldless enum with canonical names looked up case-insensitively.
macro_rules! named {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The canonical spelling, as RT writes it.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// Looks a spelling up, ignoring ASCII case.
            pub fn from_name(text: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.name().eq_ignore_ascii_case(text))
            }
        }
    };
}

named! {
    /// Integer ticket columns.
    pub enum NumberField {
        /// `InitialPriority`
        InitialPriority = "InitialPriority",
        /// `FinalPriority`
        FinalPriority = "FinalPriority",
        /// `Priority` (labels such as `'High'` with `$EnablePriorityAsString`)
        Priority = "Priority",
        /// `TimeLeft` (minutes)
        TimeLeft = "TimeLeft",
        /// `TimeWorked` (minutes)
        TimeWorked = "TimeWorked",
        /// `TimeEstimated` (minutes)
        TimeEstimated = "TimeEstimated",
    }
}

named! {
    /// Date ticket columns.
    pub enum DateField {
        /// `Created`
        Created = "Created",
        /// `Starts`
        Starts = "Starts",
        /// `Started`
        Started = "Started",
        /// `Due`
        Due = "Due",
        /// `Resolved`
        Resolved = "Resolved",
        /// `Told` (last contact)
        Told = "Told",
        /// `LastUpdated`
        LastUpdated = "LastUpdated",
    }
}

named! {
    /// A part of a date (`Created.Month`), as DBIx::SearchBuilder's
    /// `DateTimeFunction` names them; compared in the user's zone.
    pub enum DatePart {
        /// `Time` (`HH:MM`)
        Time = "Time",
        /// `Hourly` (`YYYY-MM-DD HH`)
        Hourly = "Hourly",
        /// `Hour` (0-23)
        Hour = "Hour",
        /// `Date` (`YYYY-MM-DD`)
        Date = "Date",
        /// `Daily` (`YYYY-MM-DD`)
        Daily = "Daily",
        /// `DayOfWeek` (0 = Sunday; day names accepted)
        DayOfWeek = "DayOfWeek",
        /// `Day` (day of month)
        Day = "Day",
        /// `DayOfMonth`
        DayOfMonth = "DayOfMonth",
        /// `DayOfYear`
        DayOfYear = "DayOfYear",
        /// `Month` (1-12; month names accepted)
        Month = "Month",
        /// `Monthly` (`YYYY-MM`)
        Monthly = "Monthly",
        /// `Year`
        Year = "Year",
        /// `Annually` (`YYYY`)
        Annually = "Annually",
        /// `WeekOfYear`
        WeekOfYear = "WeekOfYear",
    }
}

named! {
    /// Searchable user attributes of watchers (`Requestor.EmailAddress`).
    pub enum UserAttribute {
        /// `EmailAddress`
        EmailAddress = "EmailAddress",
        /// `Name`
        Name = "Name",
        /// `RealName`
        RealName = "RealName",
        /// `Nickname`
        Nickname = "Nickname",
        /// `Organization`
        Organization = "Organization",
        /// `Address1`
        Address1 = "Address1",
        /// `Address2`
        Address2 = "Address2",
        /// `City`
        City = "City",
        /// `State`
        State = "State",
        /// `Zip`
        Zip = "Zip",
        /// `Country`
        Country = "Country",
        /// `WorkPhone`
        WorkPhone = "WorkPhone",
        /// `HomePhone`
        HomePhone = "HomePhone",
        /// `MobilePhone`
        MobilePhone = "MobilePhone",
        /// `PagerPhone`
        PagerPhone = "PagerPhone",
        /// `id`
        Id = "id",
    }
}

named! {
    /// Link fields; the value is a ticket id or URI.
    pub enum LinkField {
        /// `Linked`: any link, either direction.
        Linked = "Linked",
        /// `LinkedTo`: any link from this ticket.
        LinkedTo = "LinkedTo",
        /// `LinkedFrom`: any link to this ticket.
        LinkedFrom = "LinkedFrom",
        /// `MemberOf` (child of)
        MemberOf = "MemberOf",
        /// `HasMember` (parent of)
        HasMember = "HasMember",
        /// `DependsOn`
        DependsOn = "DependsOn",
        /// `DependedOnBy` (alias `DependentOn`)
        DependedOnBy = "DependedOnBy",
        /// `RefersTo`
        RefersTo = "RefersTo",
        /// `ReferredToBy`
        ReferredToBy = "ReferredToBy",
    }
}

named! {
    /// `Queue.Name` / `Queue.id`.
    pub enum QueueAttribute {
        /// `Name`
        Name = "Name",
        /// `id`
        Id = "id",
    }
}

named! {
    /// Which column of a custom field value (`CF.{x}.LargeContent`).
    pub enum CfColumn {
        /// `Content`
        Content = "Content",
        /// `LargeContent`
        LargeContent = "LargeContent",
    }
}

named! {
    /// What a searched custom field applies to.
    pub enum CfAppliesTo {
        /// `CF.{x}`, `CustomField.{x}`, `CustomFieldValue.{x}`: the ticket's.
        Ticket = "CF",
        /// `QueueCF.{x}`: the ticket's queue's.
        Queue = "QueueCF",
        /// `TxnCF.{x}`, `TransactionCF.{x}`: one of the ticket's transactions'.
        Transaction = "TxnCF",
    }
}

/// A custom field or custom role, by name (case-insensitive) or id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NameOrId {
    /// All digits: an id.
    Id(u64),
    /// Anything else: a name.
    Name(String),
}

impl NameOrId {
    fn from_text(text: &str) -> NameOrId {
        match text.parse() {
            Ok(id) if text.bytes().all(|b| b.is_ascii_digit()) => NameOrId::Id(id),
            _ => NameOrId::Name(text.to_string()),
        }
    }
}

impl fmt::Display for NameOrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameOrId::Id(id) => write!(f, "{id}"),
            NameOrId::Name(name) => f.write_str(name),
        }
    }
}

/// A ticket role.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WatcherRole {
    /// `Owner` (a column on the ticket, but searched like a role).
    Owner,
    /// `Requestor` (alias `Requestors`).
    Requestor,
    /// `Cc`
    Cc,
    /// `AdminCc`
    AdminCc,
    /// `CustomRole.{Name}`
    Custom(NameOrId),
}

/// What a condition compares: every field of RT's `%FIELD_METADATA`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// `id` (also `id = '__Bookmarked__'`).
    Id,
    /// `EffectiveId`
    EffectiveId,
    /// `Queue` (name or id; `LIKE` matches names), `Queue.Name`, `Queue.id`.
    Queue {
        /// The sub-field written, if any.
        attribute: Option<QueueAttribute>,
    },
    /// `Status` (also `'__Active__'` / `'__Inactive__'`).
    Status,
    /// `Subject`
    Subject,
    /// `SLA`
    Sla,
    /// `Type` (`ticket`, `approval`, `reminder`).
    Type,
    /// `Lifecycle` (of the ticket's queue).
    Lifecycle,
    /// `Creator` (user name or id).
    Creator,
    /// `LastUpdatedBy` (user name or id).
    LastUpdatedBy,
    /// `UpdatedBy`: creator of any of the ticket's transactions.
    UpdatedBy,
    /// An integer column.
    Number(NumberField),
    /// A date column, or a part of it (`Created.DayOfWeek`).
    Date {
        /// The column.
        column: DateField,
        /// The part compared, if any.
        part: Option<DatePart>,
    },
    /// `Updated` / `TransactionDate`: date of any of the ticket's transactions.
    TransactionDate,
    /// `Content`: full text of the ticket's attachments.
    Content,
    /// `ContentType` of an attachment.
    ContentType,
    /// `Filename` of an attachment.
    Filename,
    /// A role: `Owner`, `Requestor`, `Cc`, `AdminCc`, `Watcher` (any),
    /// `QueueCc`, `QueueAdminCc`, `QueueWatcher`, `CustomRole.{x}`, with an
    /// optional user attribute (`Requestor.EmailAddress`).
    Watcher {
        /// The role; `None` for any role (`Watcher`, `QueueWatcher`).
        role: Option<WatcherRole>,
        /// The queue's watchers rather than the ticket's (`QueueCc`).
        queue: bool,
        /// The compared user attribute; `None` compares the value with the
        /// email address (or user/group name or id).
        attribute: Option<UserAttribute>,
        /// `SHALLOW`: do not recurse into groups that hold the role.
        shallow: bool,
    },
    /// A role holder's group membership: `OwnerGroup`, `RequestorGroup`,
    /// `CCGroup`, `AdminCCGroup`, `WatcherGroup` (value: group name or id).
    WatcherGroup {
        /// The role; `None` for `WatcherGroup`.
        role: Option<WatcherRole>,
    },
    /// A link field.
    Link(LinkField),
    /// A custom field value: `CF.{Name}`, `CF.Name`, `CF.{id}`,
    /// `CF.General.{Name}`, `CF.{Name}.LargeContent`, `QueueCF.{x}`, `TxnCF.{x}`.
    CustomField {
        /// Whose custom field.
        applies_to: CfAppliesTo,
        /// The object it is applied to (`CF.General.{Name}`: queue General),
        /// to tell apart same-named fields.
        object: Option<String>,
        /// The field.
        cf: NameOrId,
        /// The compared column, if written.
        column: Option<CfColumn>,
    },
    /// `HasAttribute = 'Name'`
    HasAttribute,
    /// `HasNoAttribute = 'Name'`
    HasNoAttribute,
    /// `HasUnreadMessages` (for the current user).
    HasUnreadMessages,
    /// `HasNoUnreadMessages`
    HasNoUnreadMessages,
}

impl Field {
    /// Parses a field name (`Requestor.EmailAddress`, `cf.{Foo Bar}`),
    /// ignoring case. The error message names the problem.
    pub fn from_key(key: &str) -> Result<Field, String> {
        let (main, sub) = match key.split_once('.') {
            Some((main, sub)) => (main, Some(sub)),
            None => (key, None),
        };
        let lower = main.to_ascii_lowercase();
        let watcher = |role, queue| Field::Watcher { role, queue, attribute: None, shallow: false };
        let field = match lower.as_str() {
            "id" => Field::Id,
            "effectiveid" => Field::EffectiveId,
            "queue" => {
                let attribute = sub.map(|s| QueueAttribute::from_name(s).ok_or_else(|| bad_sub(key, "Name or id")));
                return Ok(Field::Queue { attribute: attribute.transpose()? });
            }
            "status" => Field::Status,
            "subject" => Field::Subject,
            "sla" => Field::Sla,
            "type" => Field::Type,
            "lifecycle" => Field::Lifecycle,
            "creator" => Field::Creator,
            "lastupdatedby" => Field::LastUpdatedBy,
            "updatedby" => Field::UpdatedBy,
            "updated" | "transactiondate" => Field::TransactionDate,
            "content" => Field::Content,
            "contenttype" => Field::ContentType,
            "filename" => Field::Filename,
            "hasattribute" => Field::HasAttribute,
            "hasnoattribute" => Field::HasNoAttribute,
            "hasunreadmessages" => Field::HasUnreadMessages,
            "hasnounreadmessages" => Field::HasNoUnreadMessages,
            "owner" => watcher(Some(WatcherRole::Owner), false),
            "requestor" | "requestors" => watcher(Some(WatcherRole::Requestor), false),
            "cc" => watcher(Some(WatcherRole::Cc), false),
            "admincc" => watcher(Some(WatcherRole::AdminCc), false),
            "watcher" => watcher(None, false),
            "queuecc" => watcher(Some(WatcherRole::Cc), true),
            "queueadmincc" => watcher(Some(WatcherRole::AdminCc), true),
            "queuewatcher" => watcher(None, true),
            "customrole" => return custom_role(key, sub),
            "ownergroup" => Field::WatcherGroup { role: Some(WatcherRole::Owner) },
            "requestorgroup" => Field::WatcherGroup { role: Some(WatcherRole::Requestor) },
            "ccgroup" => Field::WatcherGroup { role: Some(WatcherRole::Cc) },
            "adminccgroup" => Field::WatcherGroup { role: Some(WatcherRole::AdminCc) },
            "watchergroup" => Field::WatcherGroup { role: None },
            "dependenton" => Field::Link(LinkField::DependedOnBy),
            "cf" | "customfield" | "customfieldvalue" => return custom_field(key, CfAppliesTo::Ticket, sub),
            "queuecf" => return custom_field(key, CfAppliesTo::Queue, sub),
            "txncf" | "transactioncf" => return custom_field(key, CfAppliesTo::Transaction, sub),
            _ => {
                if let Some(number) = NumberField::from_name(main) {
                    Field::Number(number)
                } else if let Some(link) = LinkField::from_name(main) {
                    Field::Link(link)
                } else if let Some(column) = DateField::from_name(main) {
                    let part =
                        sub.map(|s| DatePart::from_name(s).ok_or_else(|| bad_sub(key, "a date part such as Month")));
                    return Ok(Field::Date { column, part: part.transpose()? });
                } else {
                    return Err(format!("unknown field '{key}'"));
                }
            }
        };
        match (field, sub) {
            (field, None) => Ok(field),
            (Field::Watcher { role, queue, .. }, Some(sub)) => {
                let attribute = UserAttribute::from_name(sub)
                    .ok_or_else(|| bad_sub(key, "a user attribute such as EmailAddress"))?;
                Ok(Field::Watcher { role, queue, attribute: Some(attribute), shallow: false })
            }
            (_, Some(_)) => Err(format!("'{main}' has no sub-fields (in '{key}')")),
        }
    }
}

fn bad_sub(key: &str, expected: &str) -> String {
    format!("unknown sub-field in '{key}', expected {expected}")
}

/// `CustomRole.{Name}` or `CustomRole.{Name}.EmailAddress`.
fn custom_role(key: &str, sub: Option<&str>) -> Result<Field, String> {
    let sub =
        sub.and_then(|s| s.strip_prefix('{')).ok_or_else(|| format!("expected CustomRole.{{Name}} in '{key}'"))?;
    let (name, rest) = sub.split_once('}').ok_or_else(|| format!("unclosed '{{' in '{key}'"))?;
    let attribute = match rest {
        "" => None,
        rest => Some(
            rest.strip_prefix('.')
                .and_then(UserAttribute::from_name)
                .ok_or_else(|| bad_sub(key, "a user attribute such as EmailAddress"))?,
        ),
    };
    if name.is_empty() {
        return Err(format!("empty custom role name in '{key}'"));
    }
    let role = Some(WatcherRole::Custom(NameOrId::from_text(name)));
    Ok(Field::Watcher { role, queue: false, attribute, shallow: false })
}

/// The part after `CF.`, read like RT's `_CustomFieldDecipher`.
fn custom_field(key: &str, applies_to: CfAppliesTo, sub: Option<&str>) -> Result<Field, String> {
    let sub = sub.filter(|s| !s.is_empty()).ok_or_else(|| format!("expected a custom field name after '{key}'"))?;
    let mut column = None;
    let mut rest = sub;
    for candidate in CfColumn::ALL {
        let suffix_len = candidate.name().len() + 1;
        if let Some(split) = sub.len().checked_sub(suffix_len)
            && sub.is_char_boundary(split)
            && sub[split..].eq_ignore_ascii_case(&format!(".{}", candidate.name()))
        {
            column = Some(*candidate);
            rest = &sub[..split];
        }
    }
    let (object, name) = if rest.ends_with('}') && (rest.starts_with('{') || rest.contains(".{")) {
        match rest.strip_prefix('{') {
            Some(inner) => (None, &inner[..inner.len() - 1]),
            None => {
                let (object, braced) = rest.split_once(".{").unwrap_or(("", rest));
                (Some(object.to_string()), &braced[..braced.len() - 1])
            }
        }
    } else if rest.chars().all(|c| c.is_alphanumeric() || c == '_') {
        (None, rest)
    } else {
        // RT takes the whole text as the name when it is neither form.
        column = None;
        (None, sub)
    };
    if name.is_empty() {
        return Err(format!("empty custom field name in '{key}'"));
    }
    Ok(Field::CustomField { applies_to, object, cf: NameOrId::from_text(name), column })
}

impl fmt::Display for Field {
    /// The canonical field name, parseable by [`Field::from_key`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Id => f.write_str("id"),
            Field::EffectiveId => f.write_str("EffectiveId"),
            Field::Queue { attribute } => {
                f.write_str("Queue")?;
                attribute.map_or(Ok(()), |a| write!(f, ".{}", a.name()))
            }
            Field::Status => f.write_str("Status"),
            Field::Subject => f.write_str("Subject"),
            Field::Sla => f.write_str("SLA"),
            Field::Type => f.write_str("Type"),
            Field::Lifecycle => f.write_str("Lifecycle"),
            Field::Creator => f.write_str("Creator"),
            Field::LastUpdatedBy => f.write_str("LastUpdatedBy"),
            Field::UpdatedBy => f.write_str("UpdatedBy"),
            Field::Number(n) => f.write_str(n.name()),
            Field::Date { column, part } => {
                f.write_str(column.name())?;
                part.map_or(Ok(()), |p| write!(f, ".{}", p.name()))
            }
            Field::TransactionDate => f.write_str("Updated"),
            Field::Content => f.write_str("Content"),
            Field::ContentType => f.write_str("ContentType"),
            Field::Filename => f.write_str("Filename"),
            Field::Watcher { role, queue, attribute, .. } => {
                f.write_str(if *queue { "Queue" } else { "" })?;
                match role {
                    None => f.write_str("Watcher")?,
                    Some(WatcherRole::Custom(r)) => write!(f, "CustomRole.{{{r}}}")?,
                    Some(role) => f.write_str(role_name(role))?,
                }
                attribute.map_or(Ok(()), |a| write!(f, ".{}", a.name()))
            }
            Field::WatcherGroup { role } => match role {
                Some(WatcherRole::Owner) => f.write_str("OwnerGroup"),
                Some(WatcherRole::Requestor) => f.write_str("RequestorGroup"),
                Some(WatcherRole::Cc) => f.write_str("CCGroup"),
                Some(WatcherRole::AdminCc) => f.write_str("AdminCCGroup"),
                Some(WatcherRole::Custom(_)) | None => f.write_str("WatcherGroup"),
            },
            Field::Link(link) => f.write_str(link.name()),
            Field::CustomField { applies_to, object, cf, column } => {
                write!(f, "{}.", applies_to.name())?;
                if let Some(object) = object {
                    write!(f, "{object}.")?;
                }
                write!(f, "{{{cf}}}")?;
                column.map_or(Ok(()), |c| write!(f, ".{}", c.name()))
            }
            Field::HasAttribute => f.write_str("HasAttribute"),
            Field::HasNoAttribute => f.write_str("HasNoAttribute"),
            Field::HasUnreadMessages => f.write_str("HasUnreadMessages"),
            Field::HasNoUnreadMessages => f.write_str("HasNoUnreadMessages"),
        }
    }
}

fn role_name(role: &WatcherRole) -> &'static str {
    match role {
        WatcherRole::Owner => "Owner",
        WatcherRole::Requestor => "Requestor",
        WatcherRole::Cc => "Cc",
        WatcherRole::AdminCc => "AdminCc",
        WatcherRole::Custom(_) => "CustomRole",
    }
}

use Op::*;

const EVERY_OP: &[Op] =
    &[Eq, Ne, Lt, Gt, Le, Ge, Like, NotLike, StartsWith, NotStartsWith, EndsWith, NotEndsWith, IsNull, IsNotNull];
const MATCH_OPS: &[Op] = &[Eq, Ne, Like, NotLike, StartsWith, NotStartsWith, EndsWith, NotEndsWith];
const STRING_OPS: &[Op] = &[Eq, Ne, Like, NotLike, StartsWith, NotStartsWith, EndsWith, NotEndsWith, IsNull, IsNotNull];
const DATE_OPS: &[Op] = &[Eq, Lt, Gt, Le, Ge, IsNull, IsNotNull];

/// The operators a field accepts, after RT's limit functions.
pub fn allowed_ops(field: &Field) -> &'static [Op] {
    match field {
        Field::Id | Field::EffectiveId | Field::Number(_) | Field::CustomField { .. } => EVERY_OP,
        Field::Status | Field::Subject | Field::Sla | Field::ContentType | Field::Filename => STRING_OPS,
        Field::Watcher { .. } => STRING_OPS,
        Field::Queue { .. } | Field::Lifecycle | Field::HasAttribute | Field::HasNoAttribute => MATCH_OPS,
        Field::Content => &[Eq, Ne, Like, NotLike],
        Field::Type | Field::Creator | Field::LastUpdatedBy | Field::UpdatedBy => &[Eq, Ne],
        Field::HasUnreadMessages | Field::HasNoUnreadMessages => &[Eq, Ne],
        Field::Date { .. } => DATE_OPS,
        Field::TransactionDate => &[Eq, Lt, Gt, Le, Ge],
        Field::WatcherGroup { .. } => &[Eq],
        Field::Link(_) => &[Eq, Ne, IsNull, IsNotNull],
    }
}
