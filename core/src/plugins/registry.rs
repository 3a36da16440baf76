//! The plugin registry: installed versions (with their precompiled artefacts) and, per label,
//! which plugin is enabled with which settings, sealed secrets and — for processors — which
//! entry of the processors register it acts for (PRV-2). Where a processor plugin may send
//! data is that entry's business (its endpoints), never the operator's.
use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use crate::audit::{self, Actor, AuditEntry};
use crate::crypto::SecretsKey;
use crate::store::entities::{label_plugin, plugin, processor};
use crate::{CoreError, CoreResult, time};

/// What the host made of an upload, to be stored.
#[derive(Clone, Debug)]
pub struct NewPlugin {
    pub name: String,
    pub version: String,
    /// `matcher` or `processor`.
    pub kind: String,
    /// The version of `etalage:plugin` it was built against.
    pub interface_version: String,
    pub wasm: Vec<u8>,
    pub wasm_sha256: String,
    pub compiled: Vec<u8>,
    /// HMAC of `engine_hash` and `compiled` under the server's artefact key.
    pub compiled_mac: String,
    pub engine_hash: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct InstalledPlugin {
    pub id: i64,
    pub name: String,
    pub version: String,
    pub kind: String,
    pub interface_version: String,
    pub wasm_sha256: String,
    pub size: usize,
    pub installed_at: chrono::DateTime<chrono::Utc>,
}

fn installed(row: &plugin::Model) -> InstalledPlugin {
    InstalledPlugin {
        id: row.id,
        name: row.name.clone(),
        version: row.version.clone(),
        kind: row.kind.clone(),
        interface_version: row.interface_version.clone(),
        wasm_sha256: row.wasm_sha256.clone(),
        size: row.wasm.len(),
        installed_at: row.installed_at,
    }
}

/// A plugin name: like a label slug (lower case, digits, hyphens).
pub fn parse_name(raw: &str) -> CoreResult<String> {
    let ok = (2..=63).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if ok {
        Ok(raw.to_string())
    } else {
        Err(CoreError::invalid(
            "name",
            "use 2–63 lower-case letters, digits and hyphens",
        ))
    }
}

/// A version like `1.2.0`.
pub fn parse_version(raw: &str) -> CoreResult<String> {
    let parts: Vec<&str> = raw.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 6 && p.chars().all(|c| c.is_ascii_digit()))
    {
        Ok(raw.to_string())
    } else {
        Err(CoreError::invalid(
            "version",
            "use major.minor.patch, e.g. 1.0.0",
        ))
    }
}

/// Stores an installed version; a name and version that exist already is a conflict (a
/// released version never changes — install a new version instead).
pub async fn store_installed(
    db: &DatabaseConnection,
    new: NewPlugin,
    actor: Actor,
) -> CoreResult<InstalledPlugin> {
    let name = parse_name(&new.name)?;
    let version = parse_version(&new.version)?;
    let txn = crate::store::begin_write(db).await?;
    let row = plugin::ActiveModel {
        name: Set(name),
        version: Set(version),
        kind: Set(new.kind),
        interface_version: Set(new.interface_version),
        wasm: Set(new.wasm),
        wasm_sha256: Set(new.wasm_sha256),
        compiled: Set(new.compiled),
        compiled_mac: Set(new.compiled_mac),
        engine_hash: Set(new.engine_hash),
        installed_by: Set(match actor {
            Actor::Account(id) => Some(id),
            Actor::System => None,
        }),
        installed_at: Set(time::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            CoreError::Conflict(
                "this version of the plugin is installed already; give the new build a new version"
                    .into(),
            )
        } else {
            e.into()
        }
    })?;
    let view = installed(&row);
    audit::record(
        &txn,
        AuditEntry::new(
            actor,
            "plugin.install",
            format!("plugin:{}@{}", view.name, view.version),
        )
        .details(
            serde_json::json!({ "kind": view.kind, "interface": view.interface_version, "sha256": view.wasm_sha256, "size": view.size }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn list_installed(db: &DatabaseConnection) -> CoreResult<Vec<InstalledPlugin>> {
    // Everything but the bytes: a listing must not read every plugin's `.wasm` and artefact.
    #[derive(sea_orm::FromQueryResult)]
    struct Row {
        id: i64,
        name: String,
        version: String,
        kind: String,
        interface_version: String,
        wasm_sha256: String,
        size: i64,
        installed_at: chrono::DateTime<chrono::Utc>,
    }
    use plugin::Column as C;
    let rows = plugin::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::Name,
            C::Version,
            C::Kind,
            C::InterfaceVersion,
            C::WasmSha256,
            C::InstalledAt,
        ])
        .column_as(
            sea_orm::sea_query::Expr::cust("CAST(LENGTH(wasm) AS BIGINT)"),
            "size",
        )
        .order_by_asc(C::Name)
        .order_by_desc(C::Id)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| InstalledPlugin {
            id: r.id,
            name: r.name,
            version: r.version,
            kind: r.kind,
            interface_version: r.interface_version,
            wasm_sha256: r.wasm_sha256,
            size: usize::try_from(r.size).unwrap_or(0),
            installed_at: r.installed_at,
        })
        .collect())
}

