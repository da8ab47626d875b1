//! The user's own settings, at RT's URLs and with RT's field names:
//!
//! - `/Prefs/Other.html` ("Preferences"): time zone (`Timezone`) and
//!   language (`Lang`), kept on the user record; date format
//!   (`DateTimeFormat`), default queue (`DefaultQueue`) and home page
//!   refresh (`HomePageRefreshInterval`), kept in RT's `Pref-RT::System-1`;
//!   search result defaults (`RowsPerPage`, `OrderBy`, `Order`, `Format`),
//!   kept in RT's `Pref-SearchDisplay`. `/Prefs/` redirects here.
//! - `/Prefs/AboutMe.html`: identity, phones, address and signature, and
//!   the password (`CurrentPass`, `NewPass1`, `NewPass2`).
//! - `/Prefs/MyRT.html` (`myrt`): which portlets of the home page show in which
//!   column and order (RT's `Pref-HomepageSettings`), rows per portlet
//!   (`SummaryRows`); the portlets are [`super::home`]'s.
//! - `/Prefs/AuthTokens.html` (`tokens`): the user's REST 2.0 tokens: list, create
//!   (the secret shown once; the current password asked, as RT does),
//!   revoke.
//! - `/SelfService/Prefs.html`: what requestors may change: name,
//!   language, time zone and password.
//!
//! Every change runs in one rt-core write transaction of the user (so
//! `ModifySelf`, `ManageAuthTokens` are rt-core's to check); bad input is
//! shown next to its field with what was typed kept (never a password),
//! and nothing is saved.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rt_core::preference::{GENERAL, SEARCH_DISPLAY};
use rt_core::{AclObject, QueueId, Rt, Tx, UserId, UserProfile, rights};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Answer, Audience, PageError, Viewer, context, render, run, run_post, run_post_as};

mod myrt;
mod tokens;

/// Registers the routes of this module.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/Prefs", web::get().to(index))
        .route("/Prefs/", web::get().to(index))
        .route("/Prefs/index.html", web::get().to(index))
        .service(web::resource("/Prefs/Other.html").route(web::get().to(other)).route(web::post().to(save_other)))
        .service(
            web::resource("/Prefs/AboutMe.html").route(web::get().to(about_me)).route(web::post().to(save_about_me)),
        )
        .service(
            web::resource("/Prefs/MyRT.html").route(web::get().to(myrt::my_rt)).route(web::post().to(myrt::save_my_rt)),
        )
        .service(
            web::resource("/Prefs/AuthTokens.html")
                .route(web::get().to(tokens::tokens))
                .route(web::post().to(tokens::save_tokens)),
        )
        .service(
            web::resource("/SelfService/Prefs.html")
                .route(web::get().to(self_service))
                .route(web::post().to(save_self_service)),
        );
}

/// RT's date formats (`DateTimeFormat`), the few worth choosing between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DateFormat {
    /// `Sat Dec 05 06:16:01 2026`.
    #[default]
    Default,
    /// `2026-12-05 06:16:01`.
    Iso,
    /// `2026-12-05T06:16:01+01:00`.
    W3c,
    /// `Sat, 05 Dec 2026 06:16:01 +0100`.
    Rfc2822,
    /// `Sat, Dec 5, 2026 6:16:01 AM`.
    Localized,
}

impl DateFormat {
    /// Every format, in the order offered.
    const ALL: [DateFormat; 5] =
        [DateFormat::Default, DateFormat::Iso, DateFormat::W3c, DateFormat::Rfc2822, DateFormat::Localized];

