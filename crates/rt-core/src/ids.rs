//! Typed ids. Public functions never take a bare integer id: a `TicketId`
//! cannot be passed where a `QueueId` is meant.
//!
//! Users and groups share the principal id space (as in RT), so
//! [`UserId`] and [`GroupId`] convert into [`PrincipalId`].

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;

macro_rules! typed_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw number, for display and URLs.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl<DB: Backend> ToSql<BigInt, DB> for $name
        where
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <i64 as ToSql<BigInt, DB>>::to_sql(&self.0, out)
            }
        }

        impl<DB: Backend> FromSql<BigInt, DB> for $name
        where
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }
    )*};
}

typed_id! {
    /// A principal: the shared id space of users and groups.
    PrincipalId,
    /// A user (also a principal id).
    UserId,
    /// A group (also a principal id).
    GroupId,
    /// A queue.
    QueueId,
    /// A ticket.
    TicketId,
    /// A transaction (one entry of an object's history).
    TransactionId,
    /// An attachment (one MIME entity of a transaction).
    AttachmentId,
    /// A custom field.
    CustomFieldId,
    /// A message in the outbox (outgoing mail awaiting delivery).
    OutboxId,
}

impl From<UserId> for PrincipalId {
    fn from(id: UserId) -> PrincipalId {
        PrincipalId(id.0)
    }
}

impl From<GroupId> for PrincipalId {
    fn from(id: GroupId) -> PrincipalId {
        PrincipalId(id.0)
    }
}
