//! Parts of dates (`Created.Month`, `Due.DayOfWeek`) in the user's zone.

use super::*;

impl Compiler<'_, '_> {
    pub(super) fn date_part(
        &mut self,
        sql: &mut Sql,
        column: DateField,
        part: DatePart,
        op: Op,
        value: &Value,
    ) -> Result<()> {
        if matches!(op, Op::IsNull | Op::IsNotNull) {
            return self.date(sql, &format!("t.{}", date_column(column)), op, value);
        }
        // The part in the user's zone, at the offset the zone has now.
        let offset = {
            use chrono::Offset;
            self.ctx.now.with_timezone(&self.ctx.tz).offset().fix().local_minus_utc() / 60
        };
        let col = format!("t.{}", date_column(column));
        let text = self.plain_text(value)?;
        let wanted = part_value(part, text.trim())
            .ok_or_else(|| Error::invalid("query", format!("{} is not a value of {}", show(value), part.name())))?;
        let expr = match self.backend {
            Backend::Sqlite => {
                let shifted = format!("datetime({col}, '{offset:+} minutes')");
                match part {
                    DatePart::Time => format!("strftime('%H:%M', {shifted})"),
                    DatePart::Hourly => format!("strftime('%Y-%m-%d %H', {shifted})"),
                    DatePart::Date | DatePart::Daily => format!("strftime('%Y-%m-%d', {shifted})"),
                    DatePart::Monthly => format!("strftime('%Y-%m', {shifted})"),
                    DatePart::Annually => format!("strftime('%Y', {shifted})"),
                    DatePart::Hour => format!("CAST(strftime('%H', {shifted}) AS INTEGER)"),
                    DatePart::DayOfWeek => format!("CAST(strftime('%w', {shifted}) AS INTEGER)"),
                    DatePart::Day | DatePart::DayOfMonth => format!("CAST(strftime('%d', {shifted}) AS INTEGER)"),
                    DatePart::DayOfYear => format!("CAST(strftime('%j', {shifted}) AS INTEGER)"),
                    DatePart::Month => format!("CAST(strftime('%m', {shifted}) AS INTEGER)"),
                    DatePart::Year => format!("CAST(strftime('%Y', {shifted}) AS INTEGER)"),
                    DatePart::WeekOfYear => format!("CAST(strftime('%W', {shifted}) AS INTEGER)"),
                }
            }
            Backend::Postgres => {
                let shifted = format!("({col} + interval '{offset} minutes')");
                match part {
                    DatePart::Time => format!("to_char({shifted}, 'HH24:MI')"),
                    DatePart::Hourly => format!("to_char({shifted}, 'YYYY-MM-DD HH24')"),
                    DatePart::Date | DatePart::Daily => format!("to_char({shifted}, 'YYYY-MM-DD')"),
                    DatePart::Monthly => format!("to_char({shifted}, 'YYYY-MM')"),
                    DatePart::Annually => format!("to_char({shifted}, 'YYYY')"),
                    DatePart::Hour => format!("CAST(EXTRACT(HOUR FROM {shifted}) AS INTEGER)"),
                    DatePart::DayOfWeek => format!("CAST(EXTRACT(DOW FROM {shifted}) AS INTEGER)"),
                    DatePart::Day | DatePart::DayOfMonth => format!("CAST(EXTRACT(DAY FROM {shifted}) AS INTEGER)"),
                    DatePart::DayOfYear => format!("CAST(EXTRACT(DOY FROM {shifted}) AS INTEGER)"),
                    DatePart::Month => format!("CAST(EXTRACT(MONTH FROM {shifted}) AS INTEGER)"),
                    DatePart::Year => format!("CAST(EXTRACT(YEAR FROM {shifted}) AS INTEGER)"),
                    // SQLite's %W: weeks starting on Monday, 00 before the first.
                    DatePart::WeekOfYear => format!(
                        "CAST(floor((EXTRACT(DOY FROM {shifted}) + 6 - ((EXTRACT(DOW FROM {shifted}) + 6)::int % 7)) / 7) AS INTEGER)"
                    ),
                }
            }
        };
        match wanted {
            PartValue::Int(n) => {
                let _ = write!(sql.text, "{expr} {} ", compare(op));
                sql.int(n);
            }
            PartValue::Text(t) => {
                let _ = write!(sql.text, "{expr} {} ", compare(op));
                sql.str(&t);
            }
        }
        Ok(())
    }
}

enum PartValue {
    Int(i64),
    Text(String),
}

/// Reads a value compared with a date part: a number, or a day or month
/// name (three letters or more), or text for the formatted parts.
fn part_value(part: DatePart, text: &str) -> Option<PartValue> {
    let lower = text.to_ascii_lowercase();
    let by_name = |names: &[&str], base: i64| {
        (lower.len() >= 3).then(|| names.iter().position(|n| n.starts_with(&lower))).flatten().map(|i| i as i64 + base)
    };
    match part {
        DatePart::Time
        | DatePart::Hourly
        | DatePart::Date
        | DatePart::Daily
        | DatePart::Monthly
        | DatePart::Annually => Some(PartValue::Text(text.to_string())),
        DatePart::DayOfWeek => text.parse().ok().or_else(|| by_name(&DAYS, 0)).map(PartValue::Int),
        DatePart::Month => text.parse().ok().or_else(|| by_name(&MONTHS, 1)).map(PartValue::Int),
        _ => text.parse().ok().map(PartValue::Int),
    }
}

const DAYS: [&str; 7] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