    /// RT's name of the format.
    fn name(self) -> &'static str {
        match self {
            DateFormat::Default => "DefaultFormat",
            DateFormat::Iso => "ISO",
            DateFormat::W3c => "W3CDTF",
            DateFormat::Rfc2822 => "RFC2822",
            DateFormat::Localized => "LocalizedDateTime",
        }
    }

    /// A label people recognise the format by.
    fn label(self) -> &'static str {
        match self {
            DateFormat::Default => "RT's default",
            DateFormat::Iso => "ISO 8601",
            DateFormat::W3c => "W3C (ISO 8601 with offset)",
            DateFormat::Rfc2822 => "Email (RFC 2822)",
            DateFormat::Localized => "Long, 12-hour clock",
        }
    }

    fn from_name(name: &str) -> Option<DateFormat> {
        DateFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// A time written in this format.
    pub(crate) fn render(self, t: DateTime<Tz>) -> String {
        let pattern = match self {
            DateFormat::Default => "%a %b %d %H:%M:%S %Y",
            DateFormat::Iso => "%Y-%m-%d %H:%M:%S",
            DateFormat::W3c => "%Y-%m-%dT%H:%M:%S%:z",
            DateFormat::Rfc2822 => "%a, %d %b %Y %H:%M:%S %z",
            DateFormat::Localized => "%a, %b %-d, %Y %-I:%M:%S %p",
        };
        t.format(pattern).to_string()
    }
}

/// What [`super::viewer`] needs of the user's preferences: the date format
/// and the default queue.
pub(crate) fn viewer_settings(tx: &mut Tx<'_>, user: UserId) -> rt_core::Result<(DateFormat, Option<QueueId>)> {
    let general = tx.preferences(user, GENERAL)?.unwrap_or(Value::Null);
    let format = general.get("DateTimeFormat").and_then(Value::as_str).and_then(DateFormat::from_name);
    let queue = general.get("DefaultQueue").and_then(number).filter(|n| *n > 0).map(QueueId);
    Ok((format.unwrap_or_default(), queue))
}

/// The home page refresh interval the user chose, in seconds (0: none).
pub(crate) fn home_refresh(tx: &mut Tx<'_>, user: UserId) -> rt_core::Result<u32> {
    let general = tx.preferences(user, GENERAL)?.unwrap_or(Value::Null);
    let seconds = general.get("HomePageRefreshInterval").and_then(number).unwrap_or(0);
    Ok(u32::try_from(seconds).ok().filter(|s| REFRESH_INTERVALS.contains(s)).unwrap_or(0))
}

/// RT's `@RefreshIntervals`, with 0 for "don't refresh".
pub(crate) const REFRESH_INTERVALS: [u32; 7] = [0, 120, 300, 600, 1200, 3600, 7200];

/// RT's sentence for a refresh interval.
pub(crate) fn refresh_label(seconds: u32) -> String {
    match seconds {
        0 => "Don't refresh this page.".into(),
        60 => "Refresh this page every 1 minute.".into(),
        s => format!("Refresh this page every {} minutes.", s / 60),
    }
}

/// RT's `@SearchResultsPerPage`.
const ROWS_PER_PAGE: [u32; 4] = [10, 25, 50, 100];

/// The sort keys offered for search results.
const ORDER_BY: [&str; 12] = [
    "id",
    "Subject",
    "Status",
    "Queue",
    "Owner",
    "Priority",
    "Created",
    "LastUpdated",
    "Due",
    "Told",
    "Started",
    "Resolved",
];

/// Languages offered (RT's codes); empty means the browser's.
const LANGUAGES: [(&str, &str); 11] = [
    ("", "System default"),
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("nl", "Nederlands"),
    ("pt_BR", "Português (Brasil)"),
    ("ru", "Русский"),
    ("zh_CN", "简体中文"),
];

/// A posted form, as pairs.
pub(super) type Posted = web::Form<Vec<(String, String)>>;

