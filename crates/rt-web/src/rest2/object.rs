//! Queues and users: `GET /queue/<id|name>`, `GET /user/<id|name>`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{AclObject, QueueId, Rt, rights};
use serde_json::{Map, Value, json};

use super::{ApiResult, answer, call};

/// `GET /queue/<id|name>`: needs `SeeQueue` (rt-core's check).
pub async fn queue(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    let value = call(&req, &rt, move |ctx| {
        Ok(ctx.session.read(|tx| {
            let q = match key.parse::<i64>() {
                Ok(n) => tx.queue(QueueId(n))?,
                Err(_) => tx.queue_by_name(&key)?,
            };
            let url = ctx.url(&format!("queue/{}", q.id));
            let mut o = Map::new();
            o.insert("id".into(), json!(q.id));
            o.insert("Name".into(), json!(q.name));
            o.insert("Description".into(), json!(q.description));
            o.insert("CorrespondAddress".into(), json!(q.correspond_address));
            o.insert("CommentAddress".into(), json!(q.comment_address));
            o.insert("Lifecycle".into(), json!(q.lifecycle));
            o.insert("SortOrder".into(), json!(q.sort_order.to_string()));
            o.insert("SLADisabled".into(), json!(if q.sla_disabled { "1" } else { "0" }));
            o.insert("Disabled".into(), json!(if q.disabled { "1" } else { "0" }));
            if !q.subject_tag.is_empty() {
                o.insert("SubjectTag".into(), json!(q.subject_tag));
            }
            let mut ticket_cfs = Vec::new();
            for cf in tx.ticket_custom_fields_in_queue(q.queue_id())? {
                let id = cf.id.0.to_string();
                ticket_cfs.push(json!({
                    "ref": "customfield", "type": "customfield", "id": id, "name": cf.name,
                    "_url": ctx.url(&format!("customfield/{id}")),
                }));
            }
            o.insert("TicketCustomFields".into(), Value::Array(ticket_cfs));
            o.insert("CustomFields".into(), json!([]));
            o.insert("TicketTransactionCustomFields".into(), json!([]));
            let mut links = vec![
                json!({"ref": "self", "type": "queue", "id": q.id, "_url": url}),
                json!({"ref": "history", "_url": format!("{url}/history")}),
            ];
            if tx.has_right(rights::CREATE_TICKET, AclObject::Queue(q.queue_id()))? {
                links.push(
                    json!({"ref": "create", "type": "ticket", "_url": ctx.url(&format!("ticket?Queue={}", q.id))}),
                );
            }
            o.insert("_hyperlinks".into(), Value::Array(links));
            Ok(Value::Object(o))
        })?)
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}

/// `GET /user/<id|name>`: privileged users see any user, others only
/// themselves (rt-core's [`rt_core::Tx::visible_user`]).
pub async fn user(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    let value = call(&req, &rt, move |ctx| {
        Ok(ctx.session.read(|tx| {
            let u = tx.visible_user(&key)?;
            let privileged = tx.is_privileged(u.user_id())?;
            let url = ctx.url(&format!("user/{}", u.id));
            let mut o = Map::new();
            o.insert("id".into(), json!(u.id));
            o.insert("Name".into(), json!(u.name));
            o.insert("EmailAddress".into(), json!(u.email_address.clone().unwrap_or_default()));
            o.insert("RealName".into(), json!(u.real_name));
            o.insert("Gecos".into(), json!(u.gecos));
            o.insert("Comments".into(), json!(u.comments));
            o.insert("Privileged".into(), json!(i32::from(privileged)));
            o.insert("Disabled".into(), json!(if tx.is_user_disabled(u.user_id())? { "1" } else { "0" }));
            for (key, v) in [
                ("NickName", &u.nick_name),
                ("Organization", &u.organization),
                ("Lang", &u.lang),
                ("Timezone", &u.timezone),
                ("Signature", &u.signature),
                ("FreeformContactInfo", &u.freeform_contact_info),
                ("HomePhone", &u.home_phone),
                ("WorkPhone", &u.work_phone),
                ("MobilePhone", &u.mobile_phone),
                ("PagerPhone", &u.pager_phone),
                ("Address1", &u.address1),
                ("Address2", &u.address2),
                ("City", &u.city),
                ("State", &u.state),
                ("Zip", &u.zip),
                ("Country", &u.country),
            ] {
                if !v.is_empty() {
                    o.insert(key.into(), json!(v));
                }
            }
            o.insert("CustomFields".into(), json!([]));
            o.insert(
                "_hyperlinks".into(),
                json!([
                    {"ref": "self", "type": "user", "id": u.id, "_url": url},
                    {"ref": "history", "_url": format!("{url}/history")},
                    {"ref": "memberships", "_url": format!("{url}/groups")},
                ]),
            );
            Ok(Value::Object(o))
        })?)
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}
