//! Table `plugins`: installed plugin versions and their precompiled artefacts.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plugins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub version: String,
    pub kind: String,
    /// The version of `etalage:plugin` it was built against.
    pub interface_version: String,
    #[sea_orm(column_type = "Blob")]
    pub wasm: Vec<u8>,
    pub wasm_sha256: String,
    #[sea_orm(column_type = "Blob")]
    pub compiled: Vec<u8>,
    /// HMAC-SHA256 under a key derived from the server key, over the engine hash and
    /// `compiled`: checked before the bytes are ever given to the engine.
    pub compiled_mac: String,
    pub engine_hash: String,
    pub installed_by: Option<i64>,
    pub installed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
