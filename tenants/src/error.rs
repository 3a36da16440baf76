use std::fmt;
use std::path::PathBuf;

/// One problem in one label file, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelError {
    pub file: PathBuf,
    /// 1-based; `None` when the problem is the file as a whole.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Everything wrong with a set of label files: all of it at once, so one run shows every fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LabelErrors(pub Vec<LabelError>);

impl fmt::Display for LabelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, err) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{err}")?;
        }
        Ok(())
    }
}
