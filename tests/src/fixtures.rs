//! Documents made in the test, so that every byte in them is known: a PDF, DOCX and ODT with a
//! given text, hostile variants of them, a JPEG carrying an EXIF GPS block, and the multipart
//! body an upload is sent as.
use std::io::{Cursor, Write};

/// A one-page PDF showing `text` in Helvetica, with a correct cross-reference table.
pub fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A zip of `entries`, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
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

/// A DOCX whose `word/document.xml` is `xml`.
pub fn docx_with_xml(xml: &str) -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>".as_slice()),
        ("word/document.xml", xml.as_bytes()),
    ])
}

/// A DOCX with one paragraph of `text`.
pub fn docx(text: &str) -> Vec<u8> {
    docx_with_xml(&format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#
    ))
}

/// An ODT text document with one paragraph of `text`.
pub fn odt(text: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>{text}</text:p></office:text></office:body></office:document-content>"#
    );
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.text".as_slice(),
        ),
        ("content.xml", content.as_bytes()),
    ])
}

/// A DOCX whose document part inflates to 60 MiB from a few dozen KiB: a zip bomb.
pub fn docx_bomb() -> Vec<u8> {
    let body = format!("<w:document>{}</w:document>", " ".repeat(60 * 1024 * 1024));
    docx_with_xml(&body)
}

/// A DOCX with the billion-laughs entity definitions.
pub fn docx_billion_laughs() -> Vec<u8> {
    let mut dtd = String::from(r#"<!ENTITY lol0 "lol">"#);
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1);
        dtd.push_str(&format!(r#"<!ENTITY lol{i} "{}">"#, prev.repeat(10)));
    }
    docx_with_xml(&format!(
        r#"<?xml version="1.0"?><!DOCTYPE w:document [{dtd}]><w:document><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"#
    ))
}

/// A 32 × 24 JPEG whose EXIF block has a GPS IFD (latitude reference and latitude) and an
/// image description holding `marker`.
pub fn jpeg_with_gps(marker: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 24, |x, y| {
        image::Rgb([(x * 8) as u8, (y * 10) as u8, 128])
    });
    let mut plain = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut plain, image::ImageFormat::Jpeg)
        .unwrap();
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(plain.into_inner().into()).unwrap();
    img_parts::ImageEXIF::set_exif(&mut jpeg, Some(exif_with_gps(marker).into()));
    let mut out = Vec::new();
    jpeg.encoder().write_to(&mut out).unwrap();
    out
}

/// A little-endian TIFF structure: IFD0 with ImageDescription (`marker`) and a GPSInfo
/// pointer; the GPS IFD with GPSLatitudeRef `N` and GPSLatitude 52° 22' 12".
pub fn exif_with_gps(marker: &str) -> Vec<u8> {
    let desc = format!("{marker}\0");
    // Layout: header (8) | IFD0: count (2) + 2 entries (24) + next (4) = 30 → ends at 38
    // | GPS IFD at 38: count (2) + 2 entries (24) + next (4) = 30 → ends at 68
    // | latitude rationals at 68 (24 bytes) → 92 | description at 92.
    let (ifd0, gps, lat, desc_at) = (8u32, 38u32, 68u32, 92u32);
    let mut t = Vec::new();
    t.extend_from_slice(b"II*\0");
    t.extend_from_slice(&ifd0.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    };
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x010e, 2, desc.len() as u32, desc_at);
    entry(&mut t, 0x8825, 4, 1, gps);
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, lat);
    t.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(52u32, 1u32), (22, 1), (12, 1)] {
        t.extend_from_slice(&num.to_le_bytes());
        t.extend_from_slice(&den.to_le_bytes());
    }
    assert_eq!(t.len() as u32, desc_at);
    t.extend_from_slice(desc.as_bytes());
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(t);
    exif
}

/// A `multipart/form-data` body with `kind` and `file` (named `file_name`): its content type
/// and bytes.
pub fn upload_body(kind: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "etalage-test-boundary-7d1f0c";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
