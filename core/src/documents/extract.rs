//! What the helper process does with one untrusted file (CAN-1): CV text out of PDF, DOCX, ODT
//! and plain text; photos decoded, turned upright and encoded again so that no EXIF, XMP or
//! other metadata survives. Runs only inside `etalage extract`, under the limits the server sets
//! (see [`super::sandbox`]): a parser that panics, loops or exhausts memory takes down that
//! process, never the server. The checks here are the first line; the rlimits are the backstop.
use std::io::{Cursor, Read};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::DocumentKind;
use super::sniff::{Format, Sniffed, check_allowed, sniff};

/// Longest CV text kept; the rest is cut (Tika's write limit is 100 000 characters; a CV needs
/// less, search needs no more).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Zip-bomb checks, after Apache Tika's defaults (see docs/security.md).
const MAX_ZIP_ENTRIES: usize = 1000;
const MAX_ZIP_TOTAL_UNCOMPRESSED: u64 = 100 * 1024 * 1024;
const MAX_ZIP_ENTRY_UNCOMPRESSED: u64 = 50 * 1024 * 1024;
const MAX_ZIP_RATIO: u64 = 100;
/// Entries smaller than this are not judged by their ratio: a tiny entry compresses well.
const RATIO_FLOOR: u64 = 64 * 1024;
const MAX_XML_DEPTH: usize = 100;
/// Photos larger than this on either side are refused before decoding; kept photos are scaled
/// to at most [`KEPT_PHOTO_SIDE`].
const MAX_PHOTO_SIDE: u32 = 8000;
const KEPT_PHOTO_SIDE: u32 = 2000;
const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

/// What the helper answers.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// For a CV the file itself is kept and `payload` is its text; for a photo `payload` is the
    /// re-encoded image, which is what is kept.
    Done { format: Format, payload: Vec<u8> },
    /// A type that is not allowed for the kind (415).
    NotAllowed(String),
    /// Corrupt or hostile (422); the message names the problem.
    Refused(String),
}

pub fn extract(kind: DocumentKind, input: &[u8]) -> Outcome {
    let sniffed = match check_allowed(kind, sniff(input)) {
        Ok(s) => s,
        Err(err) => return Outcome::NotAllowed(err.to_string()),
    };
    let result = match sniffed {
        Sniffed::Known(Format::Pdf) => pdf_text(input).map(|t| (Format::Pdf, t.into_bytes())),
        Sniffed::Known(Format::Txt) => Ok((
            Format::Txt,
            cap_text(String::from_utf8_lossy(input).into_owned()).into_bytes(),
        )),
        Sniffed::Zip => office_text(input).map(|(f, t)| (f, t.into_bytes())),
        Sniffed::Known(format @ (Format::Jpeg | Format::Png | Format::Webp)) => {
            photo(input, format)
        }
        _ => Err(Problem::NotAllowed(format!(
            "{} cannot be read",
            kind.as_str()
        ))),
    };
    match result {
        Ok((format, payload)) => Outcome::Done { format, payload },
        Err(Problem::NotAllowed(m)) => Outcome::NotAllowed(m),
        Err(Problem::Refused(m)) => Outcome::Refused(m),
    }
}

enum Problem {
    NotAllowed(String),
    Refused(String),
}

fn refused(message: impl Into<String>) -> Problem {
    Problem::Refused(message.into())
}

fn cap_text(mut text: String) -> String {
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

// ---- PDF ----

/// Page by page: `extract_text` hangs on some xref and font encodings where the by-pages API
/// does not. pdf-extract panics by design on odd files; a panic is a refusal, not a crash.
fn pdf_text(input: &[u8]) -> Result<String, Problem> {
    let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(input))
        .map_err(|_| refused("the PDF is damaged or uses a structure that cannot be read"))?
        .map_err(|e| refused(format!("the PDF cannot be read: {e}")))?;
    Ok(cap_text(pages.join("\n")))
}

// ---- DOCX and ODT ----

/// Which office format the archive is, checked by its entries, and its text.
fn office_text(input: &[u8]) -> Result<(Format, String), Problem> {
    let mut archive = zip::ZipArchive::new(Cursor::new(input)).map_err(|e| {
        refused(format!(
            "the file looks like a zip archive but cannot be read: {e}"
        ))
    })?;
    check_zip_bomb(&mut archive)?;
    let is_docx = archive.index_for_name("word/document.xml").is_some()
        && archive.index_for_name("[Content_Types].xml").is_some();
    let is_odt = archive.index_for_name("content.xml").is_some()
        && read_entry(&mut archive, "mimetype", 1024)
            .is_ok_and(|m| m == b"application/vnd.oasis.opendocument.text");
    let (format, entry, flavour) = match (is_docx, is_odt) {
        (true, _) => (Format::Docx, "word/document.xml", Flavour::Docx),
        (false, true) => (Format::Odt, "content.xml", Flavour::Odt),
        _ => {
            return Err(Problem::NotAllowed(
                "the file is a zip archive but not a DOCX or ODT document; a CV must be PDF, DOCX, ODT or plain text".into(),
            ));
        }
    };
    let xml = read_entry(&mut archive, entry, MAX_ZIP_ENTRY_UNCOMPRESSED)?;
    Ok((format, cap_text(xml_text(&xml, flavour)?)))
}

