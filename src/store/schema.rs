// @generated automatically by Diesel CLI.

diesel::table! {
    access_log (id) {
        id -> Int8,
        at -> Timestamptz,
        user_id -> Nullable<Uuid>,
        delegation -> Nullable<Text>,
        case_id -> Nullable<Uuid>,
        what -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    admin_log (seq) {
        seq -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        act -> Text,
        subject_id -> Nullable<Uuid>,
        delegation -> Nullable<Text>,
        detail -> Jsonb,
        prev_hash -> Bytea,
        hash -> Bytea,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        prefix -> Text,
        hash -> Bytea,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        issued_by -> Nullable<Uuid>,
        delivery -> Text,
    }
}

diesel::table! {
    attachment_chunks (delegation, attachment_id, seq) {
        delegation -> Text,
        attachment_id -> Uuid,
        seq -> Int4,
        bytes -> Bytea,
    }
}

diesel::table! {
    attachments (delegation, id) {
        delegation -> Text,
        id -> Uuid,
        case_id -> Uuid,
        procedure_id -> Nullable<Uuid>,
        event_seq -> Int8,
        uploaded_by -> Uuid,
        created_at -> Timestamptz,
        stored_bytes -> Int8,
        chunks -> Int4,
    }
}

diesel::table! {
    case_events (delegation, case_id, seq) {
        delegation -> Text,
        case_id -> Uuid,
        seq -> Int8,
        procedure_id -> Nullable<Uuid>,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        actor_id -> Nullable<Uuid>,
        actor_kind -> Text,
        at -> Timestamptz,
        plain -> Jsonb,
        sealed -> Nullable<Bytea>,
        prev_hash -> Bytea,
        hash -> Bytea,
    }
}

diesel::table! {
    case_keys (delegation, case_id) {
        delegation -> Text,
        case_id -> Uuid,
        recipient -> Text,
        wrapped -> Bytea,
        wrapped_for -> Text,
        rotated_at -> Timestamptz,
    }
}

diesel::table! {
    cases (delegation, id) {
        delegation -> Text,
        id -> Uuid,
        reference -> Text,
        country -> Text,
        themes -> Array<Nullable<Text>>,
        risk -> Text,
        owner_id -> Uuid,
        version -> Int8,
        sealed -> Bytea,
        blind_index -> Nullable<Bytea>,
        next_due_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        erased_at -> Nullable<Timestamptz>,
        steps -> Array<Nullable<Text>>,
        event_seq -> Int8,
        event_head -> Bytea,
        blind_index_joined -> Nullable<Bytea>,
        blind_index_version -> Int2,
        figures -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    checkpoint_leaves (case_id, checkpoint_seq) {
        case_id -> Uuid,
        checkpoint_seq -> Int8,
        reference -> Text,
        event_seq -> Int8,
        event_head -> Bytea,
    }
}

diesel::table! {
    checkpoints (seq) {
        seq -> Int8,
        at -> Timestamptz,
        line -> Text,
    }
}

diesel::table! {
    delegation_holidays (delegation, day) {
        delegation -> Text,
        day -> Date,
        name -> Text,
    }
}

diesel::table! {
    delegations (code) {
        code -> Text,
        name -> Text,
        country -> Nullable<Text>,
        time_zone -> Text,
        weekend_days -> Array<Nullable<Int2>>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    digest_entries (user_id, scheduled_id) {
        user_id -> Uuid,
        scheduled_id -> Uuid,
        case_id -> Uuid,
        reference -> Text,
        workflow_title -> Text,
        step_title -> Text,
        message -> Text,
        due_at -> Timestamptz,
        created_at -> Timestamptz,
        lease_until -> Nullable<Timestamptz>,
        sent_at -> Nullable<Timestamptz>,
        workflow -> Text,
        step -> Text,
    }
}

diesel::table! {
    erasure_ledger (seq) {
        seq -> Int8,
        delegation -> Text,
        case_id -> Uuid,
        at -> Timestamptz,
        line -> Text,
    }
}

diesel::table! {
    erasure_requests (id) {
        id -> Uuid,
        delegation -> Text,
        case_id -> Uuid,
        reason -> Text,
        requested_by -> Uuid,
        requested_at -> Timestamptz,
        approved_by -> Nullable<Uuid>,
        approved_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    form_drafts (id) {
        id -> Uuid,
        user_id -> Uuid,
        sealed -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    grant_requests (id) {
        id -> Uuid,
        kind -> Text,
        user_id -> Uuid,
        email -> Nullable<Text>,
        display_name -> Nullable<Text>,
        role -> Text,
        delegation -> Nullable<Text>,
        approver -> Text,
        requested_by -> Uuid,
        requested_at -> Timestamptz,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        decision -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Uuid,
        key -> Text,
        request_hash -> Bytea,
        status -> Int2,
        location -> Nullable<Text>,
        response -> Jsonb,
        created_at -> Timestamptz,
        case_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    procedures (delegation, id) {
        delegation -> Text,
        id -> Uuid,
        case_id -> Uuid,
        workflow -> Text,
        workflow_version -> Text,
        state -> Text,
        queue -> Nullable<Text>,
        version -> Int8,
        plain_data -> Jsonb,
        sealed_data -> Nullable<Bytea>,
        started_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        claimed_by -> Nullable<Uuid>,
        claimed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    report_runs (id) {
        id -> Int8,
        at -> Timestamptz,
        user_id -> Uuid,
        report -> Text,
        parameters -> Jsonb,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    scheduled (delegation, id) {
        delegation -> Text,
        id -> Uuid,
        case_id -> Uuid,
        procedure_id -> Uuid,
        state -> Text,
        kind -> Text,
        position -> Int4,
        message -> Nullable<Text>,
        recipients -> Array<Nullable<Text>>,
        action -> Nullable<Text>,
        repeat -> Nullable<Text>,
        due_at -> Timestamptz,
        status -> Text,
        attempts -> Int4,
        lease_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        overdue_from -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sign_in_links (id_hash) {
        id_hash -> Bytea,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    token_links (id_hash) {
        id_hash -> Bytea,
        user_id -> Uuid,
        issued_by -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        role -> Text,
        delegation -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        language -> Nullable<Text>,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        digest -> Bool,
    }
}

diesel::table! {
    web_sessions (id_hash) {
        id_hash -> Bytea,
        user_id -> Uuid,
        token_id -> Nullable<Uuid>,
        csrf -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    workflow_versions (name, version) {
        name -> Text,
        version -> Text,
        definition -> Jsonb,
        recorded_at -> Timestamptz,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(cases -> delegations (delegation));
diesel::joinable!(cases -> users (owner_id));
diesel::joinable!(delegation_holidays -> delegations (delegation));
diesel::joinable!(digest_entries -> users (user_id));
diesel::joinable!(form_drafts -> users (user_id));
diesel::joinable!(idempotency_keys -> users (user_id));
diesel::joinable!(report_runs -> users (user_id));
diesel::joinable!(sign_in_links -> users (user_id));
diesel::joinable!(users -> delegations (delegation));
diesel::joinable!(web_sessions -> api_tokens (token_id));
diesel::joinable!(web_sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    access_log,
    admin_log,
    api_tokens,
    attachment_chunks,
    attachments,
    case_events,
    case_keys,
    cases,
    checkpoint_leaves,
    checkpoints,
    delegation_holidays,
    delegations,
    digest_entries,
    erasure_ledger,
    erasure_requests,
    form_drafts,
    grant_requests,
    idempotency_keys,
    procedures,
    report_runs,
    scheduled,
    sign_in_links,
    token_links,
    users,
    web_sessions,
    workflow_versions,
);
