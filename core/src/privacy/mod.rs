//! The data subject's rights (PRV-1): the working-day calendar their deadlines are counted in,
//! the register of their requests, and the daily reminder of what is due.
pub mod calendar;
pub mod reminder;
pub mod requests;
