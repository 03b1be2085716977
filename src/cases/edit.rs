//! Editing a case: its metadata, and keys of its confidential data set or removed, under the
//! version the editor read.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::scope::case_in_scope;
use super::validate::Checks;
use super::{CaseError, Context, answer, now_micros};
use crate::crypto::keyring;
use crate::domain::ActorKind;
use crate::domain::Sensitive;
use crate::domain::{CaseId, UserId};
use crate::store::Conn as PgConnection;
use crate::store::cases as rows;
use crate::store::events::{Chain, NewEvent};
use crate::store::keys;

/// `PATCH /cases/{id}`: metadata, and confidential keys to set (a `null` removes one).
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"risk": "critical", "confidential": {"location": null}}))]
pub struct CasePatch {
    #[schema(value_type = Option<crate::domain::CountryCode>)]
    pub country: Option<String>,
    #[schema(value_type = Option<Vec<crate::domain::ThemeCode>>, min_items = 1)]
    pub themes: Option<Vec<String>>,
    #[schema(value_type = Option<crate::domain::Risk>)]
    pub risk: Option<String>,
    pub owner: Option<UserId>,
    /// Confidential keys to set; `null` removes one (never `defender_name`).
    #[schema(value_type = Option<super::ConfidentialChange>)]
    pub confidential: Option<Sensitive<Map<String, Value>>>,
}

impl CasePatch {
    /// Whether it changes nothing at all (`{}`, or `{"confidential": {}}`).
    fn is_empty(&self) -> bool {
        self.country.is_none()
            && self.themes.is_none()
            && self.risk.is_none()
            && self.owner.is_none()
            && self.confidential.as_ref().is_none_or(|c| c.expose().is_empty())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Patched {
    pub id: CaseId,
    pub version: i64,
}

/// Changes a case, if `expected_version` is still its version.
pub fn patch_case(
    conn: &mut PgConnection,
    ctx: &Context<'_>,
    id: CaseId,
    expected_version: i64,
    patch: CasePatch,
) -> Result<Patched, CaseError> {
    let at = now_micros(ctx.now);
    let (case, _) = case_in_scope(conn, ctx, id)?;
    if !ctx.caller.role.is_delegation_staff() {
        return Err(CaseError::Forbidden(crate::domain::Denied::EditsCase));
    }
    let mut checks = Checks::default();
    checks.country(patch.country.as_deref());
    if let Some(themes) = &patch.themes {
        checks.themes(themes);
    }
    let risk = checks.risk(patch.risk.as_deref());
    checks.owner(conn, "owner", patch.owner, &case.delegation)?;
    checks.defender_name_change(patch.confidential.as_ref());
    checks.finish()?;
    crate::store::transaction(conn, |conn| {
        let locked = rows::lock_case(conn, &case.delegation, id)?.ok_or(CaseError::NotFound)?;
        if locked.version != expected_version {
            return Err(CaseError::StaleCase {
                current_version: locked.version,
            });
        }
        if patch.is_empty() {
            // Nothing to change: the case stays as it is, at its version, and no event says otherwise.
            let patched = Patched {
                id,
                version: locked.version,
            };
            return answer(conn, ctx, Some(id), patched);
        }
        let key = keys::case_key(conn, &case.delegation, id)?.ok_or(CaseError::NotFound)?;
        let mut changes = rows::CaseChanges {
            country: patch.country.clone(),
            themes: patch.themes.as_ref().map(|t| t.iter().cloned().map(Some).collect()),
            risk,
            owner_id: patch.owner,
            ..Default::default()
        };
        let mut sealed_patch = None;
        if let Some(confidential) = &patch.confidential {
            let case_key = ctx.keys.keyring.open_case_key(&key.wrapped)?;
            let mut current = match keyring::open_json(&case_key, &locked.sealed)?.into_inner() {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            for (name, value) in confidential.expose() {
                if value.is_null() {
                    current.remove(name);
                } else {
                    current.insert(name.clone(), value.clone());
                }
            }
            if let Some(Value::String(name)) = current.get("defender_name") {
                let index = ctx.keys.index.index(&case.delegation, &Sensitive::new(name.clone()));
                set_blind_index(&mut changes, index);
            }
            changes.sealed = Some(keyring::seal_json(
                &key.recipient,
                &Sensitive::new(Value::Object(current)),
            )?);
            sealed_patch = Some(keyring::seal_json(
                &key.recipient,
                &Sensitive::new(Value::Object(confidential.expose().clone())),
            )?);
        }
        rows::update_case(conn, &case.delegation, id, &changes)?;
        let plain = serde_json::json!({
            "country": patch.country, "themes": patch.themes, "risk": patch.risk, "owner": patch.owner,
        });
        let plain: Map<String, Value> = plain
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        let mut chain = Chain::after(&case.delegation, id, locked.head());
        chain.push(NewEvent {
            procedure_id: None,
            action: "update_case".into(),
            from_state: None,
            to_state: None,
            actor_id: Some(ctx.caller.user_id),
            actor_kind: ActorKind::User,
            at,
            plain: Value::Object(plain),
            sealed: sealed_patch,
        });
        let version = rows::commit_change(conn, &chain, at, None, rows::Version::Next)?;
        let patched = Patched { id, version };
        answer(conn, ctx, Some(id), patched)
    })
}

/// Puts a case's new blind index (of the version written now) into its changes; None: a name
/// with nothing to index.
pub fn set_blind_index(changes: &mut rows::CaseChanges, index: Option<crate::crypto::BlindIndex>) {
    changes.blind_index = Some(index.map(|i| i.parts.to_vec()));
    changes.blind_index_joined = Some(index.map(|i| i.joined.to_vec()));
    changes.blind_index_version = Some(crate::crypto::BLIND_INDEX_VERSION);
}
