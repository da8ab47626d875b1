//! Single records other than tickets: `GET /queue/<id|name>`,
//! `/user/<id|name>`, `/group/<id>`, `/customfield/<id>`,
//! `/transaction/<id>` and `/attachment/<id>`, and the JSON each is shown
//! as, which the collections ([`super::collection`]) reuse.
//!
//! Who may see what is rt-core's: a queue needs `SeeQueue`, a group
//! `SeeGroup`, a custom field `SeeCustomField`, a transaction or an
//! attachment what its ticket's history needs; users are seen by
//! privileged users, who see others' full records only with `AdminUsers`
//! (otherwise RT's summary: name, real name, address), and by themselves.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use rt_core::{
    AclObject, Attachment, AttachmentId, CfType, CustomField, CustomFieldId, Group, GroupId, Queue, QueueId, Rt,
    Transaction, TransactionId, Tx, User, rights,
};
use serde_json::{Map, Value, json};

use super::{ApiError, ApiResult, Ctx, answer, call, date};

/// A numeric id from the path; anything else names nothing.
pub fn numeric_id(text: &str) -> ApiResult<i64> {
    text.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not Found"))
}

/// Runs `show` for the record the path names and answers its JSON.
async fn record<K: Send + 'static>(
    req: HttpRequest,
    rt: web::Data<Rt>,
    key: K,
    show: fn(&Ctx, &mut Tx<'_>, K) -> rt_core::Result<Value>,
) -> ApiResult<HttpResponse> {
    let value = call(&req, &rt, move |ctx| Ok(ctx.session.read(|tx| show(ctx, tx, key))?)).await?;
    Ok(answer(StatusCode::OK, &value))
}

/// `GET /queue/<id|name>`.
pub async fn queue(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    record(req, rt, path.into_inner(), |ctx, tx, key| {
        let q = match key.parse::<i64>() {
            Ok(n) => tx.queue(QueueId(n))?,
            Err(_) => tx.queue_by_name(&key)?,
        };
        queue_json(ctx, tx, &q)
    })
    .await
}

/// `GET /user/<id|name>`.
pub async fn user(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    record(req, rt, path.into_inner(), |ctx, tx, key| {
        let u = tx.visible_user(&key)?;
        user_json(ctx, tx, &u)
    })
    .await
}

/// `GET /group/<id>`.
pub async fn group(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = GroupId(numeric_id(&path)?);
    record(req, rt, id, |ctx, tx, id| {
        let g = tx.visible_group(id)?;
        Ok(group_json(ctx, &g))
    })
    .await
}

/// `GET /customfield/<id>`.
pub async fn custom_field(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = CustomFieldId(numeric_id(&path)?);
    record(req, rt, id, |ctx, tx, id| {
        let cf = tx.visible_custom_field(id)?;
        custom_field_json(ctx, tx, &cf)
    })
    .await
}

/// `GET /transaction/<id>`.
pub async fn transaction(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = TransactionId(numeric_id(&path)?);
    record(req, rt, id, |ctx, tx, id| {
        let txn = tx.ticket_transaction(id)?;
        transaction_json(ctx, tx, &txn)
    })
    .await
}

/// `GET /attachment/<id>`.
pub async fn attachment(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = AttachmentId(numeric_id(&path)?);
    record(req, rt, id, |ctx, tx, id| {
        let (a, content) = tx.attachment(id)?;
        attachment_json(ctx, tx, &a, Some(&content))
    })
    .await
}

/// A flag as RT writes it in records: `"1"` or `"0"`.
fn flag(on: bool) -> Value {
    json!(if on { "1" } else { "0" })
}