/// The last value of a posted field, or empty.
pub(super) fn field(form: &[(String, String)], name: &str) -> String {
    form.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// A JSON number or numeric string (RT's Storable preferences hold either).
fn number(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// An option of a `<select>`.
#[derive(Debug, Serialize)]
pub(crate) struct Choice {
    value: String,
    label: String,
}

pub(super) fn choice(value: impl ToString, label: impl ToString) -> Choice {
    Choice { value: value.to_string(), label: label.to_string() }
}

/// Field errors, by field name.
pub(super) type Errors = BTreeMap<String, String>;

/// `GET /Prefs/`.
async fn index() -> HttpResponse {
    super::respond(Answer::Redirect("/Prefs/Other.html".into()))
}

// ---------------------------------------------------------------- Other

/// The values of the Preferences form.
#[derive(Debug, Default, Serialize)]
struct OtherValues {
    timezone: String,
    lang: String,
    date_format: String,
    default_queue: String,
    refresh: String,
    rows_per_page: String,
    order_by: String,
    order: String,
    format: String,
}

/// `GET /Prefs/Other.html`.
async fn other(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let saved = super::param(&req, "saved").is_some();
    run(&req, rt, Audience::Anyone, move |viewer| {
        if !viewer.privileged {
            return Ok(Answer::Redirect("/SelfService/Prefs.html".into()));
        }
        let values = viewer.session.read(|tx| current_other(tx, viewer))?;
        other_page(&site, viewer, &values, &Errors::new(), saved)
    })
    .await
}

/// `POST /Prefs/Other.html`.
async fn save_other(req: HttpRequest, rt: web::Data<Rt>, form: Posted) -> HttpResponse {
    let site = rt.clone().into_inner();
    let form = form.into_inner();
    let token = Some(field(&form, "CSRF"));
    run_post(&req, rt, token, move |viewer| {
        let values = OtherValues {
            timezone: field(&form, "Timezone").trim().to_string(),
            lang: field(&form, "Lang"),
            date_format: field(&form, "DateTimeFormat"),
            default_queue: field(&form, "DefaultQueue"),
            refresh: field(&form, "HomePageRefreshInterval"),
            rows_per_page: field(&form, "RowsPerPage"),
            order_by: field(&form, "OrderBy"),
            order: field(&form, "Order"),
            format: field(&form, "Format").trim().to_string(),
        };
        let mut errors = Errors::new();
        if !values.timezone.is_empty() && values.timezone.parse::<Tz>().is_err() {
            errors.insert("Timezone".into(), format!("{:?} is not a time zone.", values.timezone));
        }
        if !LANGUAGES.iter().any(|(code, _)| *code == values.lang) {
            errors.insert("Lang".into(), "Choose a language from the list.".into());
        }
        if DateFormat::from_name(&values.date_format).is_none() {
            errors.insert("DateTimeFormat".into(), "Choose a date format from the list.".into());
        }
        let refresh = values.refresh.parse::<u32>().ok().filter(|s| REFRESH_INTERVALS.contains(s));
        if refresh.is_none() {
            errors.insert("HomePageRefreshInterval".into(), "Choose a refresh interval from the list.".into());
        }
        let rows = values.rows_per_page.parse::<u32>().ok().filter(|r| ROWS_PER_PAGE.contains(r));
        if rows.is_none() {
            errors.insert("RowsPerPage".into(), "Choose a number of rows from the list.".into());
        }
        if !ORDER_BY.contains(&values.order_by.as_str()) {
            errors.insert("OrderBy".into(), "Choose a field to sort by from the list.".into());
        }
        if !["ASC", "DESC"].contains(&values.order.as_str()) {
            errors.insert("Order".into(), "Choose ascending or descending.".into());
        }
        if !values.format.is_empty()
            && let Err(e) = rt_core::search::format::parse_format(&values.format)
        {
            errors.insert("Format".into(), format!("This format cannot be read: {e}"));
        }
        let creatable = viewer.session.read(creatable_queues)?;
        let queue = match values.default_queue.as_str() {
            "" => None,
            q => match q.parse::<i64>() {
                Ok(n) if creatable.iter().any(|c| c.value == q) => Some(n),
                _ => {
                    errors.insert("DefaultQueue".into(), "Choose a queue you may create tickets in.".into());
                    None
                }
            },
        };
        if !errors.is_empty() {
            return other_page(&site, viewer, &values, &errors, false);
        }
        let outcome = viewer.session.write(|tx| {
            let me = viewer.user.user_id();
            let profile = UserProfile {
                timezone: Some(values.timezone.clone()),
                lang: Some(values.lang.clone()),
                ..UserProfile::default()
            };
            tx.update_user(me, &profile)?;
            let mut general = object(tx.preferences(me, GENERAL)?);
            general.insert("DateTimeFormat".into(), Value::from(values.date_format.clone()));
            match queue {
                Some(q) => general.insert("DefaultQueue".into(), Value::from(q)),
                None => general.remove("DefaultQueue"),
            };
            general.insert("HomePageRefreshInterval".into(), Value::from(refresh.unwrap_or(0)));
            tx.set_preferences(me, GENERAL, &Value::Object(general))?;
            let mut search = object(tx.preferences(me, SEARCH_DISPLAY)?);
            search.insert("RowsPerPage".into(), Value::from(rows.unwrap_or(50)));
            search.insert("OrderBy".into(), Value::from(values.order_by.clone()));
            search.insert("Order".into(), Value::from(values.order.clone()));
            search.insert("Format".into(), Value::from(values.format.clone()));
            tx.set_preferences(me, SEARCH_DISPLAY, &Value::Object(search))
        });
        match outcome {
            Ok(()) => Ok(Answer::Redirect("/Prefs/Other.html?saved=1".into())),
            Err(rt_core::Error::Validation { field, message }) => {
                errors.insert(form_field(&field).into(), message);
                other_page(&site, viewer, &values, &errors, false)
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// The stored values of the Preferences form.
fn current_other(tx: &mut Tx<'_>, viewer: &Viewer) -> rt_core::Result<OtherValues> {
    let me = viewer.user.user_id();
    let search = tx.preferences(me, SEARCH_DISPLAY)?.unwrap_or(Value::Null);
    let text = |v: &Value, key: &str, default: &str| match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => default.to_string(),
    };
    Ok(OtherValues {
        timezone: viewer.user.timezone.clone(),
        lang: viewer.user.lang.clone(),
        date_format: viewer.date_format.name().to_string(),
        default_queue: viewer.default_queue.map(|q| q.0.to_string()).unwrap_or_default(),
        refresh: home_refresh(tx, me)?.to_string(),
        rows_per_page: text(&search, "RowsPerPage", "50"),
        order_by: text(&search, "OrderBy", "id"),
        order: text(&search, "Order", "ASC"),
        format: text(&search, "Format", ""),
    })
}

fn other_page(
    rt: &Rt,
    viewer: &Viewer,
    values: &OtherValues,
    errors: &Errors,
    saved: bool,
) -> Result<Answer, PageError> {
    let (queues, zones) = viewer.session.read(|tx| Ok((creatable_queues(tx)?, zones())))?;
    let now = Utc::now().with_timezone(&viewer.tz);
    let formats: Vec<Choice> =
        DateFormat::ALL.iter().map(|f| choice(f.name(), format!("{} ({})", f.label(), f.render(now)))).collect();
    let mut ctx = context(rt, Some(viewer), "Preferences");
    ctx.insert("v", values);
    ctx.insert("errors", errors);
    ctx.insert("saved", &saved);
    ctx.insert("queues", &queues);
    ctx.insert("zones", &zones);
    ctx.insert("site_zone", &rt.config().timezone);
    ctx.insert("languages", &LANGUAGES.iter().map(|(c, l)| choice(c, l)).collect::<Vec<_>>());
    ctx.insert("formats", &formats);
    ctx.insert("refreshes", &REFRESH_INTERVALS.iter().map(|s| choice(s, refresh_label(*s))).collect::<Vec<_>>());
    ctx.insert("rows", &ROWS_PER_PAGE);
    ctx.insert("order_by", &ORDER_BY);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(Answer::Page(status, render("prefs_other.html", &ctx)?))
}

/// The queues the user may create tickets in, as choices.
pub(crate) fn creatable_queues(tx: &mut Tx<'_>) -> rt_core::Result<Vec<Choice>> {
    let mut found = Vec::new();
    for queue in tx.queues()? {
        if tx.has_right(rights::CREATE_TICKET, AclObject::Queue(queue.queue_id()))? {
            found.push(choice(queue.id, queue.name));
        }
    }
    Ok(found)
}

/// Every IANA time zone name.
fn zones() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect()
}

/// A preference set as an object to change (anything else starts empty).
fn object(value: Option<Value>) -> Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The form field an rt-core validation error is about.
fn form_field(core_field: &str) -> &'static str {
    match core_field {
        "timezone" => "Timezone",
        "email" => "EmailAddress",
        "current password" => "CurrentPass",
        "password" => "NewPass1",
        _ => "form",
    }
}

// ---------------------------------------------------------------- About me

/// The profile fields of About me: form name, label, and how to read and
/// set each.
const PROFILE: [(&str, &str); 13] = [
    ("RealName", "Real name"),
    ("NickName", "Nickname"),
    ("Organization", "Organization"),
    ("HomePhone", "Home phone"),
    ("WorkPhone", "Work phone"),
    ("MobilePhone", "Mobile phone"),
    ("PagerPhone", "Pager"),
    ("Address1", "Address"),
    ("Address2", "Address (line 2)"),
    ("City", "City"),
    ("State", "State"),
    ("Zip", "Zip"),
    ("Country", "Country"),
];

/// One field of a profile form.
#[derive(Debug, Serialize)]
struct ProfileField {
    name: &'static str,
    label: &'static str,
    value: String,
}

fn stored_profile(user: &rt_core::User) -> BTreeMap<&'static str, String> {
    let u = user.clone();
    BTreeMap::from([
        ("RealName", u.real_name),
        ("NickName", u.nick_name),
        ("Organization", u.organization),
        ("HomePhone", u.home_phone),
        ("WorkPhone", u.work_phone),
        ("MobilePhone", u.mobile_phone),
        ("PagerPhone", u.pager_phone),
        ("Address1", u.address1),
        ("Address2", u.address2),
        ("City", u.city),
        ("State", u.state),
        ("Zip", u.zip),
        ("Country", u.country),
        ("Signature", u.signature),
        ("EmailAddress", u.email_address.unwrap_or_default()),
    ])
}

fn profile_update(values: &BTreeMap<&'static str, String>) -> UserProfile {
    let get = |k: &str| values.get(k).cloned();
    UserProfile {
        real_name: get("RealName"),
        nick_name: get("NickName"),
        organization: get("Organization"),
        home_phone: get("HomePhone"),
        work_phone: get("WorkPhone"),
        mobile_phone: get("MobilePhone"),
        pager_phone: get("PagerPhone"),
        address1: get("Address1"),
        address2: get("Address2"),
        city: get("City"),
        state: get("State"),
        zip: get("Zip"),
        country: get("Country"),
        signature: get("Signature"),
        ..UserProfile::default()
    }
}

/// `GET /Prefs/AboutMe.html`.
async fn about_me(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let saved = super::param(&req, "saved").is_some();
    run(&req, rt, Audience::Privileged, move |viewer| {
        about_me_page(&site, viewer, &stored_profile(&viewer.user), &Errors::new(), saved)
    })
    .await
}

/// `POST /Prefs/AboutMe.html`.
async fn save_about_me(req: HttpRequest, rt: web::Data<Rt>, form: Posted) -> HttpResponse {
    let site = rt.clone().into_inner();
    let form = form.into_inner();
    let token = Some(field(&form, "CSRF"));
    run_post(&req, rt, token, move |viewer| {
        let mut values = BTreeMap::new();
        for (name, _) in PROFILE {
            values.insert(name, field(&form, name).trim().to_string());
        }
        values.insert("Signature", field(&form, "Signature"));
        values.insert("EmailAddress", field(&form, "EmailAddress").trim().to_string());
        let passwords = Passwords::from_form(&form);
        let mut errors = passwords.check();
        let outcome = if errors.is_empty() {
            viewer.session.write(|tx| {
                let me = viewer.user.user_id();
                tx.update_user(me, &profile_update(&values))?;
                let email = values.get("EmailAddress").cloned().unwrap_or_default();
                if viewer.user.email_address.as_deref().unwrap_or("") != email {
                    tx.set_user_email(me, (!email.is_empty()).then_some(email.as_str()))?;
                }
                passwords.apply(tx)
            })
        } else {
            Ok(())
        };
        match outcome {
            Ok(()) if errors.is_empty() => Ok(Answer::Redirect("/Prefs/AboutMe.html?saved=1".into())),
            Ok(()) => about_me_page(&site, viewer, &values, &errors, false),
            Err(rt_core::Error::Validation { field, message }) => {
                errors.insert(form_field(&field).into(), message);
                about_me_page(&site, viewer, &values, &errors, false)
            }
            Err(rt_core::Error::Conflict(message)) => {
                errors.insert("EmailAddress".into(), message);
                about_me_page(&site, viewer, &values, &errors, false)
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

fn about_me_page(
    rt: &Rt,
    viewer: &Viewer,
    values: &BTreeMap<&'static str, String>,
    errors: &Errors,
    saved: bool,
) -> Result<Answer, PageError> {
    let fields: Vec<ProfileField> = PROFILE
        .iter()
        .map(|(name, label)| ProfileField { name, label, value: values.get(name).cloned().unwrap_or_default() })
        .collect();
    let mut ctx = context(rt, Some(viewer), "About me");
    ctx.insert("fields", &fields);
    ctx.insert("email", values.get("EmailAddress").map_or("", String::as_str));
    ctx.insert("signature", values.get("Signature").map_or("", String::as_str));
    ctx.insert("errors", errors);
    ctx.insert("saved", &saved);
    ctx.insert("has_password", &viewer.session.read(|tx| tx.has_password(viewer.user.user_id()))?);
    ctx.insert("minimum", &rt.config().minimum_password_length);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(Answer::Page(status, render("prefs_aboutme.html", &ctx)?))
}

/// The password part of a form: RT's `CurrentPass`, `NewPass1`,
/// `NewPass2`. Nothing happens when `NewPass1` is empty.
struct Passwords {
    current: String,
    new: String,
    again: String,
}

impl Passwords {
    fn from_form(form: &[(String, String)]) -> Passwords {
        Passwords { current: field(form, "CurrentPass"), new: field(form, "NewPass1"), again: field(form, "NewPass2") }
    }

    /// What is wrong before anything is tried.
    fn check(&self) -> Errors {
        let mut errors = Errors::new();
        if !self.new.is_empty() && self.new != self.again {
            errors.insert("NewPass2".into(), "Passwords do not match. Password has not been set.".into());
        } else if self.new.is_empty() && !self.again.is_empty() {
            errors.insert("NewPass1".into(), "Type the new password in both boxes.".into());
        }
        errors
    }

    /// Changes the password (rt-core checks the current one, the length
    /// and `ModifySelf`).
    fn apply(&self, tx: &mut Tx<'_>) -> rt_core::Result<()> {
        if self.new.is_empty() {
            return Ok(());
        }
        tx.change_own_password(&self.current, &self.new)
    }
}

// ---------------------------------------------------------------- Self service

/// `GET /SelfService/Prefs.html`.
async fn self_service(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let saved = super::param(&req, "saved").is_some();
    run(&req, rt, Audience::Anyone, move |viewer| {
        let values = SelfValues {
            real_name: viewer.user.real_name.clone(),
            lang: viewer.user.lang.clone(),
            timezone: viewer.user.timezone.clone(),
        };
        self_service_page(&site, viewer, &values, &Errors::new(), saved)
    })
    .await
}

/// What requestors may change.
#[derive(Debug, Serialize)]
struct SelfValues {
    real_name: String,
    lang: String,
    timezone: String,
}

/// `POST /SelfService/Prefs.html`.
async fn save_self_service(req: HttpRequest, rt: web::Data<Rt>, form: Posted) -> HttpResponse {
    let site = rt.clone().into_inner();
    let form = form.into_inner();
    let token = Some(field(&form, "CSRF"));
    run_post_as(&req, rt, Audience::Anyone, token, move |viewer| {
        let values = SelfValues {
            real_name: field(&form, "RealName").trim().to_string(),
            lang: field(&form, "Lang"),
            timezone: field(&form, "Timezone").trim().to_string(),
        };
        let passwords = Passwords::from_form(&form);
        let mut errors = passwords.check();
        if !LANGUAGES.iter().any(|(code, _)| *code == values.lang) {
            errors.insert("Lang".into(), "Choose a language from the list.".into());
        }
        if !values.timezone.is_empty() && values.timezone.parse::<Tz>().is_err() {
            errors.insert("Timezone".into(), format!("{:?} is not a time zone.", values.timezone));
        }
        let outcome = if errors.is_empty() {
            viewer.session.write(|tx| {
                let profile = UserProfile {
                    real_name: Some(values.real_name.clone()),
                    lang: Some(values.lang.clone()),
                    timezone: Some(values.timezone.clone()),
                    ..UserProfile::default()
                };
                tx.update_user(viewer.user.user_id(), &profile)?;
                passwords.apply(tx)
            })
        } else {
            Ok(())
        };
        match outcome {
            Ok(()) if errors.is_empty() => Ok(Answer::Redirect("/SelfService/Prefs.html?saved=1".into())),
            Ok(()) => self_service_page(&site, viewer, &values, &errors, false),
            Err(rt_core::Error::Validation { field, message }) => {
                errors.insert(form_field(&field).into(), message);
                self_service_page(&site, viewer, &values, &errors, false)
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

fn self_service_page(
    rt: &Rt,
    viewer: &Viewer,
    values: &SelfValues,
    errors: &Errors,
    saved: bool,
) -> Result<Answer, PageError> {
    let mut ctx = context(rt, Some(viewer), "Preferences");
    ctx.insert("v", values);
    ctx.insert("email", viewer.user.email_address.as_deref().unwrap_or(""));
    ctx.insert("errors", errors);
    ctx.insert("saved", &saved);
    ctx.insert("zones", &zones());
    ctx.insert("site_zone", &rt.config().timezone);
    ctx.insert("languages", &LANGUAGES.iter().map(|(c, l)| choice(c, l)).collect::<Vec<_>>());
    ctx.insert("has_password", &viewer.session.read(|tx| tx.has_password(viewer.user.user_id()))?);
    ctx.insert("minimum", &rt.config().minimum_password_length);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(Answer::Page(status, render("prefs_selfservice.html", &ctx)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_render_in_the_zone_given() {
        let t = DateTime::parse_from_rfc3339("2026-12-05T06:16:01Z")
            .unwrap_or_default()
            .with_timezone(&chrono_tz::Europe::Paris);
        assert_eq!(DateFormat::Default.render(t), "Sat Dec 05 07:16:01 2026");
        assert_eq!(DateFormat::Iso.render(t), "2026-12-05 07:16:01");
        assert_eq!(DateFormat::W3c.render(t), "2026-12-05T07:16:01+01:00");
        assert_eq!(DateFormat::Rfc2822.render(t), "Sat, 05 Dec 2026 07:16:01 +0100");
        assert_eq!(DateFormat::Localized.render(t), "Sat, Dec 5, 2026 7:16:01 AM");
        for f in DateFormat::ALL {
            assert_eq!(DateFormat::from_name(f.name()), Some(f));
        }
    }
}
