//! A page number of a paged list. Bounded so that the offset it becomes always fits the
//! database's 64-bit integers: page 9223372036854775808 is a clear 422, not an overflow.
use crate::{CoreError, CoreResult};

/// The highest page any list serves.
pub const MAX_PAGE: u64 = 1_000_000;

/// `page` (from 1), checked.
pub fn page_number(page: u64) -> CoreResult<u64> {
    if (1..=MAX_PAGE).contains(&page) {
        Ok(page)
    } else {
        Err(CoreError::invalid(
            "page",
            format!("must be between 1 and {MAX_PAGE}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_outside_the_bounds_are_refused() {
        assert!(page_number(0).is_err());
        assert!(page_number(MAX_PAGE + 1).is_err());
        assert!(page_number(u64::MAX).is_err());
        assert_eq!(page_number(3).ok(), Some(3));
    }
}
