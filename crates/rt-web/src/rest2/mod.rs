//! RT's REST 2.0 API at `/REST/2.0/...`: JSON resources shaped as RT 5
//! shapes them.
//!
//! Credentials are the login session cookie REST 1.0 and the web UI share
//! ([`crate::auth`]), an authentication token (`Authorization: token
//! 1-<user id>-<secret>` or `?token=`, [`rt_core::auth_token`]) or HTTP
//! Basic; without any the answer is `401 {"message":"Unauthorized"}`.
//! Every error is a JSON `{"message": ...}` with RT's status, mapped from
//! [`rt_core::Error`] in one place ([`ApiError`]).
//!
//! Every route is declared once, in the `api!` table below ([`ROUTES`]),
//! which registers it and describes it in the OpenAPI document served at
//! `/REST/2.0/openapi.json` ([`openapi`]).
//!
//! - [`ticket`]: a ticket read (with its `ETag`), created, updated (fields,
//!   watchers, links, merge; `If-Match`), taken, deleted, replied to and
//!   commented on (with attachments), and its history.
//! - [`search`]: `GET|POST /tickets?query=<TicketSQL>` with RT's
//!   pagination envelope.
//! - [`object`]: single queues, users, groups, custom fields, transactions
//!   and attachments.
//! - [`collection`]: the other lists, filtered by RT's JSON conditions.
//! - [`token`]: a user's authentication tokens.
//! - [`rtir`]: RTIR's workflow actions (our addition).
//!
//! Resources refer to each other as `{"type", "id", "_url"}`; `_url`s are
//! absolute, under the site's base URL. Handlers hold no rules: each call
//! runs in an rt-core [`Session`] acting as the authenticated user through
//! [`Interface::Rest2`], and rt-core's refusals become RT's statuses here.
//! Passwords, tokens and session ids are never logged.

pub mod collection;
pub mod object;
pub mod rtir;
pub mod search;
pub mod ticket;
pub mod token;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use rt_core::{Interface, Rt, Session, UserId};
use serde_json::{Value, json};

/// Declares every route once: registered by [`configure`], described by
/// [`openapi`]. Each is `METHOD "path" => handler, "summary", kind`, where
/// kind is `item` (a record), `list` (a paged collection) or `write`.
macro_rules! api {
    ($($method:ident $path:literal => $handler:path, $summary:literal, $kind:ident;)*) => {
        /// Every route of the API: (method, path, summary, kind).
        pub const ROUTES: &[(&str, &str, &str, &str)] =
            &[$((stringify!($method), $path, $summary, stringify!($kind))),*];

        fn routes(scope: actix_web::Scope) -> actix_web::Scope {
            scope$(.route($path, web::$method().to($handler)))*
        }
    };
}

api! {
    post "/ticket" => ticket::create, "Create a ticket", write;
    get "/ticket/{id}" => ticket::show, "A ticket (with its ETag)", item;
    put "/ticket/{id}" => ticket::update, "Update a ticket's fields, watchers and links (If-Match honoured)", write;
    delete "/ticket/{id}" => ticket::delete, "Delete a ticket (status deleted)", write;
    put "/ticket/{id}/{action}" => ticket::own, "take, untake or steal a ticket", write;
    post "/ticket/{id}/correspond" => ticket::correspond, "Reply to a ticket", write;
    post "/ticket/{id}/comment" => ticket::comment, "Comment on a ticket", write;
    get "/ticket/{id}/history" => ticket::history, "A ticket's transactions", list;
    get "/ticket/{id}/attachments" => collection::ticket_attachments, "A ticket's attachments", list;
    get "/tickets" => search::tickets, "Search tickets by TicketSQL", list;
    post "/tickets" => search::tickets, "Search tickets by TicketSQL (form body)", list;
    get "/transaction/{id}" => object::transaction, "A transaction", item;
    get "/transaction/{id}/attachments" => collection::transaction_attachments, "A transaction's attachments", list;
    get "/attachment/{id}" => object::attachment, "An attachment, content in base64", item;
    get "/queue/{id}" => object::queue, "A queue by id or name", item;
    get "/queues" => collection::queues, "Queues, filtered by JSON conditions", list;
    post "/queues" => collection::queues, "Queues, filtered by JSON conditions", list;
    get "/queues/all" => collection::all_queues, "Every queue the user may see", list;
    get "/user/{id}" => object::user, "A user by id or name", item;
    get "/user/{id}/groups" => collection::user_groups, "A user's groups", list;
    get "/users" => collection::users, "Users, filtered by JSON conditions", list;
    post "/users" => collection::users, "Users, filtered by JSON conditions", list;
    get "/users/privileged" => collection::privileged_users, "Privileged users", list;
    get "/users/unprivileged" => collection::unprivileged_users, "Unprivileged users", list;
    get "/group/{id}" => object::group, "A user-defined group", item;
    get "/group/{id}/members" => collection::group_members, "A group's direct members", list;
    get "/groups" => collection::groups, "Groups, filtered by JSON conditions", list;
    post "/groups" => collection::groups, "Groups, filtered by JSON conditions", list;
    get "/customfield/{id}" => object::custom_field, "A custom field", item;
    get "/customfields" => collection::custom_fields, "Custom fields, filtered by JSON conditions", list;
    post "/customfields" => collection::custom_fields, "Custom fields, filtered by JSON conditions", list;
    get "/tokens" => token::list, "The caller's authentication tokens", item;
    post "/tokens" => token::create, "Create an authentication token (its secret is shown once)", write;
    delete "/token/{id}" => token::revoke, "Revoke an authentication token", write;
    post "/rtir/report" => rtir::report, "RTIR: create an Incident Report", write;
    post "/rtir/incident" => rtir::incident, "RTIR: create an Incident from reports", write;
    post "/rtir/investigation" => rtir::investigation, "RTIR: launch an Investigation", write;
    post "/rtir/countermeasure" => rtir::countermeasure, "RTIR: create a Countermeasure in Incidents", write;
    put "/rtir/ticket/{id}/incident/{incident}" => rtir::link, "RTIR: link a ticket to an Incident", write;
    delete "/rtir/ticket/{id}/incident/{incident}" => rtir::link, "RTIR: unlink a ticket from an Incident", write;
    post "/rtir/ticket/{id}/split" => rtir::split, "RTIR: split a ticket", write;
    post "/rtir/ticket/{id}/merge/{into}" => rtir::merge, "RTIR: merge a ticket into another", write;
    post "/rtir/incident/{id}/reply" => rtir::incident_reply, "RTIR: reply to an Incident's reporters or to all", write;
    post "/rtir/ticket/{id}/{action}" => rtir::action, "RTIR: resolve, reject, abandon, or set Due to $OverdueAfter days from now (due)", write;
    post "/rtir/reports/reject" => rtir::bulk_reject, "RTIR: reject several reports", write;
}

