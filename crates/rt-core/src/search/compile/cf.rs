//! Custom field conditions, IP ranges included.

use super::*;

impl Compiler<'_, '_> {
    /// Ticket custom fields matching the name or id (and, for
    /// `CF.Queue.{Name}`, applied to that queue or globally) that the user
    /// may see, with their types.
    pub(crate) fn resolve_cf(
        &mut self,
        applies_to: CfAppliesTo,
        object: Option<&str>,
        cf: &NameOrId,
    ) -> Result<Vec<(i64, String)>> {
        let lookup = match applies_to {
            CfAppliesTo::Ticket => "RT::Queue-RT::Ticket",
            CfAppliesTo::Queue => "RT::Queue",
            CfAppliesTo::Transaction => "RT::Queue-RT::Ticket-RT::Transaction",
        };
        let mut q = custom_fields::table
            .filter(custom_fields::lookup_type.eq(lookup))
            .filter(custom_fields::disabled.eq(false))
            .select((custom_fields::id, custom_fields::name, custom_fields::type_))
            .into_boxed();
        q = match cf {
            NameOrId::Id(id) => q.filter(custom_fields::id.eq(*id as i64)),
            NameOrId::Name(_) => q,
        };
        let rows: Vec<(i64, String, String)> = q.load(self.tx.conn)?;
        let wanted = match cf {
            NameOrId::Name(n) => Some(fold(n)),
            NameOrId::Id(_) => None,
        };
        let queue = match object {
            Some(o) if !o.is_empty() => {
                let folded = fold(o);
                let id = queues::table
                    .filter(queues::name_folded.eq(&folded))
                    .select(queues::id)
                    .get_result::<i64>(self.tx.conn)
                    .optional()?;
                Some(id.or_else(|| o.parse().ok()).unwrap_or(-1))
            }
            _ => None,
        };
        let mut found = Vec::new();
        for (id, name, kind) in rows {
            if wanted.as_ref().is_some_and(|w| *w != fold(&name)) {
                continue;
            }
            if let Some(queue) = queue {
                let applied: bool = diesel::select(diesel::dsl::exists(
                    object_custom_fields::table
                        .filter(object_custom_fields::custom_field.eq(id))
                        .filter(object_custom_fields::object_id.eq(queue).or(object_custom_fields::object_id.eq(0))),
                ))
                .get_result(self.tx.conn)?;
                if !applied {
                    continue;
                }
            }
            if self.tx.has_right(rights::SEE_CUSTOM_FIELD, AclObject::CustomField(CustomFieldId(id)))? {
                found.push((id, kind));
            }
        }
        Ok(found)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn custom_field(
        &mut self,
        sql: &mut Sql,
        applies_to: CfAppliesTo,
        object: Option<&str>,
        cf: &NameOrId,
        column: Option<CfColumn>,
        op: Op,
        value: &Value,
    ) -> Result<()> {
        let fields = self.resolve_cf(applies_to, object, cf)?;
        if fields.is_empty() {
            // No such field the user may see: every ticket lacks a value.
            sql.push(if is_negative(op) || op == Op::IsNull { "1 = 1" } else { NOTHING });
            return Ok(());
        }
        let ip_fields: Vec<i64> = fields
            .iter()
            .filter(|(_, kind)| kind.eq_ignore_ascii_case("IPAddress") || kind.eq_ignore_ascii_case("IPAddressRange"))
            .map(|(id, _)| *id)
            .collect();
        let ids: Vec<i64> = fields.iter().map(|(id, _)| *id).collect();
        if applies_to == CfAppliesTo::Ticket
            && ip_fields.len() == ids.len()
            && column.is_none()
            && !matches!(op, Op::IsNull | Op::IsNotNull)
            && !is_like(op)
        {
            return self.ip_condition(sql, &ip_fields, op, value);
        }
        let owner = match applies_to {
            CfAppliesTo::Ticket => "o.object_type = 'RT::Ticket' AND o.object_id = t.id".to_string(),
            CfAppliesTo::Queue => "o.object_type = 'RT::Queue' AND o.object_id = t.queue".to_string(),
            CfAppliesTo::Transaction => "o.object_type = 'RT::Transaction' AND o.object_id IN (SELECT tr.id FROM \
                 tickets m JOIN transactions tr ON tr.object_type = 'RT::Ticket' AND tr.object_id = m.id \
                 WHERE m.effective_id = t.id)"
                .to_string(),
        };
        let content = match (column, self.backend) {
            (Some(CfColumn::LargeContent), Backend::Sqlite) => "CAST(o.large_content AS TEXT)".to_string(),
            (Some(CfColumn::LargeContent), Backend::Postgres) => "convert_from(o.large_content, 'UTF8')".to_string(),
            _ => "o.content".to_string(),
        };
        let numeric = matches!(op, Op::Lt | Op::Gt | Op::Le | Op::Ge)
            .then(|| self.plain_text(value).ok().and_then(|t| t.trim().parse::<f64>().ok()))
            .flatten()
            // `inf` and `NaN` parse, but are no SQL literals.
            .filter(|n| n.is_finite());
        let dates = self.cf_date_bounds(&fields, column, op, value);
        self.multi(sql, op, |this, sql, op| {
            let _ = write!(sql.text, "SELECT 1 FROM object_custom_field_values o WHERE {owner} AND o.disabled = ");
            sql.push(this.backend.sql_false());
            sql.push(" AND o.custom_field IN ").int_list(&ids);
            let Some(op) = op else { return Ok(()) };
            sql.push(" AND ");
            if let Some((start, end)) = &dates {
                // Stored dates sort as text: `=` is the day or period.
                let _ = write!(sql.text, "{content} {} ", if op == Op::Eq { ">=" } else { compare(op) });
                sql.str(start);
                if op == Op::Eq {
                    let _ = write!(sql.text, " AND {content} < ");
                    sql.str(end);
                }
                return Ok(());
            }
            match numeric {
                Some(n) => {
                    // Numbers compare as numbers where the value is one.
                    match this.backend {
                        Backend::Sqlite => {
                            // The same numbers as PostgreSQL's `^-?[0-9]+(\.[0-9]+)?$`.
                            let _ = write!(
                                sql.text,
                                "({content} GLOB '[0-9]*' OR {content} GLOB '-[0-9]*') \
                                 AND substr({content}, 2) NOT GLOB '*[^0-9.]*' AND {content} NOT GLOB '*.*.*' \
                                 AND {content} NOT GLOB '*.' AND CAST({content} AS REAL) {} ",
                                compare(op)
                            );
                        }
                        Backend::Postgres => {
                            let _ = write!(
                                sql.text,
                                "{content} ~ '^-?[0-9]+(\\.[0-9]+)?$' AND (CASE WHEN {content} ~ '^-?[0-9]+(\\.[0-9]+)?$' \
                                 THEN CAST({content} AS DOUBLE PRECISION) END) {} ",
                                compare(op)
                            );
                        }
                    }
                    sql.push(&format!("{n:?}"));
                    Ok(())
                }
                None => this.text(sql, &content, op, value),
            }
        })
    }

    /// For `Date` / `DateTime` fields compared with a date value (RT's
    /// `_LimitCustomField` reads it as one: `'today'`, `'2 days ago'`), the
    /// stored forms of the day or period it names, `[start, end)`: local
    /// `YYYY-MM-DD` days for `Date`, UTC `YYYY-MM-DD HH:MM:SS` for
    /// `DateTime`; `<`, `>`... compare with `start`. `None` otherwise, and
    /// for values that are no date, which compare as text.
    pub(super) fn cf_date_bounds(
        &self,
        fields: &[(i64, String)],
        column: Option<CfColumn>,
        op: Op,
        value: &Value,
    ) -> Option<(String, String)> {
        let kind = fields.first()?.1.to_ascii_lowercase();
        if column.is_some()
            || !matches!(kind.as_str(), "date" | "datetime")
            || fields.iter().any(|(_, k)| !k.eq_ignore_ascii_case(&kind))
            || !matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Gt | Op::Le | Op::Ge)
        {
            return None;
        }
        let spec = parse_date(self.plain_text(value).ok()?.trim(), self.ctx.now, self.ctx.tz).ok()?;
        let (start, end) =
            if matches!(op, Op::Eq | Op::Ne) { spec.day_or_range(self.ctx.tz) } else { (spec.start(), spec.start()) };
        let stored = |at: DateTime<Utc>| match kind.as_str() {
            "date" => at.with_timezone(&self.ctx.tz).format("%Y-%m-%d").to_string(),
            _ => at.format("%Y-%m-%d %H:%M:%S").to_string(),
        };
        Some((stored(start), stored(end)))
    }

