//! Our casbin adapter on sea-orm 2 (the published ones target older sea-orm). It reads the `p`
//! rules from `casbin_rules` and the role links (`g`) from `account_roles`, the one place that
//! records who holds which role where. Changes do not go through casbin's management API but
//! through `Authz`, which writes them with their audit entry and then reloads; the adapter's
//! write methods therefore refuse.
use casbin::{Adapter, Filter, Model};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::store::entities::{account_role, casbin_rule};

pub struct DbAdapter {
    db: DatabaseConnection,
}

impl DbAdapter {
    pub fn new(db: DatabaseConnection) -> Self {
        DbAdapter { db }
    }
}

fn refused() -> casbin::Error {
    casbin::error::AdapterError(
        "policy changes go through etalage_core::authz::Authz, which audits them".into(),
    )
    .into()
}

fn db_error(e: sea_orm::DbErr) -> casbin::Error {
    casbin::error::AdapterError(Box::new(e)).into()
}

fn insert(m: &mut dyn Model, sec: &str, ptype: &str, rule: Vec<String>) {
    if let Some(ast) = m
        .get_mut_model()
        .get_mut(sec)
        .and_then(|t| t.get_mut(ptype))
    {
        ast.get_mut_policy().insert(rule);
    }
}

#[async_trait::async_trait]
impl Adapter for DbAdapter {
    async fn load_policy(&mut self, m: &mut dyn Model) -> casbin::Result<()> {
        for rule in casbin_rule::Entity::find()
            .all(&self.db)
            .await
            .map_err(db_error)?
        {
            insert(m, "p", &rule.ptype, vec![rule.v0, rule.v1, rule.v2]);
        }
        for link in account_role::Entity::find()
            .all(&self.db)
            .await
            .map_err(db_error)?
        {
            insert(
                m,
                "g",
                "g",
                vec![super::subject_of(link.account_id), link.role, link.domain],
            );
        }
        Ok(())
    }

    async fn load_filtered_policy<'a>(
        &mut self,
        m: &mut dyn Model,
        _f: Filter<'a>,
    ) -> casbin::Result<()> {
        self.load_policy(m).await
    }

    async fn save_policy(&mut self, _m: &mut dyn Model) -> casbin::Result<()> {
        Err(refused())
    }

    async fn clear_policy(&mut self) -> casbin::Result<()> {
        Err(refused())
    }

    fn is_filtered(&self) -> bool {
        false
    }

    async fn add_policy(&mut self, _: &str, _: &str, _: Vec<String>) -> casbin::Result<bool> {
        Err(refused())
    }

    async fn add_policies(
        &mut self,
        _: &str,
        _: &str,
        _: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        Err(refused())
    }

    async fn remove_policy(&mut self, _: &str, _: &str, _: Vec<String>) -> casbin::Result<bool> {
        Err(refused())
    }

    async fn remove_policies(
        &mut self,
        _: &str,
        _: &str,
        _: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        Err(refused())
    }

    async fn remove_filtered_policy(
        &mut self,
        _: &str,
        _: &str,
        _: usize,
        _: Vec<String>,
    ) -> casbin::Result<bool> {
        Err(refused())
    }
}