/// Registers `/REST/2.0/...`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        routes(web::scope("/REST/2.0").route("/openapi.json", web::get().to(openapi_document)))
            .default_service(web::to(not_found)),
    );
}

/// `GET /openapi.json`, without credentials: [`openapi`].
async fn openapi_document(rt: web::Data<Rt>) -> HttpResponse {
    let base = format!("{}/REST/2.0", rt.config().effective_web_base_url());
    answer(StatusCode::OK, &openapi(&base))
}

/// The OpenAPI 3 document of the API, built from [`ROUTES`] so that it
/// always describes what is served.
pub fn openapi(base: &str) -> Value {
    let error = json!({"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut paths = serde_json::Map::new();
    for (method, path, summary, kind) in ROUTES {
        let mut parameters: Vec<Value> = path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if *kind == "list" {
            for (name, what) in [
                ("page", "Page number, from 1"),
                ("per_page", "Items per page: 20 by default, at most 100"),
                ("fields", "Comma-separated fields added to each item"),
                ("query", "TicketSQL (tickets) or a JSON array of conditions"),
            ] {
                parameters.push(json!({"name": name, "in": "query", "required": false, "description": what, "schema": {"type": "string"}}));
            }
        }
        let mut operation = json!({
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "400": error, "401": error, "403": error, "404": error,
            },
        });
        if *method == "post" || *method == "put" {
            operation["requestBody"] =
                json!({"content": {"application/json": {"schema": {"type": ["object", "array"]}}}});
        }
        if *method == "put" {
            operation["responses"]["412"] = error.clone();
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "RT REST 2.0", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": base}],
        "security": [{"basic": []}, {"token": []}, {"cookie": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "token": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "token 1-<user id>-<secret>"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "RT_SID_<rtname>.<port>"},
            },
            "schemas": {"Error": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}},
        },
    })
}

async fn not_found() -> HttpResponse {
    ApiError::new(StatusCode::NOT_FOUND, "Not Found").error_response()
}

/// A failed request: RT's status and `{"message": ...}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The message shown to the client.
    pub message: String,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    /// `400` with a message.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// `401 Unauthorized`.
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

