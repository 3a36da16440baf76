//! Table `documents`: a candidate's CVs and photos. The file itself is in the object store,
//! sealed; the name and the extracted text are sealed here with the candidate's data key.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    /// A random UUID; also the object's key in the store and the associated data it is sealed
    /// with.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub candidate_id: i64,
    /// `cv` or `photo`.
    pub kind: String,
    /// `pdf`, `docx`, `odt`, `txt`, `jpeg`, `png`: the format of what is kept.
    pub format: String,
    /// Bytes of the kept file, before sealing.
    pub size: i64,
    /// The uploaded file name, sealed.
    pub name_sealed: String,
    /// The extracted text of a CV, sealed (the search issue indexes it).
    pub text_sealed: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
