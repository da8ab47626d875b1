//! `/Prefs/MyRT.html`: which of the home page's portlets show in which
//! column and in what order (`Placement-<portlet>`, `Order-<portlet>`),
//! and rows per portlet (`SummaryRows`), kept as RT's
//! `Pref-HomepageSettings` and `Pref-SummaryRows`; `Reset` goes back to
//! RT's default. The portlets themselves are [`crate::ui::home`]'s.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::Rt;
use serde::Serialize;
use serde_json::Value;

use super::{Errors, Posted, field};
use crate::ui::{Answer, Audience, PageError, Viewer, context, home, render, run, run_post};

/// `GET /Prefs/MyRT.html`.
pub(super) async fn my_rt(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let saved = crate::ui::param(&req, "saved").is_some();
    run(&req, rt, Audience::Privileged, move |viewer| {
        let (layout, rows) = viewer.session.read(|tx| home::layout(tx, viewer.user.user_id()))?;
        let mut placement = BTreeMap::new();
        for (column, keys) in [("body", &layout.body), ("sidebar", &layout.sidebar)] {
            for (i, key) in keys.iter().enumerate() {
                placement.insert(key.clone(), (column.to_string(), (i + 1).to_string()));
            }
        }
        my_rt_page(&site, viewer, &placement, &rows.to_string(), &Errors::new(), saved)
    })
    .await
}

/// `POST /Prefs/MyRT.html`: `Placement-<portlet>` (`body`, `sidebar` or
/// empty) and `Order-<portlet>` for each portlet, and `SummaryRows`; or
/// `Reset` for RT's defaults.
pub(super) async fn save_my_rt(req: HttpRequest, rt: web::Data<Rt>, form: Posted) -> HttpResponse {
    let site = rt.clone().into_inner();
    let form = form.into_inner();
    let token = Some(field(&form, "CSRF"));
    run_post(&req, rt, token, move |viewer| {
        let me = viewer.user.user_id();
        if !field(&form, "Reset").is_empty() {
            viewer.session.write(|tx| {
                tx.delete_preferences(me, rt_core::preference::HOMEPAGE_SETTINGS)?;
                tx.delete_preferences(me, rt_core::preference::SUMMARY_ROWS)
            })?;
            return Ok(Answer::Redirect("/Prefs/MyRT.html?saved=1".into()));
        }
        let mut errors = Errors::new();
        let mut placement = BTreeMap::new();
        let mut chosen: Vec<(String, u32, usize, String)> = Vec::new();
        for (i, portlet) in home::PORTLETS.iter().enumerate() {
            let column = field(&form, &format!("Placement-{}", portlet.key));
            let order = field(&form, &format!("Order-{}", portlet.key));
            placement.insert(portlet.key.to_string(), (column.clone(), order.clone()));
            match column.as_str() {
                "" => {}
                "body" | "sidebar" => match order.trim().parse::<u32>() {
                    Ok(n) if (1..=99).contains(&n) => chosen.push((column, n, i, portlet.key.to_string())),
                    _ => {
                        errors.insert(format!("Order-{}", portlet.key), "Give a position from 1 to 99.".into());
                    }
                },
                _ => {
                    errors.insert(format!("Placement-{}", portlet.key), "Choose a column from the list.".into());
                }
            }
        }
        let rows_typed = field(&form, "SummaryRows");
        let rows = rows_typed.trim().parse::<u32>().ok().filter(|n| (1..=home::MAX_SUMMARY_ROWS).contains(n));
        if rows.is_none() {
            errors.insert("SummaryRows".into(), format!("Give a number of rows from 1 to {}.", home::MAX_SUMMARY_ROWS));
        }
        if !errors.is_empty() {
            return my_rt_page(&site, viewer, &placement, &rows_typed, &errors, false);
        }
        chosen.sort_by_key(|(_, order, index, _)| (*order, *index));
        let mut layout = home::Layout::default();
        for (column, _, _, key) in chosen {
            if column == "body" { layout.body.push(key) } else { layout.sidebar.push(key) }
        }
        viewer.session.write(|tx| {
            tx.set_preferences(me, rt_core::preference::HOMEPAGE_SETTINGS, &layout.to_json())?;
            tx.set_preferences(me, rt_core::preference::SUMMARY_ROWS, &Value::from(rows.unwrap_or(10)))
        })?;
        Ok(Answer::Redirect("/Prefs/MyRT.html?saved=1".into()))
    })
    .await
}

/// One portlet's row of the form.
#[derive(Debug, Serialize)]
struct PortletRow {
    key: &'static str,
    title: &'static str,
    column: String,
    order: String,
}

fn my_rt_page(
    rt: &Rt,
    viewer: &Viewer,
    placement: &BTreeMap<String, (String, String)>,
    rows: &str,
    errors: &Errors,
    saved: bool,
) -> Result<Answer, PageError> {
    let portlets: Vec<PortletRow> = home::PORTLETS
        .iter()
        .map(|p| {
            let (column, order) = placement.get(p.key).cloned().unwrap_or_default();
            PortletRow { key: p.key, title: p.title, column, order }
        })
        .collect();
    let mut ctx = context(rt, Some(viewer), "Customize RT at a glance");
    ctx.insert("portlets", &portlets);
    ctx.insert("rows", rows);
    ctx.insert("max_rows", &home::MAX_SUMMARY_ROWS);
    ctx.insert("errors", errors);
    ctx.insert("saved", &saved);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(Answer::Page(status, render("prefs_myrt.html", &ctx)?))
}
