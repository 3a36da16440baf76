//! Markdown to HTML for label content. Raw HTML in the source is shown as text, never passed
//! through: label files are code, but the rendered page must not become a script injection path.
use pulldown_cmark::{Event, Options, Parser, html};

pub fn to_html(source: &str) -> String {
    let parser = Parser::new_ext(source, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn raw_html_is_escaped() {
        let html = super::to_html("# Kop\n\n<script>alert(1)</script>\n\ntekst <b>vet</b>");
        assert!(html.contains("<h1>Kop</h1>"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>"));
    }
}
