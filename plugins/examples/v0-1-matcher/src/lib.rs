//! A matcher as plugin authors wrote them for `etalage:plugin@0.1.0`: candidate records with
//! spans into a shared pool, answered by a list of scores naming candidates by position. It
//! scores by the share of the vacancy's skills a candidate has, and leaves out candidates with
//! none of them (the host counts those as not suitable).
wit_bindgen::generate!({
    path: "../../wit/since_v0.1.0/etalage-plugin.wit",
    world: "matcher",
});

use exports::etalage::plugin::matching::{Batch, Guest, Score, Vacancy};

struct V01Matcher;

impl Guest for V01Matcher {
    fn rank(vacancy: Vacancy, batch: Batch) -> Result<Vec<Score>, String> {
        etalage::plugin::log::write(
            etalage::plugin::log::Level::Info,
            "ranking with interface 0.1.0",
        );
        let wanted = vacancy.skills.len().max(1) as f32;
        Ok(batch
            .candidates
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let start = c.skills.start as usize;
                let held = batch.pool.get(start..start + c.skills.len as usize)?;
                let matched = vacancy
                    .skills
                    .iter()
                    .filter(|s| held.contains(&s.skill))
                    .count();
                (matched > 0).then(|| Score {
                    candidate: i as u32,
                    score: matched as f32 / wanted,
                    explanation: format!("{matched} of {} skills", vacancy.skills.len()),
                })
            })
            .collect())
    }
}

export!(V01Matcher);
