//! A newsletter processor as plugin authors wrote them for `etalage:plugin@0.1.0`, without the
//! SDK: it answers a subscription with a reference built from its `list` setting.
wit_bindgen::generate!({
    path: "../../wit/since_v0.1.0/etalage-plugin.wit",
    world: "processor",
});

use exports::etalage::plugin::integration::{Guest, Placement, Subscriber};

struct V01Processor;

impl Guest for V01Processor {
    fn place_worker(_placement: Placement) -> Result<String, String> {
        Err("this integration does not handle placements".into())
    }
    fn subscribe(subscriber: Subscriber) -> Result<String, String> {
        let list = etalage::plugin::config::get("list").unwrap_or_else(|| "default".into());
        Ok(format!("{list}:{}", subscriber.email))
    }
    fn unsubscribe(email: String) -> Result<String, String> {
        Ok(format!("removed:{email}"))
    }
    fn erase_person(_person_ref: String, email: String) -> Result<String, String> {
        Ok(format!("erased:{email}"))
    }
    fn export_person(_person_ref: String, _email: String) -> Result<String, String> {
        Err("nothing to export".into())
    }
}

export!(V01Processor);
