//! What a file is, decided by its bytes and never by its name (CAN-1). `infer` matches magic
//! numbers only, so this is safe to run in the server; anything that parses the file's structure
//! runs in the helper process (see [`super::sandbox`]).
use super::{DocumentError, DocumentKind};

/// The formats Etalage keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Docx,
    Odt,
    Txt,
    Jpeg,
    Png,
    Webp,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Odt => "odt",
            Format::Txt => "txt",
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        [
            Format::Pdf,
            Format::Docx,
            Format::Odt,
            Format::Txt,
            Format::Jpeg,
            Format::Png,
            Format::Webp,
        ]
        .into_iter()
        .find(|f| f.as_str() == text)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Odt => "application/vnd.oasis.opendocument.text",
            Format::Txt => "text/plain; charset=utf-8",
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
        }
    }

    /// The extension a download is named with.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            other => other.as_str(),
        }
    }
}

/// What the bytes look like, before the helper has looked inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Known(Format),
    /// A zip archive: DOCX and ODT are zips, and which one (if either) is only known by looking
    /// at the entries, which the helper does.
    Zip,
    /// Something `infer` knows and we do not keep (an executable, an archive, a video…).
    Other(&'static str),
    /// Bytes with no known signature that are not text either.
    Binary,
}

pub fn sniff(bytes: &[u8]) -> Sniffed {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("application/pdf") => Sniffed::Known(Format::Pdf),
        Some("image/jpeg") => Sniffed::Known(Format::Jpeg),
        Some("image/png") => Sniffed::Known(Format::Png),
        Some("image/webp") => Sniffed::Known(Format::Webp),
        Some(
            "application/zip"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.oasis.opendocument.text",
        ) => Sniffed::Zip,
        Some(other) => Sniffed::Other(other),
        None if looks_like_text(bytes) => Sniffed::Known(Format::Txt),
        None => Sniffed::Binary,
    }
}

/// Text has no control bytes other than tab, line feed, form feed and carriage return; invalid
/// UTF-8 is allowed (read lossily) because old CVs come in Latin-1.
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
}

/// The sniffed type if `kind` accepts it; a 415 naming what was found otherwise.
pub fn check_allowed(kind: DocumentKind, sniffed: Sniffed) -> Result<Sniffed, DocumentError> {
    let allowed = matches!(
        (kind, sniffed),
        (
            DocumentKind::Cv,
            Sniffed::Known(Format::Pdf | Format::Txt) | Sniffed::Zip
        ) | (
            DocumentKind::Photo,
            Sniffed::Known(Format::Jpeg | Format::Png | Format::Webp)
        )
    );
    if allowed {
        return Ok(sniffed);
    }
    let found = match sniffed {
        Sniffed::Known(format) => format.content_type(),
        Sniffed::Zip => "a zip archive",
        Sniffed::Other(mime) => mime,
        Sniffed::Binary => "binary data of no known type",
    };
    Err(DocumentError::TypeNotAllowed(format!(
        "the file is {found} (judged by its content, not its name); {}",
        kind.allowed_text()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_1_type_is_decided_by_content() {
        assert_eq!(sniff(b"%PDF-1.4\n..."), Sniffed::Known(Format::Pdf));
        assert_eq!(
            sniff("Jan Jansen\nCV\n".as_bytes()),
            Sniffed::Known(Format::Txt)
        );
        assert_eq!(
            sniff(b"MZ\x90\x00\x03\x00\x00\x00"),
            Sniffed::Other("application/vnd.microsoft.portable-executable")
        );
        // An ELF executable, named or not, is no CV.
        let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
        elf.resize(64, 0);
        assert!(check_allowed(DocumentKind::Cv, sniff(&elf)).is_err());
        assert_eq!(sniff(b"\x00\x01\x02"), Sniffed::Binary);
        assert!(check_allowed(DocumentKind::Photo, sniff(b"%PDF-1.4")).is_err());
        assert!(check_allowed(DocumentKind::Cv, sniff(b"%PDF-1.4")).is_ok());
    }
}