/// One installed version with its bytes.
pub async fn get_installed(
    db: &DatabaseConnection,
    name: &str,
    version: &str,
) -> CoreResult<plugin::Model> {
    plugin::Entity::find()
        .filter(plugin::Column::Name.eq(name))
        .filter(plugin::Column::Version.eq(version))
        .one(db)
        .await?
        .ok_or(CoreError::NotFound("plugin version"))
}

/// Stores a version's artefact compiled again by this server (with its MAC), so the next load
/// need not compile it.
pub async fn replace_artefact(
    db: &DatabaseConnection,
    id: i64,
    compiled: Vec<u8>,
    compiled_mac: String,
    engine_hash: String,
) -> CoreResult<()> {
    plugin::ActiveModel {
        id: Set(id),
        compiled: Set(compiled),
        compiled_mac: Set(compiled_mac),
        engine_hash: Set(engine_hash),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// A label's wish for one plugin, as the operator entered it. Secret values left empty keep
/// the stored value; secrets are never read back, and `Debug` names them without values.
#[derive(Clone, Default)]
pub struct LabelPluginInput {
    pub plugin_name: String,
    pub version: String,
    pub settings: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, String>,
    pub processor_id: Option<i64>,
}

impl std::fmt::Debug for LabelPluginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabelPluginInput")
            .field("plugin_name", &self.plugin_name)
            .field("version", &self.version)
            .field("settings", &self.settings)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .field("processor_id", &self.processor_id)
            .finish()
    }
}

/// The setting through which a processor plugin learns where its processor is: filled in by
/// the host from the register entry (its first endpoint), so an operator cannot set it.
pub const BASE_URL_SETTING: &str = "base_url";

/// A label's plugin as shown to operators: secret names, never values.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LabelPluginView {
    pub plugin_name: String,
    pub version: String,
    pub kind: String,
    pub settings: BTreeMap<String, String>,
    pub secret_names: Vec<String>,
    pub processor_id: Option<i64>,
}

/// A label's plugin as the runtime needs it: with secrets opened. `Debug` names the secrets
/// but never prints them.
#[derive(Clone, PartialEq, Eq)]
pub struct LabelPluginRuntime {
    pub label: String,
    pub plugin_name: String,
    pub version: String,
    pub kind: String,
    pub settings: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, String>,
    pub processor_id: Option<i64>,
    /// The endpoints of the register entry it acts for: all it may reach.
    pub endpoints: Vec<String>,
}

impl std::fmt::Debug for LabelPluginRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabelPluginRuntime")
            .field("label", &self.label)
            .field("plugin_name", &self.plugin_name)
            .field("version", &self.version)
            .field("kind", &self.kind)
            .field("settings", &self.settings)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .field("processor_id", &self.processor_id)
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

/// What a label's sealed secrets are bound to (the AEAD's associated data): a sealed value
/// copied to another label's or plugin's row does not open there.
fn secrets_context(label: &str, plugin: &str) -> Vec<u8> {
    format!("label-plugin-secrets\0{label}\0{plugin}").into_bytes()
}

fn open_secrets(
    key: &SecretsKey,
    label: &str,
    plugin: &str,
    sealed: Option<&str>,
) -> CoreResult<BTreeMap<String, String>> {
    match sealed {
        None => Ok(BTreeMap::new()),
        Some(sealed) => serde_json::from_slice(&key.open(sealed, &secrets_context(label, plugin))?)
            .map_err(|e| CoreError::Internal(format!("sealed secrets are not a map: {e}"))),
    }
}

