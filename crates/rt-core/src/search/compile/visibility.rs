//! The rights clause: the tickets the user may see, as SQL.

use super::*;

impl Compiler<'_, '_> {
    /// The tickets the user may see, as SQL over `t`. A read-only
    /// transaction builds it once per user (and form) for all its searches:
    /// a page runs many (the home page, a dozen counts and lists). On
    /// SQLite, a clause used again then lists the tickets on which the user
    /// holds a role as ids, read once, where each search's subquery would
    /// read all the user's memberships again (a busy owner has thousands);
    /// a lone search keeps the subquery, which SQLite runs only when a
    /// ticket outside the user's queues needs it.
    pub(super) fn rights_clause(&mut self, sql: &mut Sql) -> Result<()> {
        let key = (self.ctx.user.0, self.seen.narrow);
        let list = match self.tx.cache.rights_clauses.get(&key) {
            Some((clause, listed)) if *listed || self.backend != Backend::Sqlite => {
                append(sql, clause.clone());
                return Ok(());
            }
            Some(_) => true,
            None => false,
        };
        let mut clause = Sql::new(self.backend);
        self.build_rights_clause(&mut clause, list)?;
        if self.tx.read_only {
            // A narrow clause checks roles per ticket: it has nothing to list.
            self.tx.cache.rights_clauses.insert(key, (clause.clone(), list || self.seen.narrow));
        }
        append(sql, clause);
        Ok(())
    }

    /// Builds the rights clause; `list` lists the user's role tickets as
    /// ids when they are few.
    fn build_rights_clause(&mut self, sql: &mut Sql, list: bool) -> Result<()> {
        let user = self.ctx.user;
        if self.tx.has_right(rights::SHOW_TICKET, AclObject::System)? {
            sql.push("1 = 1");
            return Ok(());
        }
        let enabled: bool = principals::table
            .find(user.0)
            .select(principals::disabled)
            .get_result::<bool>(self.tx.conn)
            .optional()?
            .is_some_and(|disabled| !disabled);
        if !enabled {
            sql.push(NOTHING);
            return Ok(());
        }
        let all_queues: Vec<i64> = queues::table.select(queues::id).order(queues::id).load(self.tx.conn)?;
        let mut direct = BTreeSet::new();
        for q in &all_queues {
            if self.tx.has_right(rights::SHOW_TICKET, AclObject::Queue(QueueId(*q)))? {
                direct.insert(*q);
            }
        }
        let role_grants: Vec<(String, String, i64)> = acl::table
            .filter(acl::principal_type.ne("Group"))
            .filter(acl::right_name.eq(rights::SHOW_TICKET).or(acl::right_name.eq(rights::SUPER_USER)))
            .select((acl::principal_type, acl::object_type, acl::object_id))
            .load(self.tx.conn)?;
        let mut roles: RoleQueues = BTreeMap::new();
        for (role, object_type, object_id) in role_grants {
            let Some(role) = Role::from_name(&role) else { continue };
            let entry = roles.entry(role).or_insert_with(|| Some(BTreeSet::new()));
            match (object_type.as_str(), entry.as_mut()) {
                ("RT::System", _) => *entry = None,
                ("RT::Queue", Some(set)) if !direct.contains(&object_id) => {
                    set.insert(object_id);
                }
                _ => {}
            }
        }
        roles.retain(|_, queues| queues.as_ref().is_none_or(|q| !q.is_empty()));
        if direct.len() == all_queues.len() && !all_queues.is_empty() {
            sql.push("1 = 1");
            return Ok(());
        }
        let mut terms = 0;
        sql.push("(");
        // On SQLite the rights clause filters and never drives: as an OR of
        // indexable terms the planner would gather every visible ticket
        // first (a multi-index OR), then sort, instead of following the
        // query's own index or the id order that stops at the first page.
        // A unary `+` keeps a column out of index selection.
        let (queue, id) = if self.backend == Backend::Sqlite { ("+t.queue", "+t.id") } else { ("t.queue", "t.id") };
        if !direct.is_empty() {
            sql.push(queue).push(" IN ").int_list(&direct.iter().copied().collect::<Vec<_>>());
            terms += 1;
        }
        // Roles with the same queues share one membership subquery.
        let mut by_queues: BTreeMap<Option<Vec<i64>>, Vec<Role>> = BTreeMap::new();
        for (role, queues) in roles {
            by_queues.entry(queues.map(|q| q.into_iter().collect())).or_default().push(role);
        }
        for (queues, roles) in by_queues {
            if terms > 0 {
                sql.push(" OR ");
            }
            terms += 1;
            sql.push("(");
            if let Some(queues) = &queues {
                sql.push(queue).push(" IN ").int_list(queues).push(" AND ");
            }
            let ticket_roles: Vec<String> =
                roles.iter().filter(|r| **r != Role::Owner).map(|r| r.as_str().to_ascii_lowercase()).collect();
            sql.push("(");
            if roles.contains(&Role::Owner) {
                sql.push(if self.backend == Backend::Sqlite { "+t.owner = " } else { "t.owner = " }).int(user.0);
                if !ticket_roles.is_empty() {
                    sql.push(" OR ");
                }
            }
            // Few candidates (a requestor's tickets): each is looked up.
            // Otherwise the user's role memberships are listed once, which
            // reads all of them (thousands for a busy owner).
            if !ticket_roles.is_empty() && self.seen.narrow {
                sql.push("EXISTS (");
                holds_role_select(sql, user.0, &ticket_roles);
                sql.push(")");
            } else if let Some(tickets) = self.role_tickets(user, &ticket_roles, list)? {
                sql.push(id).push(" IN ").int_list(&tickets);
            } else if !ticket_roles.is_empty() {
                sql.push(id).push(" IN (");
                role_tickets_select(sql, &[user.0], &ticket_roles);
                sql.push(")");
            }
            sql.push("))");
        }
        if terms == 0 {
            sql.push(NOTHING);
        }
        sql.push(")");
        Ok(())
    }

