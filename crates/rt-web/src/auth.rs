//! Who is asking: the login-session cookie shared by REST 1.0 and REST 2.0
//! (and, later, the HTML UI).
//!
//! A login is kept in a DB-backed session ([`rt_core::web_session`]) named
//! by the `RT_SID_<rtname>.<port>` cookie, as RT names it.

use actix_web::HttpRequest;
use actix_web::http::header;
use rt_core::{Rt, UserId, web_session};

/// The session cookie's name for this site and the port the request came
/// in on: `RT_SID_<rtname>.<port>`.
pub fn cookie_name(req: &HttpRequest, rt: &Rt) -> String {
    let port = req.app_config().local_addr().port();
    format!("RT_SID_{}.{port}", rt.config().rtname)
}

/// The value of the cookie called `name`, from any `Cookie` header.
pub fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A session id as held by the client, when it is well formed
/// (lowercased; anything else is no session at all).
pub fn well_formed(sid: Option<&str>) -> Option<String> {
    sid.filter(|s| web_session::is_well_formed(s)).map(str::to_ascii_lowercase)
}

/// The user whose live session `sid` names, if any. Blocking: call it off
/// the async workers.
pub fn session_user(rt: &Rt, sid: &str) -> rt_core::Result<Option<UserId>> {
    web_session::lookup(rt, sid)
}