/// A queue as RT's REST 2.0 shows it.
pub fn queue_json(ctx: &Ctx, tx: &mut Tx<'_>, q: &Queue) -> rt_core::Result<Value> {
    let url = ctx.url(&format!("queue/{}", q.id));
    let mut o = Map::new();
    o.insert("id".into(), json!(q.id));
    o.insert("Name".into(), json!(q.name));
    o.insert("Description".into(), json!(q.description));
    o.insert("CorrespondAddress".into(), json!(q.correspond_address));
    o.insert("CommentAddress".into(), json!(q.comment_address));
    o.insert("Lifecycle".into(), json!(q.lifecycle));
    o.insert("SortOrder".into(), json!(q.sort_order.to_string()));
    o.insert("SLADisabled".into(), flag(q.sla_disabled));
    o.insert("Disabled".into(), flag(q.disabled));
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
        links.push(json!({"ref": "create", "type": "ticket", "_url": ctx.url(&format!("ticket?Queue={}", q.id))}));
    }
    o.insert("_hyperlinks".into(), Value::Array(links));
    Ok(Value::Object(o))
}

/// A user as RT's REST 2.0 shows it: in full to themself and to holders
/// of `AdminUsers`, else RT's summary.
pub fn user_json(ctx: &Ctx, tx: &mut Tx<'_>, u: &User) -> rt_core::Result<Value> {
    let privileged = tx.is_privileged(u.user_id())?;
    let url = ctx.url(&format!("user/{}", u.id));
    let mut o = Map::new();
    o.insert("id".into(), json!(u.id));
    o.insert("Name".into(), json!(u.name));
    o.insert("EmailAddress".into(), json!(u.email_address.clone().unwrap_or_default()));
    o.insert("RealName".into(), json!(u.real_name));
    o.insert("Privileged".into(), json!(i32::from(privileged)));
    o.insert(
        "_hyperlinks".into(),
        json!([
            {"ref": "self", "type": "user", "id": u.id, "_url": url},
            {"ref": "history", "_url": format!("{url}/history")},
            {"ref": "memberships", "_url": format!("{url}/groups")},
        ]),
    );
    let me = tx.current_user().id;
    if u.user_id() != me && !tx.has_right(rights::ADMIN_USERS, AclObject::System)? {
        return Ok(Value::Object(o));
    }
    o.insert("Gecos".into(), json!(u.gecos));
    o.insert("Comments".into(), json!(u.comments));
    o.insert("Disabled".into(), flag(tx.is_user_disabled(u.user_id())?));
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
    let memberships: Vec<Value> = match tx.user_memberships(u.user_id()) {
        Ok(groups) => groups.iter().map(|g| ctx.reference("group", &g.id.to_string())).collect(),
        Err(rt_core::Error::PermissionDenied { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    o.insert("Memberships".into(), Value::Array(memberships));
    Ok(Value::Object(o))
}

/// A user-defined group.
pub fn group_json(ctx: &Ctx, g: &Group) -> Value {
    let url = ctx.url(&format!("group/{}", g.id));
    json!({
        "id": g.id,
        "Name": g.name,
        "Description": g.description,
        "Domain": g.domain,
        "CustomFields": [],
        "_hyperlinks": [
            {"ref": "self", "type": "group", "id": g.id, "_url": url},
            {"ref": "history", "_url": format!("{url}/history")},
            {"ref": "members", "_url": format!("{url}/members")},
        ],
    })
}

/// A custom field, with the values a select offers.
pub fn custom_field_json(ctx: &Ctx, tx: &mut Tx<'_>, cf: &CustomField) -> rt_core::Result<Value> {
    let id = cf.id.0;
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert("Name".into(), json!(cf.name));
    o.insert("Description".into(), json!(cf.description));
    o.insert("Type".into(), json!(cf.kind.as_str()));
    o.insert("LookupType".into(), json!(cf.lookup.as_str()));
    o.insert("MaxValues".into(), json!(cf.max_values));
    o.insert("Pattern".into(), json!(cf.pattern));
    o.insert("ValidationHint".into(), json!(cf.validation_hint));
    o.insert("EntryHint".into(), json!(cf.entry_hint));
    o.insert("LinkValueTo".into(), json!(cf.link_value_to));
    o.insert("UniqueValues".into(), flag(cf.unique_values));
    o.insert("Disabled".into(), flag(cf.disabled));
    if cf.kind == CfType::Select {
        let values: Vec<Value> = tx
            .custom_field_options(cf.id)?
            .into_iter()
            .map(|(name, category)| json!({"name": name, "category": category}))
            .collect();
        o.insert("Values".into(), Value::Array(values));
    }
    o.insert(
        "_hyperlinks".into(),
        json!([{"ref": "self", "type": "customfield", "id": id, "_url": ctx.url(&format!("customfield/{id}"))}]),
    );
    Ok(Value::Object(o))
}

/// A transaction, with links to its attachments.
pub fn transaction_json(ctx: &Ctx, tx: &mut Tx<'_>, txn: &Transaction) -> rt_core::Result<Value> {
    let id = txn.id.0;
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert("Type".into(), json!(txn.kind));
    o.insert("Object".into(), ctx.reference("ticket", &txn.object_id.to_string()));
    o.insert("ObjectType".into(), json!(txn.object_type));
    o.insert("ObjectId".into(), json!(txn.object_id.to_string()));
    o.insert("TimeTaken".into(), json!(txn.time_taken.to_string()));
    for (key, v) in
        [("Field", &txn.field), ("OldValue", &txn.old_value), ("NewValue", &txn.new_value), ("Data", &txn.data)]
    {
        o.insert(key.into(), json!(v.clone().unwrap_or_default()));
    }
    o.insert("ReferenceType".into(), json!(txn.reference_type.clone().unwrap_or_default()));
    o.insert("OldReference".into(), json!(txn.old_reference.map(|r| r.to_string()).unwrap_or_default()));
    o.insert("NewReference".into(), json!(txn.new_reference.map(|r| r.to_string()).unwrap_or_default()));
    o.insert("Creator".into(), ctx.user_ref(tx, txn.creator)?);
    o.insert("Created".into(), json!(date(Some(txn.created))));
    let mut links =
        vec![json!({"ref": "self", "type": "transaction", "id": id, "_url": ctx.url(&format!("transaction/{id}"))})];
    for a in tx.transaction_attachments(txn.id)? {
        links.push(json!({"ref": "attachment", "_url": ctx.url(&format!("attachment/{}", a.id.0))}));
    }
    o.insert("_hyperlinks".into(), Value::Array(links));
    Ok(Value::Object(o))
}

/// An attachment (a MIME entity of a transaction); its content, when
/// given, base64-encoded as RT sends it.
pub fn attachment_json(ctx: &Ctx, tx: &mut Tx<'_>, a: &Attachment, content: Option<&[u8]>) -> rt_core::Result<Value> {
    let id = a.id.0;
    let txn = tx.ticket_transaction(a.transaction)?;
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert("TransactionId".into(), ctx.reference("transaction", &a.transaction.0.to_string()));
    o.insert("Parent".into(), json!(a.parent.map(|p| p.0.to_string()).unwrap_or_else(|| "0".into())));
    o.insert("MessageId".into(), json!(a.message_id.clone().unwrap_or_default()));
    o.insert("Subject".into(), json!(a.subject.clone().unwrap_or_default()));
    o.insert("Filename".into(), json!(a.filename.clone().unwrap_or_default()));
    o.insert("ContentType".into(), json!(a.content_type));
    o.insert("ContentLength".into(), json!(a.size.to_string()));
    o.insert("Headers".into(), json!(a.headers));
    o.insert("Creator".into(), ctx.user_ref(tx, txn.creator)?);
    o.insert("Created".into(), json!(date(Some(a.created))));
    if let Some(content) = content {
        o.insert("Content".into(), json!(base64::engine::general_purpose::STANDARD.encode(content)));
    }
    o.insert(
        "_hyperlinks".into(),
        json!([{"ref": "self", "type": "attachment", "id": id, "_url": ctx.url(&format!("attachment/{id}"))}]),
    );
    Ok(Value::Object(o))
}