fn seal_secrets(
    key: &SecretsKey,
    label: &str,
    plugin: &str,
    secrets: &BTreeMap<String, String>,
) -> CoreResult<Option<String>> {
    if secrets.is_empty() {
        return Ok(None);
    }
    let plain = serde_json::to_vec(secrets).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(Some(key.seal(&plain, &secrets_context(label, plugin))?))
}

/// Seals again, bound to their (label, plugin), the secrets sealed before values were bound
/// to their owner; run once at start-up, before anything opens them. Returns how many rows
/// changed.
pub async fn reseal_unbound_secrets(
    db: &DatabaseConnection,
    key: &SecretsKey,
) -> CoreResult<usize> {
    let rows = label_plugin::Entity::find()
        .filter(label_plugin::Column::SealedSecrets.is_not_null())
        .all(db)
        .await?;
    let mut changed = 0;
    for row in rows {
        let Some(sealed) = row
            .sealed_secrets
            .as_deref()
            .filter(|s| SecretsKey::is_unbound(s))
        else {
            continue;
        };
        let secrets: BTreeMap<String, String> = serde_json::from_slice(&key.open_unbound(sealed)?)
            .map_err(|e| CoreError::Internal(format!("sealed secrets are not a map: {e}")))?;
        let resealed = seal_secrets(key, &row.label, &row.plugin_name, &secrets)?;
        let mut active: label_plugin::ActiveModel = row.into();
        active.sealed_secrets = Set(resealed);
        active.update(db).await?;
        changed += 1;
    }
    Ok(changed)
}

