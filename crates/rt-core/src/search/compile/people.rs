//! Role conditions: Owner, Requestor, Cc, AdminCc, Watcher, the queue
//! roles, their user attributes and the `...Group` fields.

use super::*;

impl Compiler<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn watcher(
        &mut self,
        sql: &mut Sql,
        role: Option<&WatcherRole>,
        queue: bool,
        attribute: Option<UserAttribute>,
        shallow: bool,
        op: Op,
        value: &Value,
    ) -> Result<()> {
        if role == Some(&WatcherRole::Owner) && !queue {
            return self.owner(sql, attribute, op, value);
        }
        let names: Vec<String> = match role {
            Some(WatcherRole::Custom(r)) => {
                return Err(Error::invalid("query", format!("there is no custom role {r}")));
            }
            Some(r) => vec![role_group(r).to_string()],
            // Every role, the owner's included, as RT's `RoleLimit` without a type.
            None => vec!["requestor".into(), "cc".into(), "admincc".into(), "owner".into()],
        };
        let (domain, instance) = if queue { ("RT::Queue-Role", "t.queue") } else { ("RT::Ticket-Role", "t.id") };
        let members = if shallow { "group_members" } else { "cached_group_members" };
        let me = matches!(value, Value::CurrentUser | Value::SelectedUser)
            || (attribute == Some(UserAttribute::Name)
                && matches!(value, Value::CurrentUserName | Value::SelectedUserName));
        let user = self.ctx.user.0;
        // The principals the value names, when they are few: the search then
        // starts from their memberships. Many (`LIKE 'example.org'`) are
        // checked ticket by ticket instead.
        let few = match op {
            Op::IsNull | Op::IsNotNull => None,
            _ if me => None,
            op => self.few_principals(attribute, positive(op), value)?,
        };
        // A few named principals holding a ticket role: the search starts
        // from their memberships rather than testing every ticket.
        if let Some(ids) = few.as_deref().filter(|ids| !ids.is_empty())
            && !queue
        {
            self.seen.narrow |= self.required && !is_negative(op);
            sql.push(if is_negative(op) { "t.id NOT IN (" } else { "t.id IN (" });
            if shallow {
                sql.push(
                    "SELECT g.instance FROM groups g JOIN group_members c ON c.group_id = g.id \
                     WHERE g.domain = 'RT::Ticket-Role' AND g.name_folded IN ",
                );
                sql.str_list(&names).push(" AND c.member_id IN ").int_list(ids).push(")");
            } else {
                super::visibility::role_tickets_select(sql, ids, &names);
                sql.push(")");
            }
            return Ok(());
        }
        let backend = self.backend;
        self.multi(sql, op, |this, sql, op| {
            // The current user's own ticket roles: their closure rows name
            // the ticket, one index seek per ticket.
            if op.is_some() && me && !queue && !shallow {
                super::visibility::holds_role_select(sql, user, &names);
                return Ok(());
            }
            let _ = write!(
                sql.text,
                "SELECT 1 FROM groups g JOIN {members} c ON c.group_id = g.id \
                 WHERE g.domain = '{domain}' AND g.instance = {instance} AND g.name_folded IN "
            );
            sql.str_list(&names);
            match op {
                // Not the role group itself, which the closure lists as its own member.
                None => {
                    sql.push(" AND c.member_id <> g.id");
                }
                // A queue's roles, or direct members only.
                Some(_) if me => {
                    sql.push(" AND c.member_id = ").int(user);
                }
                Some(_) if few.is_some() => {
                    sql.push(" AND c.member_id IN ").int_list(few.as_deref().unwrap_or_default());
                }
                Some(op) => {
                    // A join, not `IN (SELECT ...)`: SQLite would test every
                    // matching user against each ticket's group.
                    sql.push(" AND (EXISTS (SELECT 1 FROM users u WHERE u.id = c.member_id AND ");
                    this.user_attribute(sql, attribute, op, value)?;
                    sql.push(")");
                    // A user-defined group of that name holding the role, as
                    // RT's `RoleLimit` looks one up beside the user.
                    if op == Op::Eq && matches!(attribute, None | Some(UserAttribute::Name)) {
                        let name = fold(this.plain_text(value)?.trim());
                        sql.push(
                            " OR c.member_id IN (SELECT ug.id FROM groups ug WHERE ug.domain = 'UserDefined' \
                             AND ug.name_folded = ",
                        );
                        sql.str(&name).push(")");
                    }
                    sql.push(")");
                    if backend == Backend::Postgres {
                        // A fence: PostgreSQL would otherwise turn this into a
                        // join from every matching user's memberships.
                        sql.push(" OFFSET 0");
                    }
                }
            }
            Ok(())
        })
    }

    /// The ids of the users (and, for `=` on a name, the user-defined
    /// group) a watcher value names, if there are at most [`FEW`].
    pub(super) fn few_principals(
        &mut self,
        attribute: Option<UserAttribute>,
        op: Op,
        value: &Value,
    ) -> Result<Option<Vec<i64>>> {
        let mut sql = Sql::new(self.backend);
        sql.push("SELECT u.id AS id FROM users u WHERE ");
        self.user_attribute(&mut sql, attribute, op, value)?;
        if op == Op::Eq && matches!(attribute, None | Some(UserAttribute::Name)) {
            let name = fold(self.plain_text(value)?.trim());
            sql.push(" UNION SELECT ug.id AS id FROM groups ug WHERE ug.domain = 'UserDefined' AND ug.name_folded = ");
            sql.str(&name);
        }
        let _ = write!(sql.text, " LIMIT {}", FEW + 1);
        let ids: Vec<IdRow> = self.tx.load_sql(&sql)?;
        Ok((ids.len() <= FEW).then(|| ids.into_iter().map(|r| r.id).collect()))
    }

    /// The condition on `users u` for a watcher attribute; without one,
    /// the value is compared with the email address and the name.
    pub(super) fn user_attribute(
        &mut self,
        sql: &mut Sql,
        attribute: Option<UserAttribute>,
        op: Op,
        value: &Value,
    ) -> Result<()> {
        // Equal to a name or an address: the folded copies the users
        // table keeps for its own lookups are indexed.
        if op == Op::Eq && matches!(attribute, None | Some(UserAttribute::Name | UserAttribute::EmailAddress)) {
            let folded = self.plain_text(value)?.to_lowercase();
            match attribute {
                Some(UserAttribute::Name) => sql.push("u.name_folded = ").str(&folded),
                Some(_) => sql.push("u.email_folded = ").str(&folded),
                None => sql.push("(u.email_folded = ").str(&folded).push(" OR u.name_folded = ").str(&folded).push(")"),
            };
            return Ok(());
        }
        match attribute {
            Some(UserAttribute::Id) => self.number(sql, "u.id", op, value, &Field::Id),
            Some(a) => self.text(sql, &format!("u.{}", user_column(a)), op, value),
            None => {
                sql.push("(");
                self.text(sql, "u.email_address", op, value)?;
                sql.push(" OR ");
                self.text(sql, "u.name", op, value)?;
                sql.push(")");
                Ok(())
            }
        }
    }

    pub(super) fn owner(
        &mut self,
        sql: &mut Sql,
        attribute: Option<UserAttribute>,
        op: Op,
        value: &Value,
    ) -> Result<()> {
        if matches!(op, Op::IsNull | Op::IsNotNull) {
            let nobody = self.tx.system().nobody.0;
            let _ = write!(sql.text, "t.owner {} ", if op == Op::IsNull { "=" } else { "<>" });
            sql.int(nobody);
            return Ok(());
        }
        if matches!(op, Op::Eq | Op::Ne) && matches!(attribute, None | Some(UserAttribute::Name | UserAttribute::Id)) {
            return self.user_column(sql, "t.owner", op, value);
        }
        sql.push(if is_negative(op) { "t.owner NOT IN " } else { "t.owner IN " });
        sql.push("(SELECT u.id FROM users u WHERE ");
        self.user_attribute(sql, attribute, positive(op), value)?;
        sql.push(")");
        Ok(())
    }

    pub(super) fn watcher_group(&mut self, sql: &mut Sql, role: Option<&WatcherRole>, value: &Value) -> Result<()> {
        let text = self.plain_text(value)?;
        let group = match value.int() {
            Some(id) if text.trim().bytes().all(|b| b.is_ascii_digit()) => Some(id),
            _ => groups::table
                .filter(groups::domain.eq("UserDefined"))
                .filter(groups::name_folded.eq(fold(text.trim())))
                .select(groups::id)
                .get_result::<i64>(self.tx.conn)
                .optional()?,
        };
        if role == Some(&WatcherRole::Owner) {
            sql.push("t.owner IN (SELECT x.member_id FROM cached_group_members x WHERE x.group_id = ");
            sql.int(group.unwrap_or(0)).push(")");
            return Ok(());
        }
        let names: Vec<String> = match role {
            Some(r) => vec![role_group(r).to_string()],
            None => vec!["requestor".into(), "cc".into(), "admincc".into(), "owner".into()],
        };
        sql.push(
            "EXISTS (SELECT 1 FROM groups g JOIN cached_group_members c ON c.group_id = g.id \
             JOIN cached_group_members x ON x.member_id = c.member_id \
             WHERE g.domain = 'RT::Ticket-Role' AND g.instance = t.id AND g.name_folded IN ",
        );
        sql.str_list(&names).push(" AND x.group_id = ").int(group.unwrap_or(0)).push(")");
        Ok(())
    }
}

fn user_column(a: UserAttribute) -> &'static str {
    match a {
        UserAttribute::EmailAddress => "email_address",
        UserAttribute::Name => "name",
        UserAttribute::RealName => "real_name",
        UserAttribute::Nickname => "nick_name",
        UserAttribute::Organization => "organization",
        UserAttribute::Address1 => "address1",
        UserAttribute::Address2 => "address2",
        UserAttribute::City => "city",
        UserAttribute::State => "state",
        UserAttribute::Zip => "zip",
        UserAttribute::Country => "country",
        UserAttribute::WorkPhone => "work_phone",
        UserAttribute::HomePhone => "home_phone",
        UserAttribute::MobilePhone => "mobile_phone",
        UserAttribute::PagerPhone => "pager_phone",
        UserAttribute::Id => "id",
    }
}

/// The folded name of a role's group.
pub(super) fn role_group(role: &WatcherRole) -> &'static str {
    match role {
        WatcherRole::Owner => "owner",
        WatcherRole::Requestor => "requestor",
        WatcherRole::Cc => "cc",
        WatcherRole::AdminCc => "admincc",
        WatcherRole::Custom(_) => "",
    }
}
