//! Diesel table definitions, written by hand to match `migrations/`.
//!
//! Both backends share these definitions: every id is `BigInt` (SQLite's
//! `INTEGER PRIMARY KEY` is a 64-bit rowid), timestamps are naive UTC.

#![allow(missing_docs)]

diesel::table! {
    principals (id) {
        id -> BigInt,
        principal_type -> Text,
        disabled -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        name_folded -> Text,
        password -> Nullable<Text>,
        auth_token -> Nullable<Text>,
        comments -> Text,
        signature -> Text,
        email_address -> Nullable<Text>,
        email_folded -> Nullable<Text>,
        freeform_contact_info -> Text,
        organization -> Text,
        real_name -> Text,
        nick_name -> Text,
        lang -> Text,
        gecos -> Text,
        home_phone -> Text,
        work_phone -> Text,
        mobile_phone -> Text,
        pager_phone -> Text,
        address1 -> Text,
        address2 -> Text,
        city -> Text,
        state -> Text,
        zip -> Text,
        country -> Text,
        timezone -> Text,
        smime_certificate -> Text,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    groups (id) {
        id -> BigInt,
        name -> Text,
        name_folded -> Text,
        description -> Text,
        domain -> Text,
        instance -> BigInt,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    group_members (id) {
        id -> BigInt,
        group_id -> BigInt,
        member_id -> BigInt,
        creator -> BigInt,
        created -> Timestamp,
    }
}

diesel::table! {
    cached_group_members (id) {
        id -> BigInt,
        group_id -> BigInt,
        member_id -> BigInt,
        paths -> BigInt,
        ticket_role -> Nullable<Text>,
        ticket_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    acl (id) {
        id -> BigInt,
        principal_type -> Text,
        principal_id -> BigInt,
        right_name -> Text,
        object_type -> Text,
        object_id -> BigInt,
        creator -> BigInt,
        created -> Timestamp,
    }
}

diesel::table! {
    acl_version (id) {
        id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    queues (id) {
        id -> BigInt,
        name -> Text,
        name_folded -> Text,
        description -> Text,
        correspond_address -> Text,
        comment_address -> Text,
        lifecycle -> Text,
        subject_tag -> Text,
        sort_order -> BigInt,
        initial_priority -> BigInt,
        final_priority -> BigInt,
        default_due_in -> Nullable<BigInt>,
        sla -> Nullable<Text>,
        sla_disabled -> Bool,
        disabled -> Bool,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        effective_id -> BigInt,
        is_merged -> Bool,
        queue -> BigInt,
        #[sql_name = "type"]
        type_ -> Text,
        owner -> BigInt,
        subject -> Text,
        initial_priority -> BigInt,
        final_priority -> BigInt,
        priority -> BigInt,
        time_estimated -> BigInt,
        time_worked -> BigInt,
        time_left -> BigInt,
        status -> Text,
        sla -> Nullable<Text>,
        told -> Nullable<Timestamp>,
        starts -> Nullable<Timestamp>,
        started -> Nullable<Timestamp>,
        due -> Nullable<Timestamp>,
        resolved -> Nullable<Timestamp>,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    transactions (id) {
        id -> BigInt,
        object_type -> Text,
        object_id -> BigInt,
        time_taken -> BigInt,
        #[sql_name = "type"]
        type_ -> Text,
        field -> Nullable<Text>,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
        reference_type -> Nullable<Text>,
        old_reference -> Nullable<BigInt>,
        new_reference -> Nullable<BigInt>,
        data -> Nullable<Text>,
        interface -> Text,
        creator -> BigInt,
        created -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        transaction_id -> BigInt,
        parent -> Nullable<BigInt>,
        message_id -> Nullable<Text>,
        subject -> Nullable<Text>,
        filename -> Nullable<Text>,
        content_type -> Text,
        content_encoding -> Text,
        content -> Nullable<Binary>,
        headers -> Text,
        creator -> BigInt,
        created -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        transaction_id -> BigInt,
        object_type -> Text,
        object_id -> BigInt,
        created -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        attempts -> BigInt,
        done_at -> Nullable<Timestamp>,
        depth -> BigInt,
        batch_id -> BigInt,
    }
}

diesel::joinable!(users -> principals (id));
diesel::joinable!(groups -> principals (id));
diesel::joinable!(group_members -> groups (group_id));
diesel::joinable!(cached_group_members -> groups (group_id));
diesel::joinable!(tickets -> queues (queue));
diesel::joinable!(attachments -> transactions (transaction_id));

diesel::allow_tables_to_appear_in_same_query!(
    principals,
    users,
    groups,
    group_members,
    cached_group_members,
    acl,
    acl_version,
    queues,
    tickets,
    transactions,
    attachments,
    events,
);

diesel::table! {
    links (id) {
        id -> BigInt,
        base -> Text,
        target -> Text,
        #[sql_name = "type"]
        type_ -> Text,
        local_base -> BigInt,
        local_target -> BigInt,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(links, tickets);

diesel::table! {
    attributes (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        content -> Text,
        content_type -> Text,
        object_type -> Text,
        object_id -> BigInt,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> BigInt,
        user_id -> BigInt,
        ticket_id -> BigInt,
        created -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(bookmarks, tickets);

diesel::table! {
    custom_fields (id) {
        id -> BigInt,
        name -> Text,
        #[sql_name = "type"]
        type_ -> Text,
        render_type -> Text,
        max_values -> BigInt,
        pattern -> Text,
        lookup_type -> Text,
        entry_hint -> Text,
        validation_hint -> Text,
        description -> Text,
        link_value_to -> Text,
        default_values -> Text,
        sort_order -> BigInt,
        unique_values -> Bool,
        disabled -> Bool,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    object_custom_fields (id) {
        id -> BigInt,
        custom_field -> BigInt,
        object_id -> BigInt,
        sort_order -> BigInt,
        creator -> BigInt,
        created -> Timestamp,
    }
}

diesel::table! {
    custom_field_values (id) {
        id -> BigInt,
        custom_field -> BigInt,
        name -> Text,
        description -> Text,
        sort_order -> BigInt,
        category -> Text,
        creator -> BigInt,
        created -> Timestamp,
    }
}

diesel::table! {
    object_custom_field_values (id) {
        id -> BigInt,
        custom_field -> BigInt,
        object_type -> Text,
        object_id -> BigInt,
        sort_order -> BigInt,
        content -> Nullable<Text>,
        large_content -> Nullable<Binary>,
        content_type -> Text,
        content_encoding -> Text,
        ip_family -> Nullable<Text>,
        ip_start -> Nullable<Text>,
        ip_end -> Nullable<Text>,
        disabled -> Bool,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::joinable!(object_custom_fields -> custom_fields (custom_field));
diesel::allow_tables_to_appear_in_same_query!(custom_fields, object_custom_fields, object_custom_field_values);

diesel::table! {
    job_claims (job_key, ticket_id) {
        job_key -> Text,
        ticket_id -> BigInt,
        claimed_at -> Timestamp,
        node -> Text,
    }
}

diesel::table! {
    mail_receipts (receipt_key) {
        receipt_key -> Text,
        ticket_id -> BigInt,
        created -> Timestamp,
    }
}

diesel::table! {
    raw_messages (transaction_id) {
        transaction_id -> BigInt,
        content -> Binary,
    }
}

diesel::table! {
    custom_field_ip_spans (custom_field, ip_family) {
        custom_field -> BigInt,
        ip_family -> Text,
        max_span -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        ticket_id -> Nullable<BigInt>,
        transaction_id -> Nullable<BigInt>,
        message_id -> Text,
        envelope_from -> Text,
        recipients -> Text,
        content -> Binary,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        channel -> Text,
    }
}

diesel::table! {
    templates (id) {
        id -> BigInt,
        queue_id -> BigInt,
        name -> Text,
        name_folded -> Text,
        description -> Text,
        content -> Text,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    scrips (id) {
        id -> BigInt,
        description -> Text,
        condition_name -> Text,
        condition_rule -> Nullable<Text>,
        action_name -> Text,
        action_rule -> Nullable<Text>,
        template -> Text,
        stage -> Text,
        disabled -> Bool,
        creator -> BigInt,
        created -> Timestamp,
        last_updated_by -> BigInt,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    object_scrips (id) {
        id -> BigInt,
        scrip_id -> BigInt,
        queue_id -> BigInt,
        sort_order -> BigInt,
    }
}

diesel::table! {
    scrip_exclusions (scrip_id, queue_id) {
        scrip_id -> BigInt,
        queue_id -> BigInt,
    }
}

diesel::table! {
    scrip_runs (id) {
        id -> BigInt,
        transaction_id -> BigInt,
        scrip_id -> BigInt,
        outcome -> Text,
        detail -> Text,
        created -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(scrips, object_scrips, scrip_exclusions);