/// Enables or reconfigures a plugin for `label`, audited (secret names only).
pub async fn configure(
    db: &DatabaseConnection,
    key: &SecretsKey,
    label: &str,
    input: LabelPluginInput,
    actor: Actor,
) -> CoreResult<LabelPluginView> {
    let version = get_installed(db, &input.plugin_name, &input.version).await?;
    for k in input.settings.keys().chain(input.secrets.keys()) {
        if k.trim().is_empty() || k.len() > 100 {
            return Err(CoreError::invalid(
                "settings",
                "setting and secret names are 1–100 characters",
            ));
        }
    }
    if input.settings.contains_key(BASE_URL_SETTING) {
        return Err(CoreError::invalid(
            "settings",
            "base_url comes from the processor's entry in the processors register; choose the entry instead",
        ));
    }
    // PRV-2: a processor integration acts for a registered processor, or not at all.
    let processor_id = if version.kind == "processor" {
        let id = input.processor_id.ok_or_else(|| {
            CoreError::invalid(
                "processor_id",
                "a processor plugin needs an entry in the processors register",
            )
        })?;
        processor::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| {
                CoreError::invalid("processor_id", "no such entry in the processors register")
            })?;
        Some(id)
    } else {
        None
    };
    let txn = crate::store::begin_write(db).await?;
    let existing = label_plugin::Entity::find()
        .filter(label_plugin::Column::Label.eq(label))
        .filter(label_plugin::Column::PluginName.eq(&input.plugin_name))
        .one(&txn)
        .await?;
    let mut secrets = open_secrets(
        key,
        label,
        &input.plugin_name,
        existing.as_ref().and_then(|e| e.sealed_secrets.as_deref()),
    )?;
    for (k, v) in &input.secrets {
        if !v.is_empty() {
            secrets.insert(k.clone(), v.clone());
        }
    }
    let sealed = seal_secrets(key, label, &input.plugin_name, &secrets)?;
    let settings =
        serde_json::to_string(&input.settings).map_err(|e| CoreError::Internal(e.to_string()))?;
    let now = time::now();
    match existing {
        Some(row) => {
            let mut active: label_plugin::ActiveModel = row.into();
            active.version = Set(input.version.clone());
            active.settings = Set(settings);
            active.sealed_secrets = Set(sealed);
            active.processor_id = Set(processor_id);
            active.updated_at = Set(now);
            active.update(&txn).await?;
        }
        None => {
            label_plugin::ActiveModel {
                label: Set(label.to_string()),
                plugin_name: Set(input.plugin_name.clone()),
                version: Set(input.version.clone()),
                settings: Set(settings),
                sealed_secrets: Set(sealed),
                processor_id: Set(processor_id),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        AuditEntry::new(
            actor,
            "plugin.configure",
            format!("plugin:{}@{}", input.plugin_name, input.version),
        )
        .label(label.to_string())
        .details(serde_json::json!({
            "settings": input.settings,
            "secret_names": secrets.keys().collect::<Vec<_>>(),
            "processor_id": processor_id,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(LabelPluginView {
        plugin_name: input.plugin_name,
        version: input.version,
        kind: version.kind,
        settings: input.settings,
        secret_names: secrets.into_keys().collect(),
        processor_id,
    })
}

/// Turns a plugin off for a label, audited.
pub async fn disable(
    db: &DatabaseConnection,
    label: &str,
    plugin_name: &str,
    actor: Actor,
) -> CoreResult<()> {
    let txn = crate::store::begin_write(db).await?;
    let removed = label_plugin::Entity::delete_many()
        .filter(label_plugin::Column::Label.eq(label))
        .filter(label_plugin::Column::PluginName.eq(plugin_name))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(CoreError::NotFound("enabled plugin"));
    }
    audit::record(
        &txn,
        AuditEntry::new(actor, "plugin.disable", format!("plugin:{plugin_name}"))
            .label(label.to_string()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn kinds(db: &DatabaseConnection) -> CoreResult<BTreeMap<(String, String), String>> {
    use plugin::Column as C;
    Ok(plugin::Entity::find()
        .select_only()
        .columns([C::Name, C::Version, C::Kind])
        .into_tuple::<(String, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(name, version, kind)| ((name, version), kind))
        .collect())
}

/// A label's plugins, for its operators.
pub async fn for_label(
    db: &DatabaseConnection,
    key: &SecretsKey,
    label: &str,
) -> CoreResult<Vec<LabelPluginView>> {
    let kinds = kinds(db).await?;
    let rows = label_plugin::Entity::find()
        .filter(label_plugin::Column::Label.eq(label))
        .order_by_asc(label_plugin::Column::PluginName)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(LabelPluginView {
                kind: kinds
                    .get(&(r.plugin_name.clone(), r.version.clone()))
                    .cloned()
                    .unwrap_or_default(),
                secret_names: open_secrets(
                    key,
                    &r.label,
                    &r.plugin_name,
                    r.sealed_secrets.as_deref(),
                )?
                .into_keys()
                .collect(),
                settings: serde_json::from_str(&r.settings).unwrap_or_default(),
                plugin_name: r.plugin_name,
                version: r.version,
                processor_id: r.processor_id,
            })
        })
        .collect()
}

/// Every enabled plugin of every label, secrets opened: what the runtime loads.
pub async fn all_enabled(
    db: &DatabaseConnection,
    key: &SecretsKey,
) -> CoreResult<Vec<LabelPluginRuntime>> {
    let kinds = kinds(db).await?;
    let endpoints: BTreeMap<i64, Vec<String>> = processor::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, serde_json::from_str(&p.endpoints).unwrap_or_default()))
        .collect();
    let rows = label_plugin::Entity::find().all(db).await?;
    rows.into_iter()
        .map(|r| {
            Ok(LabelPluginRuntime {
                kind: kinds
                    .get(&(r.plugin_name.clone(), r.version.clone()))
                    .cloned()
                    .unwrap_or_default(),
                secrets: open_secrets(key, &r.label, &r.plugin_name, r.sealed_secrets.as_deref())?,
                settings: serde_json::from_str(&r.settings).unwrap_or_default(),
                endpoints: r
                    .processor_id
                    .and_then(|id| endpoints.get(&id).cloned())
                    .unwrap_or_default(),
                label: r.label,
                plugin_name: r.plugin_name,
                version: r.version,
                processor_id: r.processor_id,
            })
        })
        .collect()
}

/// A fingerprint of what is enabled where (rows and their last change) and of the register
/// entries they act for (whose endpoints bound them), so a server can tell cheaply whether
/// another server changed a label's plugins or a processor's endpoints.
pub async fn enabled_fingerprint(db: &DatabaseConnection) -> CoreResult<String> {
    let rows = label_plugin::Entity::find()
        .order_by_asc(label_plugin::Column::Id)
        .all(db)
        .await?;
    let register = processor::Entity::find()
        .select_only()
        .columns([processor::Column::Id, processor::Column::UpdatedAt])
        .order_by_asc(processor::Column::Id)
        .into_tuple::<(i64, chrono::DateTime<chrono::Utc>)>()
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            format!(
                "{}:{}:{}:{}",
                r.id,
                r.version,
                r.updated_at.timestamp_micros(),
                r.label
            )
        })
        .chain(
            register
                .iter()
                .map(|(id, at)| format!("p{id}:{}", at.timestamp_micros())),
        )
        .collect::<Vec<_>>()
        .join(","))
}