/// Entry count, declared sizes, compression ratio and nested archives, from the central
/// directory; the real sizes are checked again while reading (see [`read_entry`]).
fn check_zip_bomb(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), Problem> {
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(refused(format!(
            "the document has {} parts; at most {MAX_ZIP_ENTRIES} are accepted",
            archive.len()
        )));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| refused(format!("a part of the document cannot be read: {e}")))?;
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if size > MAX_ZIP_ENTRY_UNCOMPRESSED || total > MAX_ZIP_TOTAL_UNCOMPRESSED {
            return Err(refused(
                "the document unpacks to more than is accepted (a zip bomb?)",
            ));
        }
        if size > RATIO_FLOOR && size / compressed > MAX_ZIP_RATIO {
            return Err(refused(format!(
                "a part of the document is compressed more than {MAX_ZIP_RATIO} to 1 (a zip bomb?)"
            )));
        }
        let name = entry
            .name()
            .map_err(|e| {
                refused(format!(
                    "a part of the document has an unreadable name: {e}"
                ))
            })?
            .to_ascii_lowercase();
        if [
            ".zip", ".jar", ".docx", ".odt", ".xlsx", ".gz", ".7z", ".rar",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
        {
            return Err(refused("the document holds another archive inside it"));
        }
    }
    Ok(())
}

