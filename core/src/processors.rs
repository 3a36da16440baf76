//! The register of processors (PRV-2): who processes personal data for us, for what purpose,
//! which data categories, under which agreement. Data leaves the platform only through a
//! processor in this register.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, AuditEntry};
use crate::store::entities::processor;
use crate::{CoreError, CoreResult, time};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProcessorInput {
    pub name: String,
    pub purpose: String,
    pub data_categories: Vec<String>,
    pub agreement_reference: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ProcessorEntry {
    pub id: i64,
    pub name: String,
    pub purpose: String,
    pub data_categories: Vec<String>,
    pub agreement_reference: String,
}

fn entry(row: processor::Model) -> ProcessorEntry {
    ProcessorEntry {
        id: row.id,
        name: row.name,
        purpose: row.purpose,
        data_categories: row
            .data_categories
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        agreement_reference: row.agreement_reference,
    }
}

impl ProcessorInput {
    fn validate(mut self) -> CoreResult<Self> {
        self.name = self.name.trim().to_string();
        self.purpose = self.purpose.trim().to_string();
        self.agreement_reference = self.agreement_reference.trim().to_string();
        self.data_categories = self
            .data_categories
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        for (field, value, max) in [
            ("name", &self.name, 120),
            ("purpose", &self.purpose, 2_000),
            ("agreement_reference", &self.agreement_reference, 200),
        ] {
            if value.is_empty() {
                return Err(CoreError::invalid(field, "is required"));
            }
            if value.chars().count() > max {
                return Err(CoreError::invalid(
                    field,
                    format!("must be at most {max} characters"),
                ));
            }
        }
        if self.data_categories.is_empty() {
            return Err(CoreError::invalid(
                "data_categories",
                "name at least one data category",
            ));
        }
        if self.data_categories.iter().any(|c| c.contains(',')) {
            return Err(CoreError::invalid(
                "data_categories",
                "a category cannot contain a comma",
            ));
        }
        Ok(self)
    }
}

pub async fn list(db: &DatabaseConnection) -> CoreResult<Vec<ProcessorEntry>> {
    Ok(processor::Entity::find()
        .order_by_asc(processor::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(entry)
        .collect())
}

pub async fn get(db: &DatabaseConnection, id: i64) -> CoreResult<ProcessorEntry> {
    processor::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(entry)
        .ok_or(CoreError::NotFound("processor"))
}

/// Adds (`id: None`) or changes a register entry, audited.
pub async fn save(
    db: &DatabaseConnection,
    id: Option<i64>,
    input: ProcessorInput,
    actor: Actor,
) -> CoreResult<ProcessorEntry> {
    let input = input.validate()?;
    let txn = db.begin().await?;
    let now = time::now();
    let categories = input.data_categories.join(", ");
    let row = match id {
        None => {
            processor::ActiveModel {
                name: Set(input.name.clone()),
                purpose: Set(input.purpose.clone()),
                data_categories: Set(categories),
                agreement_reference: Set(input.agreement_reference.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
        }
        Some(id) => {
            let existing = processor::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(CoreError::NotFound("processor"))?;
            let mut active: processor::ActiveModel = existing.into();
            active.name = Set(input.name.clone());
            active.purpose = Set(input.purpose.clone());
            active.data_categories = Set(categories);
            active.agreement_reference = Set(input.agreement_reference.clone());
            active.updated_at = Set(now);
            active.update(&txn).await
        }
    }
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            CoreError::Conflict(format!(
                "a processor named {} is registered already",
                input.name
            ))
        } else {
            e.into()
        }
    })?;
    audit::record(
        &txn,
        AuditEntry::new(
            actor,
            if id.is_some() {
                "processor.update"
            } else {
                "processor.register"
            },
            format!("processor:{}", row.id),
        )
        .details(serde_json::to_value(&input).unwrap_or_default()),
    )
    .await?;
    txn.commit().await?;
    Ok(entry(row))
}

/// Looks a processor up by name (for seeding the demo register).
pub async fn find_by_name(
    db: &DatabaseConnection,
    name: &str,
) -> CoreResult<Option<ProcessorEntry>> {
    Ok(processor::Entity::find()
        .filter(processor::Column::Name.eq(name))
        .one(db)
        .await?
        .map(entry))
}