/// The one mapping from rt-core's errors to REST 2.0 answers: RT's bare
/// `Not Found` and `Forbidden`, bad input with its message, and server
/// failures logged but never shown.
impl From<rt_core::Error> for ApiError {
    fn from(e: rt_core::Error) -> ApiError {
        use rt_core::Error as E;
        let status = crate::error::status_of(&e);
        match e {
            E::NotFound { .. } => ApiError::new(status, "Not Found"),
            E::PermissionDenied { .. } => ApiError::new(status, "Forbidden"),
            E::Validation { message, .. } => ApiError::new(status, message),
            E::Conflict(message) => ApiError::new(status, message),
            E::Config { .. } | E::Database(_) => {
                tracing::error!(error = %e, "REST 2.0 request failed");
                ApiError::new(status, "Internal Server Error")
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down")
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .content_type(ContentType::json())
            .body(json!({"message": self.message}).to_string())
    }
}

/// `Result` with an [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;

/// What a handler works with: the session of the authenticated user and
/// the API's base URL.
pub struct Ctx {
    /// Acting as the authenticated user.
    pub session: Session,
    /// `<WebURL>/REST/2.0`, no trailing slash.
    pub base: String,
}

impl Ctx {
    /// The absolute URL of `path` (`ticket/5`) under the API.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// A reference to another resource: `{"type", "id", "_url"}`.
    pub fn reference(&self, kind: &str, id: &str) -> Value {
        json!({"type": kind, "id": id, "_url": self.url(&format!("{kind}/{id}"))})
    }

    /// A reference to a user, by name as RT gives it.
    pub fn user_ref(&self, tx: &mut rt_core::Tx<'_>, id: UserId) -> rt_core::Result<Value> {
        let name = tx.user(id)?.name;
        Ok(self.reference("user", &name))
    }
}

/// A date as RT's REST 2.0 writes it (W3CDTF, UTC); unset dates are the
/// epoch, as RT stores them.
pub fn date(d: Option<DateTime<Utc>>) -> String {
    d.map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Credentials as sent.
enum Credentials {
    Basic(String, String),
    Token(String),
    Session(String),
    Malformed,
    None,
}

fn credentials(req: &HttpRequest, rt: &Rt) -> Credentials {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let Some((scheme, rest)) = value.to_str().ok().and_then(|v| v.trim().split_once(' ')) else {
            return Credentials::Malformed;
        };
        let rest = rest.trim().to_string();
        if scheme.eq_ignore_ascii_case("token") {
            return Credentials::Token(rest);
        }
        if !scheme.eq_ignore_ascii_case("basic") {
            return Credentials::Malformed;
        }
        let encoded = rest;
        let decoded =
            base64::engine::general_purpose::STANDARD.decode(encoded).ok().and_then(|b| String::from_utf8(b).ok());
        return match decoded.as_deref().and_then(|d| d.split_once(':')) {
            Some((user, pass)) => Credentials::Basic(user.to_string(), pass.to_string()),
            None => Credentials::Malformed,
        };
    }
    let query = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes());
    if let Some((_, token)) = query.into_iter().find(|(k, _)| k == "token") {
        return Credentials::Token(token.into_owned());
    }
    let name = crate::auth::cookie_name(req, rt);
    match crate::auth::well_formed(crate::auth::cookie(req, &name).as_deref()) {
        Some(sid) => Credentials::Session(sid),
        None => Credentials::None,
    }
}

fn authenticate(rt: &Rt, credentials: &Credentials) -> ApiResult<UserId> {
    match credentials {
        Credentials::Basic(user, pass) => match rt.authenticate(user, pass) {
            Ok(id) => Ok(id),
            Err(rt_core::Error::PermissionDenied { .. }) => {
                tracing::info!(user = %user, "REST 2.0: failed login");
                Err(ApiError::unauthorized())
            }
            Err(e) => Err(e.into()),
        },
        Credentials::Token(token) => rt_core::auth_token::authenticate(rt, token)?.ok_or_else(|| {
            tracing::info!("REST 2.0: refused token");
            ApiError::unauthorized()
        }),
        Credentials::Session(sid) => crate::auth::session_user(rt, sid)?.ok_or_else(ApiError::unauthorized),
        Credentials::Malformed | Credentials::None => Err(ApiError::unauthorized()),
    }
}

/// Authenticates the request, then runs `f` on the blocking pool with the
/// user's session.
pub async fn call<T: Send + 'static>(
    req: &HttpRequest,
    rt: &web::Data<Rt>,
    f: impl FnOnce(&Ctx) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let credentials = credentials(req, rt);
    let base = format!("{}/REST/2.0", rt.config().effective_web_base_url());
    let rt = rt.clone().into_inner();
    web::block(move || {
        let user = authenticate(&rt, &credentials)?;
        let session = rt.session(user, Interface::Rest2)?;
        f(&Ctx { session, base })
    })
    .await?
}

/// Reads a request body up to the site's limit.
pub async fn read_body(rt: &Rt, mut payload: web::Payload) -> ApiResult<Vec<u8>> {
    let limit = crate::rest1::body_limit(rt);
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("unreadable request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("request larger than {limit} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A JSON object body; anything else is `400` with the reason.
pub fn json_object(body: &[u8]) -> ApiResult<serde_json::Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("JSON object expected")),
        Err(e) => Err(ApiError::bad_request(format!("JSON parse error: {e}"))),
    }
}

/// A JSON answer.
pub fn answer(status: StatusCode, value: &Value) -> HttpResponse {
    HttpResponse::build(status).content_type(ContentType::json()).body(value.to_string())
}

/// A scalar as text: strings as they are, numbers written out.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A scalar or an array of scalars as a list of texts.
pub fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        Value::Null => Vec::new(),
        other => text(other).into_iter().collect(),
    }
}