/// One entry, read through a cap: the declared size can lie, so whatever the central directory
/// says, no more than `limit` bytes are ever inflated, and the real ratio is checked too.
fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    limit: u64,
) -> Result<Vec<u8>, Problem> {
    let entry = archive
        .by_name(name)
        .map_err(|e| refused(format!("{name} cannot be read: {e}")))?;
    let compressed = entry.compressed_size().max(1);
    let mut out = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| refused(format!("{name} cannot be unpacked: {e}")))?;
    let real = out.len() as u64;
    if real > limit {
        return Err(refused(
            "the document unpacks to more than is accepted (a zip bomb?)",
        ));
    }
    if real > RATIO_FLOOR && real / compressed > MAX_ZIP_RATIO {
        return Err(refused(format!(
            "a part of the document is compressed more than {MAX_ZIP_RATIO} to 1 (a zip bomb?)"
        )));
    }
    if out.starts_with(b"PK\x03\x04") {
        return Err(refused("the document holds another archive inside it"));
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Flavour {
    Docx,
    Odt,
}

/// The text of a WordprocessingML or ODF body. quick-xml does not expand entities; a document
/// type declaration (how billion-laughs defines them) has no place in either format and is
/// refused, undeclared references are dropped, and nesting is bounded.
fn xml_text(xml: &[u8], flavour: Flavour) -> Result<String, Problem> {
    use quick_xml::events::Event;
    let xml = std::str::from_utf8(xml).map_err(|_| refused("the document's text is not UTF-8"))?;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut depth = 0usize;
    // How many text-holding elements we are inside (DOCX: w:t; ODT: text:p and text:h).
    let mut in_text = 0usize;
    let holds_text = |name: &str| match flavour {
        Flavour::Docx => name == "w:t",
        Flavour::Odt => name == "text:p" || name == "text:h",
    };
    let breaks_line = |name: &str| match flavour {
        Flavour::Docx => matches!(name, "w:p" | "w:br" | "w:cr"),
        Flavour::Odt => matches!(name, "text:p" | "text:h" | "text:line-break"),
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| refused(format!("the document's XML is malformed: {e}")))?;
        match event {
            Event::DocType(_) => {
                return Err(refused(
                    "the document declares a DTD, which no DOCX or ODT needs (an entity-expansion attack?)",
                ));
            }
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(refused("the document's XML is nested too deeply"));
                }
                if holds_text(e.name().as_ref()) {
                    in_text += 1;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let name = e.name();
                if holds_text(name.as_ref()) {
                    in_text = in_text.saturating_sub(1);
                }
                if breaks_line(name.as_ref()) {
                    out.push('\n');
                }
            }
            Event::Empty(e) => match e.name().as_ref() {
                "w:tab" | "text:tab" => out.push('\t'),
                "text:s" => out.push(' '),
                name if breaks_line(name) => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text > 0 => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text > 0 => {
                out.push_str(&t.into_inner());
            }
            Event::GeneralRef(r) if in_text > 0 => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else {
                    match &*r {
                        "amp" => out.push('&'),
                        "lt" => out.push('<'),
                        "gt" => out.push('>'),
                        "quot" => out.push('"'),
                        "apos" => out.push('\''),
                        // Anything else would need a DTD, refused above: never expanded.
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if out.len() > MAX_TEXT_BYTES {
            break;
        }
    }
    Ok(out)
}

// ---- photos ----

/// Decoded under limits, turned by its orientation tag, scaled down to a portrait's size and
/// encoded again: the new file carries pixels only — no EXIF (GPS, camera serial), XMP, IPTC or
/// text chunks, and no polyglot tail. WebP comes back as PNG (lossless, keeps transparency).
fn photo(input: &[u8], format: Format) -> Result<(Format, Vec<u8>), Problem> {
    let image_format = match format {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        _ => ImageFormat::WebP,
    };
    let mut reader = ImageReader::with_format(Cursor::new(input), image_format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PHOTO_SIDE);
    limits.max_image_height = Some(MAX_PHOTO_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let cannot = |e: image::ImageError| refused(format!("the photo cannot be read: {e}"));
    let mut decoder = reader.into_decoder().map_err(cannot)?;
    let orientation = decoder.orientation().map_err(cannot)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(cannot)?;
    img.apply_orientation(orientation);
    if img.width() > KEPT_PHOTO_SIDE || img.height() > KEPT_PHOTO_SIDE {
        img = img.thumbnail(KEPT_PHOTO_SIDE, KEPT_PHOTO_SIDE);
    }
    let mut out = Cursor::new(Vec::new());
    let kept = match format {
        Format::Jpeg => {
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
            DynamicImage::ImageRgb8(img.to_rgb8())
                .write_with_encoder(encoder)
                .map_err(cannot)?;
            Format::Jpeg
        }
        _ => {
            img.write_to(&mut out, ImageFormat::Png).map_err(cannot)?;
            Format::Png
        }
    };
    Ok((kept, out.into_inner()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    fn docx(body: &str) -> Vec<u8> {
        zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", body.as_bytes()),
        ])
    }

    #[test]
    fn can_1_docx_and_odt_text_is_extracted() {
        let doc = docx(
            r#"<w:document><w:body><w:p><w:r><w:t>Lasser &amp; monteur</w:t></w:r></w:p><w:p><w:r><w:t>Zwolle</w:t></w:r></w:p></w:body></w:document>"#,
        );
        let Outcome::Done { format, payload } = extract(DocumentKind::Cv, &doc) else {
            panic!("a DOCX is read");
        };
        assert_eq!(format, Format::Docx);
        assert_eq!(
            String::from_utf8(payload).unwrap(),
            "Lasser & monteur\nZwolle\n"
        );
        let odt = zip_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", br#"<office:document-content><office:body><office:text><text:p>Heftruck<text:s/>chauffeur</text:p></office:text></office:body></office:document-content>"#),
        ]);
        let Outcome::Done { format, payload } = extract(DocumentKind::Cv, &odt) else {
            panic!("an ODT is read");
        };
        assert_eq!(format, Format::Odt);
        assert_eq!(String::from_utf8(payload).unwrap(), "Heftruck chauffeur\n");
    }

    #[test]
    fn sec_zip_bombs_and_entity_expansion_are_refused() {
        let bomb = docx(&format!(
            "<w:document>{}</w:document>",
            " ".repeat(60 * 1024 * 1024)
        ));
        assert!(
            matches!(extract(DocumentKind::Cv, &bomb), Outcome::Refused(m) if m.contains("zip bomb"))
        );
        let laughs = docx(
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><w:document><w:p><w:t>&lol2;</w:t></w:p></w:document>"#,
        );
        assert!(
            matches!(extract(DocumentKind::Cv, &laughs), Outcome::Refused(m) if m.contains("DTD"))
        );
        let other_zip = zip_of(&[("readme.txt", b"hello")]);
        assert!(matches!(
            extract(DocumentKind::Cv, &other_zip),
            Outcome::NotAllowed(_)
        ));
        let nested = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
            ("inner.zip", b"PK"),
        ]);
        assert!(
            matches!(extract(DocumentKind::Cv, &nested), Outcome::Refused(m) if m.contains("archive"))
        );
    }
}