    /// The tickets on which `user` holds one of `roles`, when asked to
    /// `list` them and they are few.
    fn role_tickets(&mut self, user: UserId, roles: &[String], list: bool) -> Result<Option<Vec<i64>>> {
        if !list || roles.is_empty() {
            return Ok(None);
        }
        let mut sql = Sql::new(self.backend);
        role_tickets_select(&mut sql, &[user.0], roles);
        let _ = write!(sql.text, " LIMIT {}", LISTED_ROLE_TICKETS + 1);
        let rows: Vec<IdRow> = self.tx.load_sql(&sql)?;
        Ok((rows.len() <= LISTED_ROLE_TICKETS).then(|| rows.into_iter().map(|r| r.id).collect()))
    }
}

/// The tickets (`id`) on which one of `members` holds one of the ticket
/// `roles` (folded names), from the closure's role columns.
pub(super) fn role_tickets_select(sql: &mut Sql, members: &[i64], roles: &[String]) {
    sql.push("SELECT c.ticket_id AS id FROM cached_group_members c WHERE c.member_id IN ").int_list(members);
    sql.push(" AND c.ticket_role IN ").str_list(roles);
}

/// A row when `member` holds one of the ticket `roles` on `t`: one seek in
/// the closure's role index, for an `EXISTS`.
pub(super) fn holds_role_select(sql: &mut Sql, member: i64, roles: &[String]) {
    sql.push("SELECT 1 FROM cached_group_members c WHERE c.member_id = ").int(member);
    sql.push(" AND c.ticket_role IN ").str_list(roles).push(" AND c.ticket_id = t.id");
}

/// Up to this many tickets on which the user holds a role that shows them
/// are listed in a reused rights clause; more, and the subquery stays.
const LISTED_ROLE_TICKETS: usize = 500;

/// How one role's rights clause restricts queues.
type RoleQueues = BTreeMap<Role, Option<BTreeSet<i64>>>;