    pub(super) fn ip_condition(&mut self, sql: &mut Sql, fields: &[i64], op: Op, value: &Value) -> Result<()> {
        let text = self.plain_text(value)?;
        let range = IpRange::parse(text.trim()).map_err(|e| Error::invalid("query", e.to_string()))?;
        let family = range.family().as_str();
        let (start, end) = (range.start_hex(), range.end_hex());
        let negate = op == Op::Ne;
        sql.push(if negate { "t.id NOT IN " } else { "t.id IN " });
        sql.push("(SELECT o.object_id FROM object_custom_field_values o WHERE o.object_type = 'RT::Ticket' AND o.disabled = ");
        sql.push(self.backend.sql_false());
        sql.push(" AND o.custom_field IN ").int_list(fields);
        sql.push(" AND o.ip_family = ").str(family);
        match op {
            Op::Eq | Op::Ne => {
                // Overlap: start <= q.end AND end >= q.start; starts lie no
                // further below q.start than the widest stored range.
                let lowest = self.lowest_start(fields, &range)?;
                sql.push(" AND o.ip_start >= ").str(&lowest);
                sql.push(" AND o.ip_start <= ").str(&end);
                sql.push(" AND o.ip_end >= ").str(&start);
            }
            Op::Lt | Op::Le => {
                let _ = write!(sql.text, " AND o.ip_start {} ", compare(op));
                sql.str(&start);
            }
            Op::Gt | Op::Ge => {
                let _ = write!(sql.text, " AND o.ip_end {} ", compare(op));
                sql.str(&end);
            }
            _ => return Err(Error::invalid("query", format!("IP fields do not take {}", op.as_str()))),
        }
        sql.push(")");
        Ok(())
    }

    /// The lowest start a value overlapping `range` can have.
    pub(super) fn lowest_start(&mut self, fields: &[i64], range: &IpRange) -> Result<String> {
        use crate::db::schema::custom_field_ip_spans as spans;
        let widest: Option<String> = spans::table
            .filter(spans::custom_field.eq_any(fields))
            .filter(spans::ip_family.eq(range.family().as_str()))
            .select(diesel::dsl::max(spans::max_span))
            .get_result(self.tx.conn)?;
        let span = widest.and_then(|s| u128::from_str_radix(&s, 16).ok()).unwrap_or(0);
        let lowest = range.start().saturating_sub(span);
        let width = if range.family().as_str() == "4" { 8 } else { 32 };
        Ok(format!("{lowest:0width$x}"))
    }
}
