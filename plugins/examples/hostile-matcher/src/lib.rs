//! A matcher that misbehaves on purpose, for the sandbox tests through the server (PLG-3). What
//! it does is chosen by its `behaviour` setting, so the same plugin can be hostile in one label
//! and well-behaved in another.
use etalage_plugin_sdk::{
    Batch, Candidate, Explanation, Matcher, Vacancy, config, register_matcher,
};

struct HostileMatcher;

impl Matcher for HostileMatcher {
    fn prepare(_vacancy: &Vacancy, _batch: &Batch) -> Result<Self, String> {
        match config::get("behaviour").as_deref().unwrap_or("ok") {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = n.wrapping_add(std::hint::black_box(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "panic" => panic!("the matcher gave up"),
            "refuse" => Err("this vacancy has no skills to match on".into()),
            _ => Ok(HostileMatcher),
        }
    }

    fn score(
        &self,
        _vacancy: &Vacancy,
        _candidate: Candidate<'_>,
        why: &mut Explanation<'_>,
    ) -> f32 {
        why.push_str("well-behaved");
        0.5
    }
}

register_matcher!(HostileMatcher);
